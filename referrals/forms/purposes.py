"""The school's names for the placement purposes: one box per purpose, blank for the
standard name."""

from __future__ import annotations

from django import forms

from referrals.models import Purpose
from referrals.purposes import EXPLANATIONS
from referrals.services.purposes import MAX_LENGTH


class PurposeNamesForm(forms.Form):
    is_filter = True  # every box may be left blank: blank is the standard name

    def __init__(self, *args, labels: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        defaults = dict(Purpose.choices)
        for code in Purpose.values:
            self.fields[code] = forms.CharField(
                label=f"Name for “{defaults[code]}”",
                required=False,
                max_length=MAX_LENGTH,
                initial=labels[code] if labels[code] != defaults[code] else "",
                help_text=f"{EXPLANATIONS[code]} Leave blank for the standard name.",
            )
