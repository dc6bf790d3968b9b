from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator

from enigma import audit
from enigma.models import SchoolSettings, Student
from enigma.selectors import DirectoryFilters


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: next to each field it names that the
    form has, the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class DirectoryFilterForm(forms.Form):
    is_filter = True  # every field is optional: the template does not say so on each
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        help_text="Name, UPN, MIS id or tutor group",
    )
    year = forms.TypedChoiceField(
        label="Year",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "All years")] + [(y, f"Year {y}") for y in range(0, 15)],
    )
    sen = forms.ChoiceField(
        label="SEN status",
        required=False,
        choices=[("", "Any"), *Student.SenStatus.choices],
    )
    off_roll = forms.BooleanField(label="Include students off roll", required=False)

    def filters(self) -> DirectoryFilters:
        if not self.is_bound or not self.is_valid():
            return DirectoryFilters()
        d = self.cleaned_data
        return DirectoryFilters(
            q=d.get("q") or "",
            year=d.get("year"),
            sen=d.get("sen") or "",
            include_off_roll=bool(d.get("off_roll")),
        )

    def query_string(self) -> str:
        if not self.is_bound or not self.is_valid():
            return ""
        pairs = [(k, v) for k, v in self.cleaned_data.items() if v not in ("", None, False)]
        return urlencode([(k, "1" if v is True else v) for k, v in pairs])


class SchoolSettingsForm(forms.ModelForm):
    class Meta:
        model = SchoolSettings
        fields = [
            "school_name",
            "room_name",
            "capacity",
            "placement_weeks",
            "review_interval_days",
            "follow_up_weeks",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Positive integer fields would say "at least 0"; the real minimum is 1.
        for name in ("capacity", "placement_weeks", "review_interval_days"):
            field = self.fields[name]
            field.min_value = 1
            field.validators = [v for v in field.validators if v.code != "min_value"]
            field.validators.append(MinValueValidator(1))
            field.widget.attrs["min"] = 1


class AuditSearchForm(forms.Form):
    is_filter = True
    who = forms.CharField(label="Who", required=False, max_length=254, help_text="Email or name")
    action = forms.ChoiceField(label="What", required=False)
    student = forms.CharField(
        label="Student", required=False, max_length=100, help_text="Name or UPN"
    )
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Anything"), *audit.groups().items()]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def query_string(self) -> str:
        if not self.is_bound or not self.is_valid():
            return ""
        return urlencode([(k, v) for k, v in self.cleaned_data.items() if v not in ("", None)])
