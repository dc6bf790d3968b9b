"""Deciding referrals and moving placements through their lives.

Capacity (referrals.places): every write that could take or free a place takes the
room's lock first, so two approvals at the same moment are served one after the other and
can never overfill the room. When a place frees, the head of the waiting list (priority,
then approval time) is offered it: scheduled for the first school day from which its
whole placement fits.

Every change goes through referrals.services.transitions (logged, and an event in the student's
chronology). Referral drafting and submitting live in referrals.services.referral; review
and exit details in referrals.services.placements.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from enigma.formatting import day_text as _day
from enigma.models import SchoolSettings
from referrals import dates
from referrals.models import Placement, Referral, Review, Target
from referrals.places import first_full_day, lock_room, next_school_day, waiting_list
from referrals.services.transitions import move_placement, move_referral

P = Placement.State
R = Referral.Status


# --- decisions ------------------------------------------------------------------------


def _locked_referral(referral: Referral) -> Referral:
    return Referral.objects.select_for_update().select_related("student").get(pk=referral.pk)


def _decided(referral: Referral, by, reason: str) -> None:
    referral.decided_by = by
    referral.decided_at = timezone.now()
    referral.decision_reason = reason.strip()


def approve(
    referral: Referral,
    *,
    by,
    start: dt.date,
    priority: int = 3,
    reason: str = "",
    today: dt.date | None = None,
) -> Placement:
    """Approve a submitted referral for a placement starting on `start`.

    If a place is free on every school day of the placement it is scheduled; otherwise
    it joins the waiting list. Raises ValidationError with the field at fault.
    """
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
        planned = dates.placement_dates(start)
        calendar = dates.calendar_for(start)
        full_on = first_full_day(
            planned.start, planned.planned_exit, capacity=room.capacity, calendar=calendar
        )
        placement = Placement(
            referral=referral,
            student=referral.student,
            priority=priority,
            approved_by=by,
            requested_start=start,
            previous=Placement.objects.filter(student=referral.student)
            .exclude(state__in=Placement.LIVE)
            .order_by("-start_date", "-id")
            .first(),
        )
        _decided(referral, by, reason)
        move_referral(referral, R.APPROVED, by=by, reason=reason)
        if full_on is None:
            _set_dates(placement, planned)
            move_placement(
                placement,
                P.SCHEDULED,
                by=by,
                reason=reason,
                summary=_scheduled_summary(placement, room.room_name),
            )
            _schedule_reviews(placement, room, calendar)
        else:
            move_placement(
                placement,
                P.WAITING,
                by=by,
                reason=f"The room is full on {_day(full_on)}." + (f" {reason}" if reason else ""),
            )
        Target.objects.bulk_create(
            Target(placement=placement, area=t.area, description=t.description, position=i)
            for i, t in enumerate(referral.proposed_targets.all())
        )
    return placement


def decline(referral: Referral, *, by, reason: str) -> Referral:
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
        move_referral(referral, R.DECLINED, by=by, reason=reason.strip())
    return referral


def request_information(referral: Referral, *, by, request: str) -> Referral:
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
        move_referral(referral, R.INFO_REQUESTED, by=by, reason=request.strip())
    return referral


# --- placements -----------------------------------------------------------------------


def _set_dates(placement: Placement, planned: dates.PlacementDates) -> None:
    placement.start_date = planned.start
    placement.planned_exit = planned.planned_exit
    placement.latest_exit = planned.latest_exit
    placement.shortened_by_summer = planned.shortened_by_summer


def _scheduled_summary(placement: Placement, room_name: str) -> str:
    text = (
        f"Placement in the {room_name} scheduled: {_day(placement.start_date)} to "
        f"{_day(placement.planned_exit)}"
    )
    if placement.shortened_by_summer:
        text += " (ends early for the summer holiday)"
    return text


def _schedule_reviews(placement: Placement, room: SchoolSettings, calendar) -> None:
    """Reviews still to hold are (re)planned from the placement's dates; held ones stay."""
    held = list(placement.reviews.filter(held_on__isnull=False).order_by("number"))
    placement.reviews.filter(held_on__isnull=True).delete()
    last_held = held[-1].held_on if held else None
    number = held[-1].number if held else 0
    schedule = dates.review_schedule(
        placement.start_date,
        placement.planned_exit,
        interval=room.review_interval_days,
        calendar=calendar,
    )
    new = []
    for due, kind in schedule:
        if last_held is not None and due <= last_held and kind != "exit":
            continue
        if any(r.kind == kind == "exit" for r in held):
            continue
        number += 1
        new.append(Review(placement=placement, number=number, kind=kind, due_on=due))
    Review.objects.bulk_create(new)


def _locked_placement(placement: Placement) -> Placement:
    return Placement.objects.select_for_update().select_related("student").get(pk=placement.pk)


def start(placement: Placement, *, by, today: dt.date | None = None) -> Placement:
    """Scheduled -> active, on or after its start date (the daily task, or on demand)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        placement = _locked_placement(placement)
        if placement.state != P.SCHEDULED:
            raise ValidationError(
                f"Only a scheduled placement can start; this one is "
                f"{placement.get_state_display().lower()}."
            )
        if placement.start_date > today:
            raise ValidationError(f"It starts on {_day(placement.start_date)}, not before.")
        move_placement(placement, P.ACTIVE, by=by, on=_on(placement.start_date, today))
    return placement


def _on(day: dt.date, today: dt.date) -> dt.datetime:
    """When an event dated `day` happened: now if it is today, else 08:30 that day."""
    if day >= today:
        return timezone.now()
    return timezone.make_aware(dt.datetime.combine(day, dt.time(8, 30)))


def start_due(*, by, today: dt.date | None = None) -> list[Placement]:
    """Start every scheduled placement whose start date has come. Safe to run twice."""
    today = today or timezone.localdate()
    started = []
    due = Placement.objects.filter(state=P.SCHEDULED, start_date__lte=today).order_by("pk")
    for placement in due:
        try:
            started.append(start(placement, by=by, today=today))
        except ValidationError:
            continue  # started (or changed) by someone else meanwhile
    return started


def bring_exit_forward(placement: Placement, *, by, new_exit: dt.date, reason: str) -> Placement:
    """Move the planned exit earlier (never past the limit), replan reviews, free places."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the exit moves."})
    with transaction.atomic():
        room = lock_room()
        placement = _locked_placement(placement)
        if placement.state not in Placement.HOLDING:
            raise ValidationError("Only a scheduled or active placement's exit can move.")
        if new_exit > placement.latest_exit:
            raise ValidationError(
                {
                    "new_exit": f"The exit can never be after {_day(placement.latest_exit)}: "
                    f"a placement lasts at most {dates.weeks_text(room.placement_weeks)}."
                }
            )
        if new_exit < placement.start_date:
            raise ValidationError({"new_exit": "The exit cannot be before the start."})
        calendar = dates.calendar_for(placement.start_date)
        if not calendar.is_school_day(new_exit):
            raise ValidationError({"new_exit": f"{_day(new_exit)} is not a school day."})
        if new_exit == placement.planned_exit:
            raise ValidationError({"new_exit": "That is already the planned exit."})
        old = placement.planned_exit
        placement.planned_exit = new_exit
        move_placement(
            placement,
            placement.state,
            by=by,
            reason=reason.strip(),
            summary=f"Exit moved from {_day(old)} to {_day(new_exit)}",
        )
        _schedule_reviews(placement, room, calendar)
        offer_free_places(by=by, room=room)
    return placement


def end_early(
    placement: Placement,
    *,
    by,
    end_reason: str,
    note: str = "",
    today=None,
    only_if: tuple[str, ...] = Placement.LIVE,
):
    """Waiting, scheduled or active -> ended early, with the reason (required).

    only_if: the states it may be in, checked under the lock (the waiting list's
    "take off the list" passes (WAITING,), so a place offered meanwhile is not ended).
    """
    today = today or timezone.localdate()
    if end_reason not in Placement.EndReason.values:
        raise ValidationError({"end_reason": "Choose why the placement ends early."})
    if end_reason == Placement.EndReason.OTHER and not note.strip():
        raise ValidationError({"note": "Say what happened."})
    with transaction.atomic():
        room = lock_room()
        placement = _locked_placement(placement)
        if placement.state not in Placement.LIVE:
            raise ValidationError(
                f"This placement is already {placement.get_state_display().lower()}."
            )
        if placement.state not in only_if:
            raise ValidationError(
                f"This placement is now {placement.get_state_display().lower()}; "
                "look at it again before ending it."
            )
        holding = placement.state in Placement.HOLDING
        placement.end_reason = end_reason
        if placement.state == P.ACTIVE:
            placement.actual_exit = min(today, placement.planned_exit)
        label = Placement.EndReason(end_reason).label
        move_placement(
            placement,
            P.ENDED_EARLY,
            by=by,
            reason=f"{label}. {note.strip()}".strip(),
        )
        placement.reviews.filter(held_on__isnull=True).delete()
        if holding:
            offer_free_places(by=by, room=room)
    return placement


def set_priority(placement: Placement, *, by, priority: int) -> Placement:
    if not 1 <= priority <= 5:
        raise ValidationError({"priority": "Priority is from 1 (most urgent) to 5."})
    with transaction.atomic():
        placement = _locked_placement(placement)
        if placement.state != P.WAITING:
            raise ValidationError("Only a placement on the waiting list has a priority.")
        placement.priority = priority
        placement.save(update_fields=["priority", "updated_at"])
    return placement


def offer_free_places(*, by, room: SchoolSettings | None = None, today=None) -> list[Placement]:
    """Offer free places to the waiting list, head first: each is scheduled for the first
    school day (from its requested start, never before the next school day, and within
    a school week of that) from which its whole placement fits. Stops at the first that
    does not fit, so nobody jumps the queue. Call with the room locked, or it takes it.
    The daily task calls it too: places also come free as placements reach their exit."""
    today = today or timezone.localdate()
    offered = []
    with transaction.atomic():
        room = room or lock_room()
        for placement in waiting_list().select_for_update(of=("self",)):
            fits = _first_fitting_start(placement, room, today)
            if fits is None:
                break
            planned, calendar = fits
            _set_dates(placement, planned)
            move_placement(
                placement,
                P.SCHEDULED,
                by=by,
                reason="A place came free; offered to the head of the waiting list.",
                summary=_scheduled_summary(placement, room.room_name),
            )
            _schedule_reviews(placement, room, calendar)
            offered.append(placement)
    return offered


# A place is offered only if the placement can start within a school week of when it
# could first start: a place free months ahead is not "a place coming free".
OFFER_WINDOW_SCHOOL_DAYS = 5


def _first_fitting_start(placement: Placement, room: SchoolSettings, today: dt.date):
    calendar = dates.calendar_for(today)
    earliest = max(placement.requested_start, next_school_day(today, calendar))
    earliest = calendar.add_school_days(earliest, 0)
    last_try = min(
        calendar.add_school_days(earliest, OFFER_WINDOW_SCHOOL_DAYS - 1),
        dates.academic_year_end(earliest),
    )
    for day in calendar.school_days(earliest, last_try):
        try:
            planned = dates.placement_dates(day, calendar=calendar)
        except ValidationError:
            return None
        full_on = first_full_day(
            planned.start, planned.planned_exit, capacity=room.capacity, calendar=calendar
        )
        if full_on is None:
            return planned, calendar
    return None
