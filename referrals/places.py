"""The room's places: who holds one on which school days, the waiting list's order, and the
room's lock. Both sides read these: the services that take or free a place (under the
lock) and the selectors that show capacity and why a placement waits.

Capacity: the room holds SchoolSettings.capacity students on any school day, counting
every scheduled and active placement from its start to its exit. Every write that could
take or free a place locks the school settings row first (lock_room), so two approvals at
the same moment are served one after the other and can never overfill the room.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.core.exceptions import ValidationError
from django.db.models.functions import Coalesce
from django.utils import timezone

from enigma.compiled import compiled_list
from enigma.models import SchoolSettings
from enigma.school_calendar import CalendarError, SchoolCalendar
from referrals import dates
from referrals.models import Placement

P = Placement.State


def lock_room() -> SchoolSettings:
    """Take the room's lock: the one settings row, held to the end of the transaction."""
    SchoolSettings.load()
    return SchoolSettings.objects.select_for_update().get(singleton=True)


def holding_placements_query(start: dt.date, end: dt.date, exclude: int | None = None):
    qs = (
        Placement.objects.filter(state__in=Placement.HOLDING, start_date__lte=end)
        .annotate(last=Coalesce("actual_exit", "planned_exit"))
        .filter(last__gte=start)
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.values_list("start_date", "last")


def holding_placements(start: dt.date, end: dt.date, *, exclude: int | None = None):
    """(start, last day) of every placement that holds a place on some day in start..end."""
    return list(holding_placements_query(start, end, exclude))


def places_taken(days: list[dt.date], *, exclude: int | None = None, holding=None) -> Counter:
    """How many places are taken on each of `days` (school days, in order); `holding`
    reads holding_placements (another way of reading the same rows)."""
    counts: Counter = Counter()
    if not days:
        return counts
    holding = holding or holding_placements
    for first, last in holding(days[0], days[-1], exclude=exclude):
        for day in days:
            if first <= day <= last:
                counts[day] += 1
    return counts


def _compiled_holding(start: dt.date, end: dt.date, *, exclude: int | None = None):
    """holding_placements from SQL compiled once a process (for the capacity table, read
    on every approvals and waiting-list page)."""
    return compiled_list("holding placements", holding_placements_query, start, end, exclude)


def first_full_day(
    start: dt.date,
    end: dt.date,
    *,
    capacity: int,
    calendar: SchoolCalendar,
    exclude: int | None = None,
) -> dt.date | None:
    """The first school day in start..end on which the room is already full."""
    days = calendar.school_days(start, end)
    taken = places_taken(days, exclude=exclude)
    return next((day for day in days if taken[day] >= capacity), None)


def next_school_day(after: dt.date, calendar: SchoolCalendar) -> dt.date:
    return calendar.add_school_days(after, 1)


def waiting_list():
    return (
        Placement.objects.filter(state=P.WAITING)
        .select_related("student", "referral__referrer", "approved_by")
        .order_by("priority", "approved_at", "id")
    )


def capacity_by_week(weeks: int = 8, *, today: dt.date | None = None) -> list[dict]:
    """For the approvals page: each coming school week's busiest day, against capacity."""
    today = today or timezone.localdate()
    room = SchoolSettings.load()
    calendar = dates.calendar_for(today)
    monday = today - dt.timedelta(days=today.weekday())
    end = monday + dt.timedelta(weeks=weeks) - dt.timedelta(days=1)
    try:
        days = calendar.school_days(today, end)
    except CalendarError:  # the weeks run past the calendar the school has entered
        days = []
    taken = places_taken(days, holding=_compiled_holding)
    result = []
    for n in range(weeks):
        start = monday + dt.timedelta(weeks=n)
        week_days = [d for d in days if start <= d < start + dt.timedelta(days=7)]
        busiest = max((taken[d] for d in week_days), default=0)
        result.append(
            {
                "week_of": start,
                "school_days": len(week_days),
                "taken": busiest,
                "free": max(room.capacity - busiest, 0) if week_days else None,
                "capacity": room.capacity,
            }
        )
    return result


def earliest_fitting_start(
    from_day: dt.date,
    *,
    capacity: int,
    calendar: SchoolCalendar,
    length: int,
    exclude: int | None = None,
):
    """The first school day from `from_day` (to the summer) on which a placement of
    `length` school days would find a place on every one of its days, with its dates
    (dates.PlacementDates), or None. The places are read once for the whole span."""
    summer = dates.academic_year_end(from_day)
    try:
        days = calendar.school_days(from_day, summer)
    except CalendarError:
        return None
    taken = places_taken(days, exclude=exclude)
    for i, day in enumerate(days):
        try:
            planned = dates.placement_dates(day, school_days=length, calendar=calendar)
        except ValidationError:
            return None
        if all(taken[d] < capacity for d in days[i:] if d <= planned.planned_exit):
            return planned
    return None
