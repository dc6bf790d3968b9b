"""Forms for deciding referrals and keeping the waiting list.

Forms read and check what was typed; referrals.services.decisions decides and saves. A
ValidationError from a service goes back onto the form with
enigma.forms.common.add_service_errors(), next to the field it names, so nothing typed is lost.

The three decision forms share one page, so their fields have distinct names (and so
distinct ids) and each posts a hidden `decision` naming which it is.
"""

from __future__ import annotations

from django import forms
from django.urls import reverse

from enigma.capabilities import Capability, users_who_can
from enigma.forms.common import DateInput, TextField
from enigma.models import User
from referrals.models import ContactMethod, Placement
from referrals.services.decisions import RULE_FIELDS, RULE_MISSING, PurposeRules

PRIORITY_CHOICES = [
    (1, "1 (most urgent)"),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, "5 (least urgent)"),
]


def _priority_field(**kwargs) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label="Priority on the waiting list",
        choices=PRIORITY_CHOICES,
        coerce=int,
        error_messages={"invalid_choice": "Choose a priority from 1 (most urgent) to 5."},
        **kwargs,
    )


class StartCheckForm(forms.Form):
    """The start date alone, to show what approving with it would do."""

    start_date = forms.DateField(
        error_messages={"required": "Enter the start date.", "invalid": "Enter a real date."}
    )


class DeciderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        return str(user)


def _date(label: str, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=DateInput(),
        help_text=help_text,
        error_messages={"invalid": "Enter a real date, e.g. 9/11/2026."},
    )


class ApproveForm(forms.Form):
    """Approve, with what the referral's purpose brings (PurposeRules): a part-time
    timetable's agreement and dates, or an internal suspension's decision. Only the
    fields of the referral's purpose are kept, each required; whether the dates fit the
    placement is referrals.services.decisions.approve's to say, next to each field."""

    decision_name = "approve"

    start_date = forms.DateField(
        label="Start date",
        widget=DateInput(),
        help_text="A school day, today or later. The exit date is worked out from the "
        "school calendar.",
        error_messages={
            "required": "Enter the start date.",
            "invalid": "Enter a real date, e.g. 9/11/2026.",
        },
    )
    priority = _priority_field(
        initial=3,
        help_text="Used only if the room is full and the placement has to wait for a place.",
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the decision and shown in the student's chronology.",
    )

    # A part-time timetable.
    part_time_agreed_on = _date("Date parents or carers agreed to the part-time timetable")
    part_time_agreed_by = forms.CharField(
        label="Agreed by",
        required=False,
        max_length=200,
        help_text="Name and relationship, e.g. “Mrs Khan, mother”.",
    )
    part_time_ends = _date(
        "Part-time timetable ends",
        "Within the placement: the student is back to a full timetable by then.",
    )
    part_time_review = _date("Part-time timetable reviewed on", "Before it ends.")
    # An internal suspension.
    suspension_decided_by = DeciderChoiceField(
        label="Decided by",
        queryset=User.objects.none(),
        required=False,
        empty_label="Choose who decided",
    )
    suspension_reason = TextField(
        label="Reason for the internal suspension",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the placement; the referrer and the room team see it.",
    )
    suspension_parents_told_on = _date("Date parents or carers were told")
    suspension_parents_told_how = forms.ChoiceField(
        label="How they were told",
        required=False,
        choices=[("", "Choose how"), *ContactMethod.choices],
    )

    def __init__(self, *args, purpose: str = "", user: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # "Before you approve" follows the date as it changes (the page shows it for the
        # suggested or posted date without JavaScript).
        self.fields["start_date"].widget.attrs.update(
            {
                "hx-get": reverse("referrals:start_outlook"),
                "hx-trigger": "change",
                "hx-target": "#start-outlook",
                "hx-sync": "this:replace",
                "aria-controls": "start-outlook",
            }
        )
        self.purpose = purpose
        keep = RULE_FIELDS.get(purpose, ())
        for name in [*PurposeRules.__dataclass_fields__]:
            if name not in keep:
                del self.fields[name]
                continue
            # The purpose needs each of them: asked for here as the service would.
            field = self.fields[name]
            field.required = True
            field.error_messages["required"] = RULE_MISSING[name]
        if "suspension_decided_by" in self.fields:
            self.fields["suspension_decided_by"].queryset = users_who_can(
                Capability.DECIDE_REFERRAL
            ).order_by("last_name", "first_name", "pk")
            if user is not None and not self.is_bound:
                self.initial.setdefault("suspension_decided_by", user.pk)

    @property
    def rule_fields(self) -> list:
        """The bound fields of the purpose's rules, in order."""
        return [self[name] for name in RULE_FIELDS.get(self.purpose, ())]

    def rules(self) -> PurposeRules:
        data = self.cleaned_data
        return PurposeRules(
            **{
                name: data.get(name) if data.get(name) is not None else field.default
                for name, field in PurposeRules.__dataclass_fields__.items()
                if name in self.fields
            }
        )


class InformationForm(forms.Form):
    decision_name = "information"

    request = forms.CharField(
        label="What information is needed?",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The referral goes back to the referrer to add it and submit again.",
        error_messages={"required": "Say what information is needed."},
    )


class DeclineForm(forms.Form):
    decision_name = "decline"

    reason = forms.CharField(
        label="Reason",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The referrer sees it, and it is kept in the student's file.",
        error_messages={"required": "Say why: the referrer and the file keep the reason."},
    )


DECISION_FORMS: dict[str, type[forms.Form]] = {
    f.decision_name: f for f in (ApproveForm, InformationForm, DeclineForm)
}


class PriorityForm(forms.Form):
    priority = _priority_field()


class RemoveForm(forms.Form):
    end_reason = forms.ChoiceField(
        label="Why is it coming off the list?",
        choices=[("", "Choose a reason"), *Placement.EndReason.choices],
        error_messages={"required": "Choose why the placement ends."},
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text='Needed for "Other": say what happened.',
    )


def row_form(form_class, placement: Placement, data=None, **kwargs) -> forms.Form:
    """A waiting-list row's form: ids carry the placement, names stay plain, and the
    labels name the student (many rows share the page)."""
    form = form_class(data, auto_id=f"id_%s_{placement.pk}", **kwargs)
    name = placement.student.name
    if "priority" in form.fields:
        form.fields["priority"].label = f"Priority for {name}"
    if "end_reason" in form.fields:
        form.fields["end_reason"].label = f"Why is {name} coming off the list?"
    return form
