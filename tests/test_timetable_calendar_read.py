"""timetables.selectors.calendar: the timetables pages' calendar, read by SQL compiled once
a process, knows what SchoolCalendar.from_db knows for every range asked, however many
ranges one process asks (the stand-in days of the compiled SQL are swapped each time)."""

from __future__ import annotations

import datetime as dt

import pytest

from enigma.school_calendar import SchoolCalendar
from tests.factories import NonSchoolDayFactory, TermFactory
from timetables.selectors.calendar import calendar_between

pytestmark = pytest.mark.django_db

D = dt.date


def _known(calendar: SchoolCalendar, start: dt.date, end: dt.date):
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    return (
        calendar.terms,
        calendar.non_school_days,
        calendar.known_from,
        calendar.known_until,
        [calendar.is_school_day(day) for day in days],
    )


def test_calendar_between_is_what_from_db_reads_for_every_range():
    TermFactory()  # autumn 2026, half-term 26-30 Oct
    TermFactory(
        name="Spring 2027",
        starts_on=D(2027, 1, 5),
        ends_on=D(2027, 3, 26),
        half_term_starts_on=D(2027, 2, 15),
        half_term_ends_on=D(2027, 2, 19),
    )
    NonSchoolDayFactory(date=D(2026, 11, 13))
    NonSchoolDayFactory(date=D(2027, 1, 5), description="Training day")
    ranges = [
        (D(2026, 11, 13), D(2026, 11, 13)),  # one non-school day
        (D(2026, 11, 16), D(2026, 11, 16)),  # one school day
        (D(2026, 10, 20), D(2026, 11, 20)),  # across half-term and a non-school day
        (D(2026, 12, 1), D(2027, 2, 26)),  # across the holiday into the next term
        (D(2027, 4, 1), D(2027, 4, 30)),  # no term at all
    ]
    for start, end in ranges:
        compiled = calendar_between(start, end)
        assert _known(compiled, start, end) == _known(
            SchoolCalendar.from_db(start, end), start, end
        )
    assert (
        calendar_between(D(2026, 11, 13), D(2026, 11, 13)).is_school_day(D(2026, 11, 13)) is False
    )
    assert calendar_between(D(2026, 11, 16), D(2026, 11, 16)).is_school_day(D(2026, 11, 16))
    assert not calendar_between(D(2026, 10, 26), D(2026, 10, 30)).school_days(
        D(2026, 10, 26), D(2026, 10, 30)
    )
