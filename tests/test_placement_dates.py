"""A placement's length in school days: half-term, bank holidays, INSET days, term ends
and the summer holiday."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from enigma.models import SchoolSettings
from enigma.school_calendar import SchoolCalendar, TermDates
from referrals import dates

D = dt.date
AUTUMN = TermDates(D(2026, 9, 2), D(2026, 12, 18), D(2026, 10, 26), D(2026, 10, 30), "Autumn")
SPRING = TermDates(D(2027, 1, 5), D(2027, 3, 26), D(2027, 2, 15), D(2027, 2, 19), "Spring")
SUMMER = TermDates(D(2027, 4, 12), D(2027, 7, 21), D(2027, 5, 31), D(2027, 6, 4), "Summer")
NEXT_AUTUMN = TermDates(D(2027, 9, 2), D(2027, 12, 17), None, None, "Autumn 2027")


def calendar(*non_school_days, terms=(AUTUMN, SPRING, SUMMER, NEXT_AUTUMN)):
    return SchoolCalendar(terms, non_school_days)


def test_thirty_school_days_in_a_plain_stretch():
    planned = dates.placement_dates(D(2026, 9, 7), school_days=30, calendar=calendar())
    # Mon 7 Sep + 6 weeks of school days: the last is Fri 16 Oct.
    assert planned.planned_exit == D(2026, 10, 16)
    assert not planned.shortened_by_summer


def test_half_term_does_not_cost_a_week():
    planned = dates.placement_dates(D(2026, 10, 5), school_days=30, calendar=calendar())
    # 3 weeks before half-term (5-23 Oct), the half-term week skipped, 3 weeks after.
    assert planned.planned_exit == D(2026, 11, 20)


def test_bank_holidays_and_inset_days_do_not_count():
    with_days_off = calendar(D(2027, 5, 3), D(2027, 4, 12))  # May Day; INSET on day one
    planned = dates.placement_dates(D(2027, 4, 13), school_days=30, calendar=with_days_off)
    plain = dates.placement_dates(D(2027, 4, 13), school_days=30, calendar=calendar())
    assert planned.planned_exit == with_days_off.add_school_days(plain.planned_exit, 1)
    assert with_days_off.school_days_between(planned.start, planned.planned_exit) == 30


def test_christmas_holiday_is_skipped_between_terms():
    planned = dates.placement_dates(D(2026, 12, 7), school_days=30, calendar=calendar())
    # 10 school days in December, then 20 from 5 Jan 2027.
    assert planned.planned_exit == D(2027, 2, 1)


def test_a_placement_never_runs_across_the_summer():
    planned = dates.placement_dates(D(2027, 7, 5), school_days=30, calendar=calendar())
    assert planned.planned_exit == D(2027, 7, 21)  # the last day of the summer term
    assert planned.shortened_by_summer
    assert planned.school_days == 13
    assert planned.latest_exit == planned.planned_exit


def test_a_start_that_is_not_a_school_day_names_the_next_one():
    with pytest.raises(ValidationError) as error:
        dates.placement_dates(D(2026, 10, 27), school_days=30, calendar=calendar())
    assert "Tue 27 Oct 2026 is not a school day. The next school day is Mon 2 Nov 2026." in str(
        error.value
    )


def test_a_calendar_that_stops_before_the_summer_asks_for_the_next_terms():
    only_autumn = calendar(terms=(AUTUMN,))
    with pytest.raises(ValidationError, match="add the next terms"):
        dates.placement_dates(D(2026, 12, 1), school_days=30, calendar=only_autumn)


def test_reviews_each_week_with_the_mid_point_and_the_exit():
    cal = calendar()
    planned = dates.placement_dates(D(2026, 9, 7), school_days=30, calendar=cal)
    schedule = dates.review_schedule(planned.start, planned.planned_exit, interval=5, calendar=cal)
    kinds = [kind for _, kind in schedule]
    assert kinds == ["weekly", "weekly", "midpoint", "weekly", "weekly", "exit"]
    assert [due for due, _ in schedule] == [
        D(2026, 9, 14),
        D(2026, 9, 21),
        D(2026, 9, 28),
        D(2026, 10, 5),
        D(2026, 10, 12),
        D(2026, 10, 16),
    ]


def test_reviews_skip_half_term():
    cal = calendar()
    schedule = dates.review_schedule(D(2026, 10, 19), D(2026, 11, 6), interval=5, calendar=cal)
    assert [due for due, _ in schedule] == [D(2026, 11, 2), D(2026, 11, 6)]


def test_follow_ups_two_and_six_school_weeks_after_exit():
    cal = calendar()
    assert dates.follow_up_dates(D(2026, 12, 11), [6, 2], calendar=cal) == [
        (2, D(2027, 1, 11)),  # a week before Christmas; the spring term starts on a Tuesday
        (6, D(2027, 2, 8)),
    ]


@pytest.mark.django_db
def test_the_length_comes_from_the_school_settings():
    SchoolSettings.load()
    SchoolSettings.objects.update(placement_weeks=4)
    assert dates.placement_length() == 20
