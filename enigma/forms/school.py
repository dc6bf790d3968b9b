"""The school's settings."""

from django import forms
from django.core.validators import MinValueValidator

from enigma.models import SchoolSettings


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
            "suppression_threshold",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Positive integer fields would say "at least 0"; the real minimum is 1.
        for name in (
            "capacity",
            "placement_weeks",
            "review_interval_days",
            "suppression_threshold",
        ):
            field = self.fields[name]
            field.min_value = 1
            field.validators = [v for v in field.validators if v.code != "min_value"]
            field.validators.append(MinValueValidator(1))
            field.widget.attrs["min"] = 1
