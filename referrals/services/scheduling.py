"""Putting a placement in the room's diary: its dates, its reviews, and the places that
come free offered to the head of the waiting list. Shared by the decision (approve), the
placement's later changes (an exit brought forward, an early end) and the daily task.

When a place frees, the head of the waiting list (priority, then approval time) is offered
it: scheduled for the first school day from which its whole placement fits. Call these
with the room locked (referrals.places.lock_room).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from enigma.actor import Actor
from enigma.formatting import day_text as _day
from enigma.models import SchoolSettings
from referrals import dates
from referrals.models import Placement, Review
from referrals.places import first_full_day, lock_room, next_school_day, waiting_list
from referrals.services.transitions import move_placement

P = Placement.State


# What set_dates() changes on the placement.
DATES = ("start_date", "planned_exit", "latest_exit", "shortened_by_summer")


def set_dates(placement: Placement, planned: dates.PlacementDates) -> None:
    placement.start_date = planned.start
    placement.planned_exit = planned.planned_exit
    placement.latest_exit = planned.latest_exit
    placement.shortened_by_summer = planned.shortened_by_summer


def scheduled_summary(placement: Placement, room_name: str) -> str:
    text = (
        f"Placement in the {room_name} scheduled: {_day(placement.start_date)} to "
        f"{_day(placement.planned_exit)}"
    )
    if placement.shortened_by_summer:
        text += " (ends early for the summer holiday)"
    return text


def schedule_reviews(placement: Placement, room: SchoolSettings, calendar) -> None:
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


def offer_free_places(
    *, by: Actor, room: SchoolSettings | None = None, today=None
) -> list[Placement]:
    """Offer free places to the waiting list, head first: each is scheduled for the first
    school day (from its requested start, never before the next school day, and within
    a school week of that) from which its whole placement fits. Stops at the first that
    does not fit, so nobody jumps the queue. Call with the room locked, or it takes it.
    The daily task calls it too: places also come free as placements reach their exit."""
    by = Actor.of(by)
    today = today or timezone.localdate()
    offered = []
    with transaction.atomic():
        room = room or lock_room()
        for placement in waiting_list().select_for_update(of=("self",)):
            fits = _first_fitting_start(placement, room, today)
            if fits is None:
                break
            planned, calendar = fits
            set_dates(placement, planned)
            move_placement(
                placement,
                P.SCHEDULED,
                by=by,
                reason="A place came free; offered to the head of the waiting list.",
                summary=scheduled_summary(placement, room.room_name),
                changed=DATES,
            )
            schedule_reviews(placement, room, calendar)
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
