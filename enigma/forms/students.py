"""The student directory's filters."""

from urllib.parse import urlencode

from django import forms

from enigma.models import Student
from enigma.selectors.students import DirectoryFilters


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
        choices=[("", "All years")],
    )
    sen = forms.ChoiceField(
        label="SEN status",
        required=False,
        choices=[("", "Any"), *Student.SenStatus.choices],
    )
    off_roll = forms.BooleanField(label="Include students off roll", required=False)

    def __init__(self, *args, years=(), **kwargs):
        """`years`: the school's year groups (those of its students on roll), so a
        secondary school is not offered Year 0 to Year 14."""
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "All years"), *((y, f"Year {y}") for y in years)]

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
