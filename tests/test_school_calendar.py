"""The school calendar service: properties over random term layouts, worked examples, and
the database loading.

Most tests build SchoolCalendar from plain in-memory data (no database, fast). A school day
is checked against `oracle`, a deliberately naive restatement of the rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enigma import school_calendar
from enigma.models import NonSchoolDay, Term
from enigma.school_calendar import CalendarError, SchoolCalendar, TermDates
from tests.factories import NonSchoolDayFactory, TermFactory

D = dt.date
DAY = dt.timedelta(days=1)
FAST = settings(max_examples=150, deadline=None, database=None)


# --- random layouts -----------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    terms: tuple[TermDates, ...]
    non_school: frozenset[dt.date]
    first: dt.date  # a little before the first term
    last: dt.date  # a little after the last term

    def days(self):
        day = self.first
        while day <= self.last:
            yield day
            day += DAY

    def calendar(self, **kwargs) -> SchoolCalendar:
        return SchoolCalendar(self.terms, self.non_school, **kwargs)


def oracle(layout: Layout, day: dt.date) -> bool:
    """The rule, stated as plainly as possible."""
    if day.weekday() >= 5 or day in layout.non_school:
        return False
    for t in layout.terms:
        if t.starts_on <= day <= t.ends_on:
            in_half_term = t.half_term_starts_on is not None and (
                t.half_term_starts_on <= day <= t.half_term_ends_on
            )
            return not in_half_term
    return False


@st.composite
def layouts(draw, max_terms: int = 4) -> Layout:
    start = D(2025, 8, 25) + dt.timedelta(days=draw(st.integers(0, 60)))
    terms = []
    for i in range(draw(st.integers(1, max_terms))):
        length = draw(st.integers(0, 90))  # ends_on - starts_on, in days
        end = start + dt.timedelta(days=length)
        hts = hte = None
        if length >= 2 and draw(st.booleans()):  # half-term strictly inside, as the DB requires
            a = draw(st.integers(1, length - 1))
            b = draw(st.integers(a, length - 1))
            hts, hte = start + dt.timedelta(days=a), start + dt.timedelta(days=b)
        terms.append(TermDates(start, end, hts, hte, name=f"Term {i + 1}"))
        start = end + dt.timedelta(days=draw(st.integers(1, 40)))
    first = terms[0].starts_on - dt.timedelta(days=10)
    last = terms[-1].ends_on + dt.timedelta(days=10)
    span = (last - first).days
    non_school = draw(
        st.frozensets(st.integers(0, span).map(lambda k: first + dt.timedelta(days=k)), max_size=20)
    )
    return Layout(tuple(terms), non_school, first, last)


@st.composite
def layout_and_day(draw):
    layout = draw(layouts())
    day = layout.first + dt.timedelta(days=draw(st.integers(0, (layout.last - layout.first).days)))
    return layout, day


def school_days_after(layout: Layout, day: dt.date) -> list[dt.date]:
    return [d for d in layout.days() if d > day and oracle(layout, d)]


# --- properties (in memory) ---------------------------------------------------------------


@FAST
@given(layouts())
def test_is_school_day_is_exactly_the_rule(layout):
    cal = layout.calendar()
    for day in layout.days():
        assert cal.is_school_day(day) is oracle(layout, day), day


@FAST
@given(layouts())
def test_weekends_half_terms_non_school_days_and_holidays_are_never_school_days(layout):
    cal = layout.calendar()
    for day in layout.days():
        term = next((t for t in layout.terms if t.contains(day)), None)
        if day.weekday() >= 5:
            assert not cal.is_school_day(day), f"{day} is a weekend"
        elif term is None:
            assert not cal.is_school_day(day), f"{day} is outside every term"
        elif term.in_half_term(day):
            assert not cal.is_school_day(day), f"{day} is in half-term"
        elif day in layout.non_school:
            assert not cal.is_school_day(day), f"{day} is a non-school day"
        else:
            assert cal.is_school_day(day), f"{day} is a school day"
        assert (cal.term_for(day) is not None) is (term is not None)


@FAST
@given(layout_and_day(), st.integers(0, 150))
def test_add_school_days_lands_on_a_school_day_n_school_days_later(ld, n):
    layout, day = ld
    cal = layout.calendar()
    ahead = school_days_after(layout, day)
    needed = n if n else (0 if oracle(layout, day) else 1)
    if needed > len(ahead):
        with pytest.raises(CalendarError, match="Add the later terms"):
            cal.add_school_days(day, n)
        return
    result = cal.add_school_days(day, n)
    assert cal.is_school_day(result) and oracle(layout, result)
    if n == 0:
        assert result == (day if oracle(layout, day) else ahead[0])
    else:
        assert result > day
        assert result == ahead[n - 1]
        assert cal.school_days_between(day + DAY, result) == n
        assert cal.school_days_between(day, result) == n + oracle(layout, day)


@FAST
@given(layout_and_day(), st.integers(1, 60), st.integers(1, 60))
def test_add_school_days_is_monotonic_and_additive(ld, a, b):
    layout, day = ld
    cal = layout.calendar()
    try:
        far = cal.add_school_days(day, a + b)
    except CalendarError:
        return
    near = cal.add_school_days(day, a)
    assert near < far
    assert cal.add_school_days(near, b) == far
    # a later start never gives an earlier answer
    later = day + dt.timedelta(days=b)
    try:
        from_later = cal.add_school_days(later, a)
    except CalendarError:
        from_later = None
    assert from_later is None or from_later >= near


@FAST
@given(layout_and_day(), st.integers(1, 60))
def test_nth_school_day_counts_the_start_as_day_one(ld, n):
    layout, day = ld
    cal = layout.calendar()
    try:
        nth = cal.nth_school_day(day, n)
    except CalendarError:
        with pytest.raises(CalendarError):
            cal.add_school_days(day, n - 1 if oracle(layout, day) else n)
        return
    assert cal.school_days_between(day, nth) == n
    assert nth == cal.add_school_days(day, n - 1 if oracle(layout, day) else n)


@FAST
@given(layouts(), st.data())
def test_counting_a_range_agrees_with_listing_it(layout, data):
    cal = layout.calendar()
    span = (layout.last - layout.first).days
    i, j, k = sorted(data.draw(st.lists(st.integers(0, span), min_size=3, max_size=3)))
    start, middle, end = (layout.first + dt.timedelta(days=x) for x in (i, j, k))
    listed = cal.school_days(start, end)
    assert listed == [d for d in layout.days() if start <= d <= end and oracle(layout, d)]
    assert cal.school_days_between(start, end) == len(listed)
    assert listed == sorted(set(listed))
    # splitting a range splits its count
    assert cal.school_days_between(start, end) == cal.school_days_between(
        start, middle
    ) + cal.school_days_between(middle + DAY, end)
    # a backwards range is empty
    if end > start:
        assert cal.school_days_between(end, start) == 0
        assert cal.school_days(end, start) == []


@FAST
@given(layouts(), st.randoms(use_true_random=False))
def test_the_order_terms_are_given_in_does_not_matter(layout, rnd):
    shuffled = list(layout.terms)
    rnd.shuffle(shuffled)
    a, b = layout.calendar(), SchoolCalendar(shuffled, layout.non_school)
    assert a.school_days(layout.first, layout.last) == b.school_days(layout.first, layout.last)


@FAST
@given(layouts(), st.data())
def test_a_calendar_loaded_for_a_window_agrees_inside_it_and_refuses_outside(layout, data):
    span = (layout.last - layout.first).days
    i, j = sorted(data.draw(st.lists(st.integers(1, span - 1), min_size=2, max_size=2)))
    lo, hi = layout.first + dt.timedelta(days=i), layout.first + dt.timedelta(days=j)
    whole, window = layout.calendar(), layout.calendar(known_from=lo, known_until=hi)
    assert window.school_days(lo, hi) == whole.school_days(lo, hi)
    for day in (lo, hi):
        assert window.is_school_day(day) is whole.is_school_day(day)
    for outside in (lo - DAY, hi + DAY):
        with pytest.raises(CalendarError, match="outside the dates"):
            window.is_school_day(outside)
    with pytest.raises(CalendarError):
        window.school_days_between(lo - DAY, hi)
    try:
        expected = whole.add_school_days(lo, 1)
    except CalendarError:
        expected = None
    if expected is not None and expected <= hi:
        assert window.add_school_days(lo, 1) == expected
    else:
        with pytest.raises(CalendarError):
            window.add_school_days(lo, 1)


# --- bad input ----------------------------------------------------------------------------


def test_overlapping_terms_are_refused():
    with pytest.raises(CalendarError, match="overlap"):
        SchoolCalendar(
            [TermDates(D(2026, 9, 1), D(2026, 12, 18)), TermDates(D(2026, 12, 18), D(2027, 3, 1))]
        )


def test_a_term_that_ends_before_it_starts_or_has_half_a_half_term_is_refused():
    with pytest.raises(CalendarError, match="ends before it starts"):
        TermDates(D(2026, 9, 2), D(2026, 9, 1))
    with pytest.raises(CalendarError, match="only one of its half-term dates"):
        TermDates(D(2026, 9, 2), D(2026, 12, 18), D(2026, 10, 26), None)


def test_negative_counts_are_a_programming_error():
    cal = SchoolCalendar([AUTUMN_2026])
    with pytest.raises(ValueError):
        cal.add_school_days(D(2026, 10, 1), -1)
    with pytest.raises(ValueError):
        cal.nth_school_day(D(2026, 10, 1), 0)


def test_an_empty_calendar_has_no_school_days_and_says_so():
    cal = SchoolCalendar([])
    assert not cal.is_school_day(D(2026, 10, 5))
    with pytest.raises(CalendarError, match="only have 0 school days"):
        cal.add_school_days(D(2026, 10, 5), 1)


# --- worked examples ----------------------------------------------------------------------

AUTUMN_2026 = TermDates(D(2026, 9, 2), D(2026, 12, 18), D(2026, 10, 26), D(2026, 10, 30), "Autumn")
SPRING_2027 = TermDates(D(2027, 1, 4), D(2027, 3, 26), D(2027, 2, 15), D(2027, 2, 19), "Spring")
SUMMER_2027 = TermDates(D(2027, 4, 12), D(2027, 7, 21), D(2027, 5, 31), D(2027, 6, 4), "Summer")
INSET = [D(2026, 9, 2), D(2027, 1, 4)]
BANK_HOLIDAYS = [D(2027, 3, 26), D(2027, 5, 3), D(2027, 5, 31)]
YEAR = SchoolCalendar([AUTUMN_2026, SPRING_2027, SUMMER_2027], INSET + BANK_HOLIDAYS)


def test_a_placement_starting_before_half_term_does_not_lose_a_week_to_it():
    start = D(2026, 10, 19)  # Mon; half-term is Mon 26 to Fri 30 Oct
    last = YEAR.nth_school_day(start, 30)
    assert last == D(2026, 12, 4)  # six school weeks: 19-23 Oct, then 2 Nov to 4 Dec
    assert YEAR.add_school_days(start, 29) == last
    assert YEAR.school_days_between(start, last) == 30
    assert YEAR.add_school_days(start, 30) == D(2026, 12, 7)
    assert not any(D(2026, 10, 26) <= d <= D(2026, 10, 30) for d in YEAR.school_days(start, last))
    # 30 plain weekdays from Mon 19 Oct end on Fri 27 Nov: a week lost to half-term
    naive = start + dt.timedelta(weeks=5, days=4)
    assert naive == D(2026, 11, 27) and last == naive + dt.timedelta(weeks=1)


def test_a_placement_across_christmas_skips_the_holiday_and_the_inset_day():
    start = D(2026, 12, 7)
    assert YEAR.nth_school_day(start, 10) == D(2026, 12, 18)
    assert YEAR.nth_school_day(start, 11) == D(2027, 1, 5)  # Mon 4 Jan is INSET
    assert YEAR.nth_school_day(start, 30) == D(2027, 2, 1)


def test_bank_holidays_are_skipped():
    # May Day, Mon 3 May 2027
    assert not YEAR.is_school_day(D(2027, 5, 3))
    assert YEAR.nth_school_day(D(2027, 4, 26), 10) == D(2027, 5, 10)
    # Good Friday is the last day of the spring term, so the next school day is after Easter
    assert YEAR.add_school_days(D(2027, 3, 25), 1) == D(2027, 4, 12)


def test_n_zero_means_on_or_after():
    assert YEAR.add_school_days(D(2026, 10, 19), 0) == D(2026, 10, 19)
    assert YEAR.add_school_days(D(2026, 10, 24), 0) == D(2026, 11, 2)  # Sat, then half-term
    assert YEAR.add_school_days(D(2027, 1, 1), 0) == D(2027, 1, 5)


def test_term_school_day_counts():
    assert YEAR.school_days_between(AUTUMN_2026.starts_on, AUTUMN_2026.ends_on) == 72
    # 78 weekdays, less 5 in half-term and the INSET day on Wed 2 Sep


def test_running_out_of_terms_is_an_error_not_a_loop():
    cal = SchoolCalendar([AUTUMN_2026])
    with pytest.raises(CalendarError, match="Cannot count 30 school days from Tue 15 Dec 2026"):
        cal.add_school_days(D(2026, 12, 15), 30)


def test_bank_holidays_come_from_the_holidays_package():
    found = dict(school_calendar.bank_holidays([2027]))
    assert found[D(2027, 5, 3)] == "May Day"
    assert D(2027, 12, 28) in found  # Boxing Day (observed)
    assert school_calendar.bank_holidays([]) == []


def test_suggestions_in_memory_are_weekdays_in_terms_not_yet_recorded():
    cal = SchoolCalendar([AUTUMN_2026, SPRING_2027, SUMMER_2027], [D(2027, 5, 3)])
    assert cal.suggested_bank_holidays([2026, 2027]) == [
        (D(2027, 3, 26), "Good Friday"),
        (D(2027, 5, 31), "Spring Bank Holiday"),  # in half-term, but inside the term
    ]


def test_term_years():
    assert school_calendar.term_years([AUTUMN_2026, SPRING_2027]) == [2026, 2027]
    assert school_calendar.term_years([]) == []


# --- the database -------------------------------------------------------------------------


def make_year():
    for t in (AUTUMN_2026, SPRING_2027, SUMMER_2027):
        TermFactory(
            name=t.name,
            starts_on=t.starts_on,
            ends_on=t.ends_on,
            half_term_starts_on=t.half_term_starts_on,
            half_term_ends_on=t.half_term_ends_on,
        )
    for day in INSET:
        NonSchoolDayFactory(date=day)


@pytest.mark.django_db
def test_from_db_loads_in_two_queries_then_answers_from_memory(django_assert_num_queries):
    make_year()
    with django_assert_num_queries(2):
        cal = SchoolCalendar.from_db(D(2026, 9, 1), D(2027, 8, 31))
    with django_assert_num_queries(0):
        assert cal.nth_school_day(D(2026, 10, 19), 30) == D(2026, 12, 4)
        assert cal.school_days_between(D(2026, 9, 1), D(2026, 12, 31)) == 72
        assert len(cal.terms) == 3


@pytest.mark.django_db
def test_module_functions_read_the_database(django_assert_num_queries):
    make_year()
    with django_assert_num_queries(2):
        assert school_calendar.add_school_days(D(2026, 10, 19), 29) == D(2026, 12, 4)
    assert school_calendar.nth_school_day(D(2026, 10, 19), 30) == D(2026, 12, 4)
    assert school_calendar.is_school_day(D(2026, 10, 19))
    assert not school_calendar.is_school_day(D(2026, 10, 27))  # half-term
    assert not school_calendar.is_school_day(D(2026, 9, 2))  # INSET
    assert not school_calendar.is_school_day(D(2026, 8, 31))  # before term
    assert school_calendar.school_days_between(D(2026, 9, 1), D(2026, 9, 30)) == 20
    assert school_calendar.school_days(D(2026, 9, 1), D(2026, 9, 4)) == [
        D(2026, 9, 3),
        D(2026, 9, 4),
    ]
    with django_assert_num_queries(0):
        assert school_calendar.school_days_between(D(2026, 9, 30), D(2026, 9, 1)) == 0
    with pytest.raises(CalendarError):
        school_calendar.add_school_days(D(2027, 7, 1), 30)


@pytest.mark.django_db
def test_suggested_bank_holidays_from_the_database():
    make_year()
    NonSchoolDayFactory(date=D(2027, 5, 3), kind=NonSchoolDay.Kind.BANK_HOLIDAY)
    assert school_calendar.suggested_bank_holidays([2026, 2027]) == [
        (D(2027, 3, 26), "Good Friday"),
        (D(2027, 5, 31), "Spring Bank Holiday"),
    ]
    assert school_calendar.suggested_bank_holidays([2030]) == []
    assert school_calendar.suggested_bank_holidays([]) == []


@pytest.mark.django_db
def test_adding_bank_holidays_records_them_and_audits_once():
    from enigma.models import AuditEvent
    from enigma.services.calendar import add_bank_holidays

    make_year()
    added = add_bank_holidays(by=None, years=[2026, 2027], only={D(2027, 5, 3), D(2027, 1, 1)})
    assert [(d.date, d.kind, d.description) for d in added] == [
        (D(2027, 5, 3), NonSchoolDay.Kind.BANK_HOLIDAY, "May Day")
    ]
    added = add_bank_holidays(by=None, years=[2026, 2027])
    assert {d.date for d in added} == {D(2027, 3, 26), D(2027, 5, 31)}
    assert add_bank_holidays(by=None, years=[2026, 2027]) == []
    events = AuditEvent.objects.filter(action="calendar.changed").order_by("pk")
    assert [len(e.data["days"]) for e in events] == [1, 2]


@pytest.mark.django_db
@settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(layouts(max_terms=3))
def test_the_database_calendar_matches_the_in_memory_one(layout):
    Term.objects.all().delete()
    NonSchoolDay.objects.all().delete()
    for t in layout.terms:
        Term.objects.create(
            name=t.name,
            starts_on=t.starts_on,
            ends_on=t.ends_on,
            half_term_starts_on=t.half_term_starts_on,
            half_term_ends_on=t.half_term_ends_on,
        )
    # The database refuses weekend non-school days (a weekend is never a school day, so
    # leaving them out changes no answer); the in-memory calendar is tested with them above.
    NonSchoolDay.objects.bulk_create(
        NonSchoolDay(date=d, kind=NonSchoolDay.Kind.CLOSURE)
        for d in layout.non_school
        if d.isoweekday() <= 5
    )
    from_db = SchoolCalendar.from_db()
    assert from_db.school_days(layout.first, layout.last) == [
        d for d in layout.days() if oracle(layout, d)
    ]
    middle = layout.terms[0].starts_on
    assert school_calendar.school_days(layout.first, layout.last) == from_db.school_days(
        layout.first, layout.last
    )
    assert school_calendar.is_school_day(middle) is oracle(layout, middle)
