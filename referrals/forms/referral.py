"""Forms of the referral: the long form in sections, its two lists of rows, the student
search that starts it and the withdrawal.

Every field is optional here: a draft keeps whatever has been written. What a referral
needs before a decision is checked by referrals.services.referral when it is submitted,
and those errors come back next to the fields they name (add_referral_errors).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from enigma.forms.common import Checkboxes, DateInput, Radios, TextField, add_service_errors
from referrals.models import ContactMethod, NeedArea, PriorSupport, Referral, TargetArea
from referrals.purposes import EXPLANATIONS, purpose_choices
from referrals.services.referral import SUPPORT, TARGETS, SupportRow, TargetRow


class YesNo(forms.RadioSelect):
    """Yes / No radios for a yes, no or not yet answered field. The group's id is the
    fieldset's, so the error summary's link lands on the question."""

    def __init__(self, attrs=None):
        super().__init__(attrs, choices=[("true", "Yes"), ("false", "No")])

    def id_for_label(self, id_, index=None):
        return id_ if index is None else super().id_for_label(id_, index)

    def format_value(self, value):
        value = {True: "true", False: "false", "True": "true", "False": "false"}.get(value, value)
        return [value] if value in ("true", "false") else []


def _text(label: str, help_text: str = "", rows: int = 5) -> TextField:
    return TextField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ReferralForm(forms.Form):
    """The referral's own answers. Not saved directly: the view calls the services."""

    # No "(optional)" on every label: each is optional for a draft, and what a decision
    # needs is said when the referral is submitted. Optional ones say so in their hint.
    is_filter = True

    reasons = _text(
        "Reasons for the referral",
        "Why the room, and why now: what you have seen in lessons and around school. Facts first.",
        rows=6,
    )
    concerns = _text(
        "Current concerns",
        "Optional: anything else on your mind: learning, friendships, wellbeing, home.",
    )
    purpose = forms.ChoiceField(
        label="What is the placement for?",
        required=False,
        choices=(),  # the school's names for the purposes: set when the form is made
        widget=Radios,
    )
    need_areas = forms.MultipleChoiceField(
        label="Areas of need",
        required=False,
        choices=NeedArea.choices,
        widget=Checkboxes,
        help_text="The broad areas of the SEND Code of Practice. Choose each that applies, "
        "whether or not the student is on the SEN register.",
    )
    attendance_percent = forms.DecimalField(
        label="Recent attendance (%)",
        required=False,
        min_value=0,
        max_value=100,
        max_digits=4,
        decimal_places=1,
        help_text="Optional. From the MIS, e.g. over the last six weeks.",
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    attendance_note = forms.CharField(
        label="About attendance",
        required=False,
        max_length=300,
        help_text="Optional. Any pattern, e.g. late on Mondays, misses PE.",
    )
    parents_consulted = forms.NullBooleanField(
        label="Have parents or carers been consulted?", required=False, widget=YesNo
    )
    parent_view = _text("Their view", "If you consulted them: in their words where you can.")
    consent_given = forms.NullBooleanField(
        label="Have they given consent to the placement?",
        required=False,
        widget=YesNo,
        help_text="If they have, say when, who gave it and how.",
    )
    consent_date = forms.DateField(
        label="Date consent was given", required=False, widget=DateInput()
    )
    consent_given_by = forms.CharField(
        label="Given by",
        required=False,
        max_length=200,
        help_text="Name and relationship, e.g. “Mrs Khan, mother”.",
    )
    consent_method = forms.ChoiceField(
        label="How",
        required=False,
        choices=[("", "Choose how"), *ContactMethod.choices],
    )
    student_view = _text(
        "The student’s own view",
        "What they say about school, and about time in the room. In their words where you can.",
    )
    proposed_start = forms.DateField(
        label="Proposed start",
        required=False,
        widget=DateInput(),
        help_text="The deputy head confirms the date when they decide.",
    )

    SECTIONS = {
        "reasons": ("reasons", "concerns"),
        "purpose": ("purpose", "need_areas"),
        "attendance": ("attendance_percent", "attendance_note"),
        "parents": (
            "parents_consulted",
            "parent_view",
            "consent_given",
            "consent_date",
            "consent_given_by",
            "consent_method",
        ),
        "student_view": ("student_view",),
        "start": ("proposed_start",),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = purpose_choices()

    def purpose_options(self) -> list[dict]:
        """Each purpose's radio with what it is for, for the template."""
        return [
            {"radio": radio, "explanation": EXPLANATIONS[radio.data["value"]]}
            for radio in self["purpose"]
        ]

    @classmethod
    def initial_from(cls, referral: Referral) -> dict:
        return {name: getattr(referral, name) for name in cls.base_fields}

    def answers(self) -> dict:
        """The answers that read correctly; those with errors are left as they were."""
        data = getattr(self, "cleaned_data", {})
        return {name: value for name, value in data.items() if name not in self.errors}


class SupportForm(forms.Form):
    is_filter = True  # blank rows are left out; a used row says what it lacks on submit
    team = forms.ChoiceField(
        label="Team", required=False, choices=[("", "Choose a team"), *PriorSupport.Team.choices]
    )
    what = forms.CharField(
        label="What was done",
        required=False,
        max_length=300,
        help_text="e.g. “Weekly mentoring with Mr Ali”.",
    )
    since = forms.DateField(
        label="Since",
        required=False,
        widget=DateInput(),
        help_text="Optional. An approximate date is fine.",
    )
    outcome = TextField(
        label="What came of it",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def row(self) -> SupportRow:
        d = self.cleaned_data
        return SupportRow(
            team=d.get("team") or "",
            what=d.get("what") or "",
            since=d.get("since"),
            outcome=d.get("outcome") or "",
        )


class TargetForm(forms.Form):
    is_filter = True
    area = forms.ChoiceField(
        label="Area", required=False, choices=[("", "Choose an area"), *TargetArea.choices]
    )
    description = forms.CharField(
        label="Target",
        required=False,
        max_length=300,
        help_text="Small and checkable, e.g. “Stays in a whole lesson twice a week”.",
    )

    def row(self) -> TargetRow:
        d = self.cleaned_data
        return TargetRow(area=d.get("area") or "", description=d.get("description") or "")


SupportFormSet = forms.formset_factory(SupportForm, extra=0, max_num=30, validate_max=True)
TargetFormSet = forms.formset_factory(TargetForm, extra=0, max_num=20, validate_max=True)

BLANK_SUPPORT_ROWS = 3


def support_formset(referral: Referral, data=None) -> forms.BaseFormSet:
    """The support rows given so far and blank rows to add more (three to start with)."""
    rows = [
        {"team": s.team, "what": s.what, "since": s.since, "outcome": s.outcome}
        for s in referral.prior_support.all()
    ]
    rows += [{}] * max(BLANK_SUPPORT_ROWS - len(rows), 1)
    return SupportFormSet(data, initial=rows, prefix="support")


def targets_formset(referral: Referral, data=None) -> forms.BaseFormSet:
    """The targets so far; with none yet, one row for each area."""
    rows = [{"area": t.area, "description": t.description} for t in referral.proposed_targets.all()]
    if rows:
        rows.append({})
    else:
        rows = [{"area": area} for area in TargetArea.values]
    return TargetFormSet(data, initial=rows, prefix="targets")


def rows_of(formset) -> tuple[list, list[int]] | tuple[None, list[int]]:
    """The formset's rows to save, and for each the index of the form it came from.

    (None, []) when a row reads wrongly (e.g. an impossible date): the stored list then
    stays as it was, and the page keeps what was typed with the error next to it.
    """
    if not formset.is_valid():
        return None, []
    rows, positions = [], []
    for i, form in enumerate(formset.forms):
        row = form.row()
        if not row.is_blank:
            rows.append(row)
            positions.append(i)
    return rows, positions


class ReferralForms:
    """The referral form with its two lists of rows, read and answered together."""

    def __init__(self, referral: Referral, data=None):
        self.form = ReferralForm(data, initial=ReferralForm.initial_from(referral))
        self.support = support_formset(referral, data)
        self.targets = targets_formset(referral, data)
        self._positions: dict[str, list[int]] = {SUPPORT: [], TARGETS: []}
        self.typed_wrongly = False

    def draft(self) -> dict:
        """What to save (save_draft's keyword arguments): every answer that reads
        correctly; a list whose rows read wrongly is left as it was (None)."""
        self.form.is_valid()
        support, self._positions[SUPPORT] = rows_of(self.support)
        targets, self._positions[TARGETS] = rows_of(self.targets)
        self.typed_wrongly = bool(self.form.errors) or support is None or targets is None
        return {"answers": self.form.answers(), "support": support, "targets": targets}

    def add_errors(self, error: ValidationError) -> None:
        """Put a service's errors next to what they name: a field of the form, a list of
        rows, or one field of one row ("prior_support.<n>.<field>")."""
        if not hasattr(error, "error_dict"):
            self.form.add_error(None, error)
            return
        lists = {SUPPORT: self.support, TARGETS: self.targets}
        rest = {}
        for key, errors in error.error_dict.items():
            name, _, row_key = key.partition(".")
            if name not in lists:
                rest[key] = errors
                continue
            formset = lists[name]
            messages = [m for e in errors for m in e.messages]
            if not row_key:
                formset._non_form_errors = formset.error_class(
                    [*formset.non_form_errors(), *messages], error_class="nonform"
                )
                continue
            n, _, field = row_key.partition(".")
            try:
                row_form = formset.forms[self._positions[name][int(n)]]
            except (ValueError, IndexError):
                self.form.add_error(None, messages)
                continue
            row_form.add_error(field if field in row_form.fields else None, messages)
        if rest:
            add_service_errors(self.form, ValidationError(rest))

    def context(self) -> dict:
        return {"form": self.form, "support": self.support, "targets": self.targets}


class StudentSearchForm(forms.Form):
    is_filter = True
    q = forms.CharField(
        label="Find a student",
        required=False,
        max_length=100,
        help_text="Name, UPN or tutor group",
    )


class WithdrawForm(forms.Form):
    reason = TextField(
        label="Why",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
