"""Who is in the room each lesson: room use per (date, period) over every live plan, and
the room's limits for one lesson. The plan and Today pages read it; the plan's services
check it under the room's lock (referrals.places.lock_room) before a change into the room.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Q

from enigma.models import SchoolSettings
from referrals.models import Placement
from timetables.models import ROOM_MODES, Mode, PlanCell, TimetableSettings

# Placements whose plan counts: scheduled or active.
LIVE = (Placement.State.SCHEDULED, Placement.State.ACTIVE)


@dataclass(frozen=True)
class Use:
    room: int = 0  # students in the room (one-to-one included)
    one_to_one: int = 0


def room_use(days: Iterable[dt.date], *, exclude: int | None = None) -> dict:
    """(date, period id) -> Use, over every live placement's plan, in one query."""
    qs = PlanCell.objects.filter(
        date__in=list(days), mode__in=ROOM_MODES, placement__state__in=LIVE
    )
    if exclude is not None:
        qs = qs.exclude(placement_id=exclude)
    counts: dict = defaultdict(lambda: [0, 0])
    for day, period_id, mode in qs.values_list("date", "period_id", "mode"):
        counts[(day, period_id)][0] += 1
        if mode == Mode.ONE_TO_ONE:
            counts[(day, period_id)][1] += 1
    return {key: Use(*value) for key, value in counts.items()}


def _room_use_query(first: dt.date, last: dt.date):
    return (
        PlanCell.objects.filter(
            date__gte=first, date__lte=last, mode__in=ROOM_MODES, placement__state__in=LIVE
        )
        .order_by()
        .values_list("date", "period_id")
        .annotate(room=Count("pk"), one_to_one=Count("pk", filter=Q(mode=Mode.ONE_TO_ONE)))
    )


# Stand-ins for the days asked about, in the query compiled once (no lesson is on either).
_ANY_FIRST, _ANY_LAST = dt.date(1901, 1, 2), dt.date(1901, 1, 3)


@functools.cache
def _compiled_room_use() -> tuple[str, tuple]:
    sql, params = _room_use_query(_ANY_FIRST, _ANY_LAST).query.sql_with_params()
    return sql, tuple(params)


def room_use_between(first: dt.date, last: dt.date) -> dict:
    """room_use() of every day from `first` to `last`, counted in the database: one row
    per lesson with anyone in the room, not one per student there (the plan page asks
    for the weeks it shows, some hundreds of lessons). Its SQL is compiled once a process
    (building it cost about as much as running it)."""
    sql, params = _compiled_room_use()
    days = {_ANY_FIRST: first, _ANY_LAST: last}
    with connection.cursor() as cursor:
        cursor.execute(sql, [days.get(p, p) for p in params])
        rows = cursor.fetchall()
    return {(day, period_id): Use(room, one) for day, period_id, room, one in rows}


def capacity() -> tuple[int, int]:
    """(students the room holds in one period, one-to-one spaces)."""
    return SchoolSettings.load().capacity, TimetableSettings.load().one_to_one_spaces
