"""The disclosure app's forms."""

from __future__ import annotations

from django import forms

from disclosure.models import LeavingClosed
from enigma.forms.common import Radios


class ExportForm(forms.Form):
    include_restricted = forms.BooleanField(
        label="Include restricted (safeguarding) entries",
        required=False,
        help_text="Only for the safeguarding team, after checking your second factor again.",
    )
    name_other_pupils = forms.BooleanField(
        label="Name other pupils",
        required=False,
        help_text="Other pupils are written “another pupil” unless there is a legal reason "
        "to name them.",
    )
    legal_reason = forms.CharField(
        label="The legal reason for naming them",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, may_include_restricted: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_include_restricted:
            del self.fields["include_restricted"]


class PrepareForm(forms.Form):
    left_on = forms.DateField(
        label="Date the pupil left",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The file is due at the next school within 5 school days of it.",
    )


class CloseLeavingForm(forms.Form):
    left_on = forms.DateField(
        label="Date the pupil left", widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.ChoiceField(
        label="Why the file is not sent through Enigma",
        choices=[
            (c.value, c.label)
            for c in (LeavingClosed.Reason.SENT_ANOTHER_WAY, LeavingClosed.Reason.NO_NEXT_SCHOOL)
        ],
        widget=Radios,
        error_messages={"required": "Choose why the file is not sent through Enigma."},
    )
    detail = forms.CharField(
        label="How and to whom it went, or who at the local authority was told",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Say how and to whom the file went, or who at the local authority was told."
        },
    )


class SendForm(forms.Form):
    name = forms.CharField(label="Their DSL's name", max_length=120)
    email = forms.EmailField(label="Their DSL's email", max_length=254)
    school = forms.CharField(label="Their school", max_length=200)


class FailForm(forms.Form):
    reason = forms.CharField(label="What went wrong", max_length=300)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="The code you were given by phone",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class ConfirmForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=120)
    confirm = forms.BooleanField(
        label="I have the file and keep it as our school's child-protection file for this pupil",
    )
