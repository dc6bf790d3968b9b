"""Searching the audit log."""

from urllib.parse import urlencode

from django import forms

from enigma import audit
from enigma.forms.common import DatesInOrder


class AuditSearchForm(DatesInOrder, forms.Form):
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

    def query_string(self) -> str:
        if not self.is_bound or not self.is_valid():
            return ""
        return urlencode([(k, v) for k, v in self.cleaned_data.items() if v not in ("", None)])
