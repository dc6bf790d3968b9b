"""The school calendar of a range of days, for the timetables pages that ask it on every
view (Today, the plan editor, My students' deadlines).

The same two queries as SchoolCalendar.from_db (the terms that overlap the range, the
non-school days inside it), with their SQL compiled once a process: building them cost
more than running them.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.db import connection

from enigma.compiled import fetch_prepared
from enigma.models import NonSchoolDay, Term
from enigma.school_calendar import SchoolCalendar, TermDates

# Stand-ins for the first and last day asked about, in the queries compiled once.
_ANY_FROM, _ANY_TO = dt.date(1901, 1, 7), dt.date(1901, 1, 8)


def _terms_query(start: dt.date, end: dt.date):
    return (
        Term.objects.filter(ends_on__gte=start, starts_on__lte=end)
        .order_by("starts_on")
        .values_list("starts_on", "ends_on", "half_term_starts_on", "half_term_ends_on", "name")
    )


def _days_query(start: dt.date, end: dt.date):
    return (
        NonSchoolDay.objects.filter(date__gte=start, date__lte=end)
        .order_by("date")
        .values_list("date")
    )


@functools.cache
def _compiled(query) -> tuple[str, tuple]:
    sql, params = query(_ANY_FROM, _ANY_TO).query.sql_with_params()
    return sql, tuple(params)


def _rows(query, start: dt.date, end: dt.date) -> list[tuple]:
    sql, params = _compiled(query)
    days = {_ANY_FROM: start, _ANY_TO: end}
    # Prepared: planned once a connection (enigma.compiled.fetch_prepared).
    return fetch_prepared(connection.alias, sql, [days.get(p, p) for p in params])


def calendar_between(start: dt.date, end: dt.date) -> SchoolCalendar:
    """SchoolCalendar.from_db(start, end): the calendar knowing the days from `start` to
    `end` (both inclusive), in two queries compiled once a process."""
    return SchoolCalendar(
        [TermDates(*row) for row in _rows(_terms_query, start, end)],
        [day for (day,) in _rows(_days_query, start, end)],
        known_from=start,
        known_until=end,
    )
