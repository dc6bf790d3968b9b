"""Which week of the timetable cycle (A or B) a date falls in."""

from __future__ import annotations

import datetime as dt

from enigma.school_calendar import SchoolCalendar
from timetables.models import TimetableSettings, monday_of

WEEK_LETTERS = {1: "A", 2: "B"}


class WeekCycle:
    """Answers week_of(day) -> 1 (week A) or 2 (week B), reading the settings and (when
    holiday weeks do not count) the school calendar once."""

    def __init__(self, settings_row: TimetableSettings | None = None):
        self.settings = settings_row or TimetableSettings.load()
        self._cache: dict[dt.date, int] = {}
        self._calendar: SchoolCalendar | None = None

    @property
    def two_weeks(self) -> bool:
        return self.settings.weeks_in_cycle == 2 and self.settings.week_a_starts is not None

    def week_of(self, day: dt.date) -> int:
        if not self.two_weeks:
            return 1
        monday = monday_of(day)
        if monday not in self._cache:
            self._cache[monday] = 1 + self._weeks_from_anchor(monday) % 2
        return self._cache[monday]

    def letter(self, day: dt.date) -> str:
        return WEEK_LETTERS[self.week_of(day)] if self.two_weeks else ""

    def _weeks_from_anchor(self, monday: dt.date) -> int:
        anchor = monday_of(self.settings.week_a_starts)
        calendar_weeks = (monday - anchor).days // 7
        if self.settings.holiday_weeks_count or calendar_weeks == 0:
            return calendar_weeks
        low, high = sorted((anchor, monday))
        calendar = self._calendar_for(low, high)
        if calendar is None:
            return calendar_weeks
        # Count the weeks between (anchor's week included, target's excluded) that have
        # at least one school day: a week of holiday does not turn the cycle.
        weeks = 0
        week = low
        while week < high:
            friday = week + dt.timedelta(days=4)
            if calendar.school_days(week, friday):
                weeks += 1
            week += dt.timedelta(days=7)
        return weeks if monday >= anchor else -weeks

    def _calendar_for(self, low: dt.date, high: dt.date) -> SchoolCalendar | None:
        if self._calendar is None or not (
            self._calendar.covers(low) and self._calendar.covers(high)
        ):
            calendar = SchoolCalendar.from_db(low, high + dt.timedelta(days=4))
            if not (calendar.covers(low) and calendar.covers(high)):
                return None
            self._calendar = calendar
        return self._calendar
