"""A placement's dates, counted in school days from the school calendar.

- Length: the configured number of school weeks (never more than six) x 5 school days,
  counting the start as day 1; holidays, half-terms, bank holidays and INSET days do not
  count, so a placement that starts before half-term does not lose a week to it.
- The summer: a placement never runs across the summer holiday. If its last school day
  would fall in the next academic year, it ends on the last school day of the summer
  term instead, and is marked as shortened (the pages say so).
- Reviews fall due every review interval of school days after the start; the one nearest
  the middle is the mid-point review and the last is the exit review, on the exit day.
- Follow-up checks fall due N school weeks after the exit.
- Week n of a placement (one definition, used by every page and the plan): its school
  days in fives, the start as day 1. Days that are not school days (half-term, INSET,
  bank holidays) are skipped, so a six-week placement has weeks 1 to 6 however it falls;
  week 1 starts on the start date, and after a mid-week start each week runs on into the
  next calendar week, as the reviews (every five school days) do.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from enigma.formatting import day_text
from enigma.models import SchoolSettings
from enigma.school_calendar import CalendarError, SchoolCalendar

SCHOOL_WEEK = 5


def weeks_text(weeks: int) -> str:
    return f"{weeks} school week{'s' if weeks != 1 else ''}"


def academic_year_end(day: dt.date) -> dt.date:
    """31 August of the academic year (September to August) that `day` falls in."""
    return dt.date(day.year if day.month < 9 else day.year + 1, 8, 31)


@dataclass(frozen=True)
class PlacementDates:
    start: dt.date
    planned_exit: dt.date
    school_days: int
    shortened_by_summer: bool

    @property
    def latest_exit(self) -> dt.date:
        return self.planned_exit


def placement_length() -> int:
    settings_row = SchoolSettings.load()
    weeks = settings_row.placement_weeks if settings_row else 6
    return weeks * SCHOOL_WEEK


def calendar_for(start: dt.date) -> SchoolCalendar:
    """The calendar from `start` to the end of the academic year after it (enough for any
    placement, its reviews and its follow-up checks)."""
    next_year_end = academic_year_end(academic_year_end(start) + dt.timedelta(days=1))
    return SchoolCalendar.from_db(start, next_year_end)


def placement_dates(
    start: dt.date, *, school_days: int | None = None, calendar: SchoolCalendar | None = None
) -> PlacementDates:
    """The dates of a placement starting on `start` (which must be a school day).

    Raises ValidationError({"start_date": ...}) with a reason a person can act on.
    """
    length = school_days or placement_length()
    calendar = calendar or calendar_for(start)
    if not calendar.is_school_day(start):
        try:
            following = calendar.add_school_days(start, 0)
        except CalendarError:
            following = None
        hint = f" The next school day is {day_text(following)}." if following else ""
        raise ValidationError({"start_date": f"{day_text(start)} is not a school day.{hint}"})
    summer = academic_year_end(start)
    last_this_year = calendar.school_days(start, summer)[-1]
    try:
        exit_day = calendar.nth_school_day(start, length)
    except CalendarError:
        exit_day = None
    if exit_day is not None and exit_day <= summer:
        return PlacementDates(start, exit_day, length, shortened_by_summer=False)
    if last_this_year.month not in (6, 7, 8):
        # The calendar simply stops: the later terms are not set up yet.
        raise ValidationError(
            {
                "start_date": f"The calendar has no school days after {day_text(last_this_year)}: "
                "ask the school admin to add the next terms, then try again."
            }
        )
    days = calendar.school_days_between(start, last_this_year)
    return PlacementDates(start, last_this_year, days, shortened_by_summer=True)


def review_schedule(
    start: dt.date, planned_exit: dt.date, *, interval: int, calendar: SchoolCalendar
) -> list[tuple[dt.date, str]]:
    """(due date, kind) of each review: every `interval` school days after the start,
    then the exit review on the exit day; the review nearest the middle is the
    mid-point review (there is none when only the exit review fits)."""
    days = calendar.school_days(start, planned_exit)
    dues = [days[i] for i in range(interval, len(days) - 1, interval)]
    schedule = [(due, "weekly") for due in dues]
    if schedule:
        middle = days[(len(days) - 1) // 2]
        nearest = min(range(len(schedule)), key=lambda i: (abs((schedule[i][0] - middle).days), i))
        schedule[nearest] = (schedule[nearest][0], "midpoint")
    schedule.append((planned_exit, "exit"))
    return schedule


def follow_up_dates(
    exit_day: dt.date, weeks: list[int], *, calendar: SchoolCalendar | None = None
) -> list[tuple[int, dt.date]]:
    """(weeks after, due date) for each follow-up check; a check the calendar cannot reach
    yet (terms not set up) is dated by counting weekdays instead."""
    calendar = calendar or calendar_for(exit_day)
    result = []
    for n in sorted(set(weeks)):
        try:
            due = calendar.add_school_days(exit_day, n * SCHOOL_WEEK)
        except CalendarError:
            due = exit_day + dt.timedelta(weeks=n)
        result.append((n, due))
    return result


# --- week n of a placement ------------------------------------------------------------


def school_weeks(start: dt.date, last: dt.date, calendar: SchoolCalendar) -> list[list[dt.date]]:
    """The school weeks of a placement held from `start` to `last`: week 1 is the first
    list (the start and the next four school days), and so on; the last may be shorter."""
    days = calendar.school_days(start, last)
    return [days[i : i + SCHOOL_WEEK] for i in range(0, len(days), SCHOOL_WEEK)]


def week_number(start: dt.date, day: dt.date, calendar: SchoolCalendar) -> int:
    """Which school week of a placement starting on `start` `day` falls in (1 for the
    start's week); a day off belongs to the week of the school day before it."""
    so_far = calendar.school_days_between(start, day)
    return max(1, math.ceil(so_far / SCHOOL_WEEK))
