"""Deciding a submitted referral (approve, decline, ask for more information) and keeping
the waiting list's priorities.

Approval takes the room's lock first (referrals.places), so two approvals at the same
moment are served one after the other and can never overfill the room: a placement that
fits is scheduled (referrals.services.scheduling), one that does not joins the waiting
list. Every change goes through referrals.services.transitions (logged, and an event in
the student's chronology). Drafting and submitting a referral live in
referrals.services.referral; the placement's life after approval in
referrals.services.placements.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from enigma.actor import Actor
from enigma.capabilities import Capability
from enigma.formatting import day_text as _day
from referrals import dates
from referrals.models import ContactMethod, Placement, Purpose, Referral, Target
from referrals.places import first_full_day, lock_room, waiting_list
from referrals.services.scheduling import schedule_reviews, scheduled_summary, set_dates
from referrals.services.transitions import move_placement, move_referral

P = Placement.State
R = Referral.Status


# --- decisions ------------------------------------------------------------------------


def _locked_referral(referral: Referral) -> Referral:
    return Referral.objects.select_for_update().select_related("student").get(pk=referral.pk)


# What _decided() changes on the referral.
DECIDED = ("decided_by", "decided_at", "decision_reason")


def _decided(referral: Referral, by: Actor, reason: str) -> None:
    referral.decided_by = by.user
    referral.decided_at = timezone.now()
    referral.decision_reason = reason.strip()


@dataclass(frozen=True, slots=True)
class PurposeRules:
    """What a purpose brings, decided with the approval. A part-time timetable: the date
    parents agreed and who agreed, when it ends and when it is reviewed. An internal
    suspension: who decided, the reason, and when and how parents were told. Only the
    fields of the referral's purpose are kept; the others are ignored."""

    part_time_agreed_on: dt.date | None = None
    part_time_agreed_by: str = ""
    part_time_ends: dt.date | None = None
    part_time_review: dt.date | None = None
    suspension_decided_by: object = None  # a User
    suspension_reason: str = ""
    suspension_parents_told_on: dt.date | None = None
    suspension_parents_told_how: str = ""


PART_TIME_FIELDS = (
    "part_time_agreed_on",
    "part_time_agreed_by",
    "part_time_ends",
    "part_time_review",
)
SUSPENSION_FIELDS = (
    "suspension_decided_by",
    "suspension_reason",
    "suspension_parents_told_on",
    "suspension_parents_told_how",
)
RULE_FIELDS = {Purpose.PART_TIME: PART_TIME_FIELDS, Purpose.INTERNAL_SUSPENSION: SUSPENSION_FIELDS}


# What each rule's field says when it is left empty (the approval form says the same).
RULE_MISSING = {
    "part_time_agreed_on": "Give the date parents or carers agreed to the part-time timetable.",
    "part_time_agreed_by": "Say who agreed: their name and relationship.",
    "part_time_ends": "Give the date the part-time timetable ends, within the placement.",
    "part_time_review": "Give the date the part-time timetable is reviewed.",
    "suspension_decided_by": "Say who decided on the internal suspension.",
    "suspension_reason": "Give the reason for the internal suspension.",
    "suspension_parents_told_on": "Give the date parents or carers were told.",
    "suspension_parents_told_how": "Say how parents or carers were told.",
}


def rule_errors(
    purpose: str, rules: PurposeRules, *, start: dt.date, end: dt.date, today: dt.date
) -> dict[str, str]:
    """What is missing or wrong in the rules of `purpose` for a placement from `start` to
    `end`: field -> message (empty when all is well)."""
    errors: dict[str, str] = {}
    if purpose == Purpose.PART_TIME:
        if rules.part_time_agreed_on is None:
            errors["part_time_agreed_on"] = RULE_MISSING["part_time_agreed_on"]
        elif rules.part_time_agreed_on > today:
            errors["part_time_agreed_on"] = "This date is in the future: parents must agree first."
        if not rules.part_time_agreed_by.strip():
            errors["part_time_agreed_by"] = RULE_MISSING["part_time_agreed_by"]
        within = f"between {_day(start)} and {_day(end)}"
        if rules.part_time_ends is None:
            errors["part_time_ends"] = (
                f"Give the date the part-time timetable ends, within the placement ({within})."
            )
        elif not start <= rules.part_time_ends <= end:
            errors["part_time_ends"] = (
                f"The part-time timetable must end within the placement, {within}."
            )
        if rules.part_time_review is None:
            errors["part_time_review"] = RULE_MISSING["part_time_review"]
        elif rules.part_time_review < start:
            errors["part_time_review"] = (
                f"The review must be within the placement, on or after {_day(start)}."
            )
        elif rules.part_time_ends and rules.part_time_review >= rules.part_time_ends:
            errors["part_time_review"] = "The review must come before the part-time timetable ends."
    elif purpose == Purpose.INTERNAL_SUSPENSION:
        who = rules.suspension_decided_by
        if who is None:
            errors["suspension_decided_by"] = RULE_MISSING["suspension_decided_by"]
        elif not (who.is_active and who.can(Capability.DECIDE_REFERRAL)):
            errors["suspension_decided_by"] = "Only a deputy head or the head decides this."
        if not rules.suspension_reason.strip():
            errors["suspension_reason"] = RULE_MISSING["suspension_reason"]
        if rules.suspension_parents_told_on is None:
            errors["suspension_parents_told_on"] = RULE_MISSING["suspension_parents_told_on"]
        elif rules.suspension_parents_told_on > today:
            errors["suspension_parents_told_on"] = (
                "This date is in the future: tell parents or carers first."
            )
        if rules.suspension_parents_told_how not in ContactMethod.values:
            errors["suspension_parents_told_how"] = RULE_MISSING["suspension_parents_told_how"]
    return errors


def _keep_rules(placement: Placement, purpose: str, rules: PurposeRules) -> None:
    for name in RULE_FIELDS.get(purpose, ()):
        value = getattr(rules, name)
        setattr(placement, name, value.strip() if isinstance(value, str) else value)


@dataclass(frozen=True, slots=True)
class Approval:
    """What an approval decided: the placement, and if it waits, the first school day the
    room is full and its place on the waiting list (both None when it was scheduled)."""

    placement: Placement
    first_full_day: dt.date | None = None
    waiting_position: int | None = None


def approve(
    referral: Referral,
    *,
    by: Actor,
    start: dt.date,
    priority: int = 3,
    reason: str = "",
    rules: PurposeRules | None = None,
    today: dt.date | None = None,
) -> Approval:
    """Approve a submitted referral for a placement starting on `start`.

    If a place is free on every school day of the placement it is scheduled; otherwise
    it joins the waiting list. The referral's purpose brings its rules (`rules`, checked
    against the placement's planned dates by rule_errors). Raises ValidationError with
    the field at fault.
    """
    by = Actor.of(by)
    today = today or timezone.localdate()
    if start < today:
        raise ValidationError({"start_date": "The start date has passed; choose today or later."})
    if not 1 <= priority <= 5:
        raise ValidationError({"priority": "Priority is from 1 (most urgent) to 5."})
    with transaction.atomic():
        room = lock_room()
        referral = _locked_referral(referral)
        if referral.status != R.SUBMITTED:
            raise ValidationError(
                f"This referral is {referral.get_status_display().lower()}: only a referral "
                "waiting for a decision can be approved."
            )
        calendar = dates.calendar_for(start)
        planned = dates.placement_dates(start, calendar=calendar)
        errors = rule_errors(
            referral.purpose,
            rules or PurposeRules(),
            start=planned.start,
            end=planned.planned_exit,
            today=today,
        )
        if errors:
            raise ValidationError(errors)
        full_on = first_full_day(
            planned.start, planned.planned_exit, capacity=room.capacity, calendar=calendar
        )
        placement = Placement(
            referral=referral,
            student=referral.student,
            priority=priority,
            approved_by=by.user,
            requested_start=start,
            previous=Placement.objects.filter(student=referral.student)
            .exclude(state__in=Placement.LIVE)
            .order_by("-start_date", "-id")
            .first(),
        )
        _keep_rules(placement, referral.purpose, rules or PurposeRules())
        _decided(referral, by, reason)
        move_referral(referral, R.APPROVED, by=by.user, reason=reason, changed=DECIDED)
        if full_on is None:
            set_dates(placement, planned)
            move_placement(
                placement,
                P.SCHEDULED,
                by=by.user,
                reason=reason,
                summary=scheduled_summary(placement, room.room_name),
            )
            schedule_reviews(placement, room, calendar)
        else:
            move_placement(
                placement,
                P.WAITING,
                by=by.user,
                reason=f"The room is full on {_day(full_on)}." + (f" {reason}" if reason else ""),
            )
        Target.objects.bulk_create(
            Target(placement=placement, area=t.area, description=t.description, position=i)
            for i, t in enumerate(referral.proposed_targets.all())
        )
        if full_on is None:
            return Approval(placement)
        waiting = list(waiting_list().values_list("pk", flat=True))
        position = waiting.index(placement.pk) + 1
    return Approval(placement, first_full_day=full_on, waiting_position=position)


def decline(referral: Referral, *, by: Actor, reason: str) -> Referral:
    by = Actor.of(by)
    if not reason.strip():
        raise ValidationError({"reason": "Say why: the referrer and the file keep the reason."})
    with transaction.atomic():
        referral = _locked_referral(referral)
        if referral.status != R.SUBMITTED:
            raise ValidationError(
                f"This referral is {referral.get_status_display().lower()}: only a referral "
                "waiting for a decision can be declined."
            )
        _decided(referral, by, reason)
        move_referral(referral, R.DECLINED, by=by.user, reason=reason.strip(), changed=DECIDED)
    return referral


def request_information(referral: Referral, *, by: Actor, request: str) -> Referral:
    by = Actor.of(by)
    if not request.strip():
        raise ValidationError({"request": "Say what information is needed."})
    with transaction.atomic():
        referral = _locked_referral(referral)
        if referral.status != R.SUBMITTED:
            raise ValidationError(
                f"This referral is {referral.get_status_display().lower()}: information can "
                "only be asked for while it waits for a decision."
            )
        referral.info_request = request.strip()
        move_referral(
            referral,
            R.INFO_REQUESTED,
            by=by.user,
            reason=request.strip(),
            changed=("info_request",),
        )
    return referral


# --- the waiting list -------------------------------------------------------------------


def _locked_placement(placement: Placement) -> Placement:
    return Placement.objects.select_for_update().select_related("student").get(pk=placement.pk)


def set_priority(placement: Placement, *, by: Actor, priority: int) -> Placement:
    if not 1 <= priority <= 5:
        raise ValidationError({"priority": "Priority is from 1 (most urgent) to 5."})
    with transaction.atomic():
        placement = _locked_placement(placement)
        if placement.state != P.WAITING:
            raise ValidationError("Only a placement on the waiting list has a priority.")
        placement.priority = priority
        placement.save(update_fields=["priority", "updated_at"])
    return placement
