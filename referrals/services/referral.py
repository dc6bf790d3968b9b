"""The referrer's side of a referral: start a draft, save as you go, submit for a decision,
answer a request for more information, withdraw.

Each function locks the row it changes (select_for_update) inside one transaction and
moves the status only through referrals.services.transitions.move_referral, which logs who, when
and why and writes the student's chronology. The deciding (approve, decline, ask for more
information) lives with the decisions.

Errors are ValidationErrors keyed by the referral's field names, so a form can show each
one next to its field. Rows of support and targets are keyed "<list>.<n>.<field>", n
counting from 0 the rows in the order they were given (and stored: the lists are replaced
whole, in that order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from enigma.actor import Actor
from enigma.capabilities import Capability
from enigma.models import SchoolSettings, Student, StudentStaffLink
from referrals.models import (
    NeedArea,
    Placement,
    PriorSupport,
    ProposedTarget,
    Referral,
    TargetArea,
)
from referrals.services.transitions import move_referral

R = Referral.Status

EDITABLE = (R.DRAFT, R.INFO_REQUESTED)

# The referral's own answers, as the form's sections ask for them.
ANSWER_FIELDS = (
    "reasons",
    "concerns",
    "attendance_percent",
    "attendance_note",
    "purpose",
    "need_areas",
    "parents_consulted",
    "parent_view",
    "consent_given",
    "consent_date",
    "consent_given_by",
    "consent_method",
    "student_view",
    "proposed_start",
)
TEXT_FIELDS = frozenset(
    {
        "reasons",
        "concerns",
        "attendance_note",
        "purpose",
        "parent_view",
        "consent_given_by",
        "consent_method",
        "student_view",
    }
)
SUPPORT = "prior_support"
TARGETS = "proposed_targets"


@dataclass(frozen=True)
class SupportRow:
    """Support already given: which team, what, since when, what came of it."""

    team: str = ""
    what: str = ""
    since: dt.date | None = None
    outcome: str = ""

    @property
    def is_blank(self) -> bool:
        return not (self.team or self.what.strip() or self.since or self.outcome.strip())


@dataclass(frozen=True)
class TargetRow:
    area: str = ""
    description: str = ""

    @property
    def is_blank(self) -> bool:
        return not self.description.strip()


# --- who may ------------------------------------------------------------------------------


def can_edit(user, referral: Referral) -> bool:
    """Only the referrer changes a referral, and only while it is theirs to change."""
    return referral.referrer_id == user.pk and referral.status in EDITABLE


def can_withdraw(user, referral: Referral) -> bool:
    return referral.is_open and (
        referral.referrer_id == user.pk or user.can(Capability.READ_ALL_REFERRALS)
    )


# --- starting -----------------------------------------------------------------------------


def _room() -> str:
    return SchoolSettings.load().room_name


def _day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value)
    return date_format(value, "D j M Y")


def why_not_referable(student: Student) -> str:
    """Why `student` cannot be referred now (off roll, an open referral or a live
    placement), or "" if they can be."""
    if not student.on_roll:
        return f"{student.name} is no longer on roll."
    open_referral = (
        Referral.objects.filter(student=student, status__in=Referral.OPEN)
        .select_related("referrer")
        .first()
    )
    if open_referral is not None:
        when = _day(open_referral.submitted_at or open_referral.created_at)
        return (
            f"{student.name} already has an open referral "
            f"({open_referral.get_status_display().lower()}), made by "
            f"{open_referral.referrer} on {when}."
        )
    placement = Placement.objects.filter(student=student, state__in=Placement.LIVE).first()
    if placement is not None:
        start = f", from {_day(placement.start_date)}" if placement.start_date else ""
        return (
            f"{student.name} already has a placement in the {_room()} "
            f"({placement.get_state_display().lower()}{start})."
        )
    return ""


def start_referral(*, student: Student, referrer: Actor) -> Referral:
    """A new draft referral of `student` by `referrer`.

    Refused while the student has an open referral or a live placement. The check in
    Python gives the message; the student's row lock and the database's unique
    constraint make it hold when two people start at the same moment.
    """
    by = Actor.of(referrer)
    referrer = by.user
    if not referrer.can(Capability.REFER):
        raise ValidationError("Only referrers and the room team can refer a student.")
    if not Student.objects.visible_to(referrer).filter(pk=student.pk).exists():
        raise ValidationError("You can only refer a student you teach or support.")
    with transaction.atomic():
        student = Student.objects.select_for_update().get(pk=student.pk)
        reason = why_not_referable(student)
        if reason:
            raise ValidationError(reason)
        referral = Referral(student=student, referrer=referrer)
        try:
            with transaction.atomic():
                move_referral(referral, R.DRAFT, by=by)
        except IntegrityError:
            raise ValidationError(f"{student.name} already has an open referral.") from None
        # The referrer keeps seeing the student they referred, whatever their classes.
        StudentStaffLink.objects.get_or_create(
            student=student, staff=referrer, relationship=StudentStaffLink.Relationship.REFERRER
        )
    return referral


# --- saving as you go ---------------------------------------------------------------------


def _lock_for_change(referral: Referral, by: Actor) -> Referral:
    locked = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("student")
        .get(pk=referral.pk)
    )
    if locked.referrer_id != by.user.pk:
        raise ValidationError("Only the person who made this referral can change it.")
    if locked.status not in EDITABLE:
        raise ValidationError(
            f"This referral is {locked.get_status_display().lower()}, so it can no longer "
            "be changed."
        )
    return locked


def _clean_answers(referral: Referral, answers: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(answers) - set(ANSWER_FIELDS)
    if unknown:
        raise ValueError(f"Not answers on a referral: {sorted(unknown)}")
    cleaned, errors = {}, {}
    for name, value in answers.items():
        if name in TEXT_FIELDS and value is None:
            value = ""
        if name == "need_areas":
            # Each area once, in the Code of Practice's order, however they were given.
            value = [code for code in NeedArea.values if code in set(value or ())] + [
                code for code in (value or ()) if code not in NeedArea.values
            ]
        field = Referral._meta.get_field(name)
        try:
            cleaned[name] = field.clean(value, referral)
        except ValidationError as error:
            errors[name] = error.messages
    percent = cleaned.get("attendance_percent")
    if percent is not None and not Decimal(0) <= Decimal(percent) <= Decimal(100):
        errors["attendance_percent"] = ["Attendance is a percentage, from 0 to 100."]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_rows(rows: Sequence, key: str, limits: dict[str, int], choices: dict) -> None:
    errors = {}
    for n, row in enumerate(rows):
        for name, limit in limits.items():
            if len(getattr(row, name)) > limit:
                errors[f"{key}.{n}.{name}"] = f"Keep this to {limit} characters."
        for name, allowed in choices.items():
            if getattr(row, name) and getattr(row, name) not in allowed:
                errors[f"{key}.{n}.{name}"] = "Choose one of the options."
    if errors:
        raise ValidationError(errors)


def _replace_support(referral: Referral, rows: Sequence[SupportRow]) -> None:
    rows = [r for r in rows if not r.is_blank]
    _check_rows(rows, SUPPORT, {"what": 300}, {"team": PriorSupport.Team.values})
    referral.prior_support.all().delete()
    PriorSupport.objects.bulk_create(
        PriorSupport(
            referral=referral,
            team=r.team,
            what=r.what.strip(),
            since=r.since,
            outcome=r.outcome.strip(),
        )
        for r in rows
    )


def _replace_targets(referral: Referral, rows: Sequence[TargetRow]) -> None:
    rows = [r for r in rows if not r.is_blank]
    _check_rows(rows, TARGETS, {"description": 300}, {"area": TargetArea.values})
    referral.proposed_targets.all().delete()
    ProposedTarget.objects.bulk_create(
        ProposedTarget(referral=referral, area=r.area, description=r.description.strip())
        for r in rows
    )


def save_draft(
    *,
    referral: Referral,
    by: Actor,
    answers: Mapping[str, Any] | None = None,
    support: Sequence[SupportRow] | None = None,
    targets: Sequence[TargetRow] | None = None,
) -> Referral:
    """Keep whatever has been written so far: no completeness checks, nothing lost.

    Only the answers given are changed; a list given (even empty) replaces the stored
    one, None leaves it as it was. Allowed to the referrer while it is a draft or more
    information has been asked for.
    """
    by = Actor.of(by)
    with transaction.atomic():
        locked = _lock_for_change(referral, by)
        cleaned = _clean_answers(locked, answers or {})
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*cleaned, "updated_at"])
        if support is not None:
            _replace_support(locked, support)
        if targets is not None:
            _replace_targets(locked, targets)
    return locked


# --- sending for a decision ---------------------------------------------------------------


def missing_for_a_decision(referral: Referral, *, today: dt.date | None = None) -> dict:
    """What still has to be filled in before a deputy head can decide: field -> message."""
    today = today or timezone.localdate()
    forename = referral.student.forename
    errors: dict[str, str] = {}
    if not referral.reasons.strip():
        errors["reasons"] = f"Say why you are referring {forename}, and why now."
    if not referral.purpose:
        errors["purpose"] = "Choose what the placement is for."
    if not referral.need_areas:
        errors["need_areas"] = f"Choose the areas of need that apply to {forename}: at least one."

    support = list(referral.prior_support.order_by("id"))
    for n, row in enumerate(support):
        if not row.team:
            errors[f"{SUPPORT}.{n}.team"] = "Choose which team gave this support."
        if not row.what.strip():
            errors[f"{SUPPORT}.{n}.what"] = "Say what the support was."
        if not row.outcome.strip():
            errors[f"{SUPPORT}.{n}.outcome"] = "Say what came of it, even if it is still going."
        if row.since and row.since > today:
            errors[f"{SUPPORT}.{n}.since"] = "This date is in the future."
    if not any(r.what.strip() and r.outcome.strip() for r in support):
        errors[SUPPORT] = (
            "Describe the support the SEND and pastoral teams have already given and what "
            f"came of it. The {_room()} is for students who are still struggling despite "
            "that support."
        )

    if referral.parents_consulted is None:
        errors["parents_consulted"] = "Say whether parents or carers have been consulted."
    elif referral.parents_consulted and not referral.parent_view.strip():
        errors["parent_view"] = "Give their view, in their words where you can."
    if referral.consent_given is None:
        errors["consent_given"] = "Say whether parents or carers have given their consent."
    elif referral.consent_given:
        if referral.parents_consulted is False:
            errors["consent_given"] = (
                "Consent was given, so parents or carers were consulted: answer yes above."
            )
        if referral.consent_date is None:
            errors["consent_date"] = "Give the date consent was given."
        elif referral.consent_date > today:
            errors["consent_date"] = "This date is in the future."
        if not referral.consent_given_by.strip():
            errors["consent_given_by"] = "Say who gave consent: their name and relationship."
        if not referral.consent_method:
            errors["consent_method"] = "Say how consent was given."
    if not referral.student_view.strip():
        errors["student_view"] = f"Give {forename}’s own view, in their words where you can."

    targets = list(referral.proposed_targets.order_by("id"))
    for n, row in enumerate(targets):
        if not row.area:
            errors[f"{TARGETS}.{n}.area"] = "Choose the area this target is about."
    if not targets:
        errors[TARGETS] = "Propose at least one target for the placement."

    if referral.proposed_start is None:
        errors["proposed_start"] = "Give a proposed start date."
    elif referral.proposed_start < today:
        errors["proposed_start"] = "The proposed start is in the past: choose a date from today."
    return errors


def _send_for_a_decision(
    referral: Referral, by: Actor, *, expected: tuple, summary: str
) -> Referral:
    by = Actor.of(by)
    with transaction.atomic():
        locked = _lock_for_change(referral, by)
        if locked.status not in expected:
            raise ValidationError(
                f"This referral is {locked.get_status_display().lower()}: it cannot be sent "
                "for a decision from here."
            )
        errors = missing_for_a_decision(locked)
        if errors:
            raise ValidationError(errors)
        locked.submitted_at = locked.submitted_at or timezone.now()
        move_referral(locked, R.SUBMITTED, by=by, summary=summary, changed=("submitted_at",))
    return locked


def submit_referral(*, referral: Referral, by: Actor) -> Referral:
    """Send a draft for a decision (or a referral that came back for more information:
    resubmit_referral says so in the chronology)."""
    return _send_for_a_decision(referral, by, expected=EDITABLE, summary="")


def resubmit_referral(*, referral: Referral, by: Actor) -> Referral:
    """Send a referral back for a decision once more information has been added."""
    return _send_for_a_decision(
        referral,
        by,
        expected=(R.INFO_REQUESTED,),
        summary=f"Referral to the {_room()} sent back with the information asked for",
    )


def withdraw_referral(*, referral: Referral, by: Actor, reason: str = "") -> Referral:
    """Withdraw an open referral: its referrer, or anyone in the room team."""
    by = Actor.of(by)
    reason = (reason or "").replace("\r\n", "\n").strip()
    with transaction.atomic():
        locked = (
            Referral.objects.select_for_update(of=("self",))
            .select_related("student")
            .get(pk=referral.pk)
        )
        if not (locked.referrer_id == by.user.pk or by.user.can(Capability.READ_ALL_REFERRALS)):
            raise ValidationError("Only the person who made this referral can withdraw it.")
        if not locked.is_open:
            raise ValidationError(
                f"This referral is {locked.get_status_display().lower()}, so it cannot be "
                "withdrawn."
            )
        # A draft was never shared: move_referral logs it but writes no chronology line.
        move_referral(locked, R.WITHDRAWN, by=by, reason=reason)
    return locked
