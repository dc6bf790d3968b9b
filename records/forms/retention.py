"""The one field the retention pages ask for: a reason (a hold, a release, a rejection)."""

from django import forms


class ReasonForm(forms.Form):
    # A CharField refuses NUL bytes and over-long text with a message, not a 500.
    # Not required here: each service says why a reason is needed, next to the field.
    reason = forms.CharField(max_length=300, required=False)
