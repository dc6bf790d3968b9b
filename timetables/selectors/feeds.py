"""Reads for the printable week timetable: where the student on a placement is, period by
period, for one school week (Monday to Friday), with breaks, lunch and registration as
rows too so that the student can follow the whole day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.shortcuts import get_object_or_404

from enigma.formatting import day_text
from enigma.inputs import parse_date
from enigma.models import NonSchoolDay, Period, SchoolSettings, Student
from enigma.school_calendar import SchoolCalendar
from referrals.models import Placement
from timetables.models import Mode, PlanCell, monday_of

ONE_WEEK = dt.timedelta(days=7)
SCHOOL_DAYS_IN_WEEK = 5


def placement_for_print(user, placement_pk) -> Placement:
    """A placement of a student `user` may see, or 404 (never say that it exists)."""
    visible = Placement.objects.filter(student__in=Student.objects.visible_to(user))
    return get_object_or_404(visible.select_related("student"), pk=placement_pk)


def teacher_name(cell: PlanCell) -> str:
    """The teacher as a student or parent reads it; never an email address."""
    if cell.teacher_id:
        name = cell.teacher.display_name or cell.teacher.get_full_name()
        if name:
            return name
    return cell.teacher_code


def room_name() -> str:
    school = SchoolSettings.load()
    return school.room_name if school else "Enigma room"


def cell_text(cell: PlanCell, room: str) -> str:
    """Where to be: "In class: Maths, 9X/Ma1, room M4, Mr Jones", "In the Enigma room:
    Maths work" or "In the Enigma room: 1:1 session"."""
    if cell.mode == Mode.ONE_TO_ONE:
        return f"In the {room}: 1:1 session"
    if cell.mode == Mode.ROOM:
        return f"In the {room}: {cell.subject} work"
    parts = [cell.subject, cell.class_code, f"room {cell.room}" if cell.room else ""]
    parts.append(teacher_name(cell))
    return "In class: " + ", ".join(p for p in parts if p)


# --- which week -------------------------------------------------------------------------


def placement_mondays(placement: Placement) -> tuple[dt.date, dt.date] | None:
    """The Mondays of the placement's first and last weeks (None before it has dates)."""
    if placement.start_date is None:
        return None
    last = placement.last_day or placement.start_date
    return monday_of(placement.start_date), monday_of(max(last, placement.start_date))


def chosen_week(placement: Placement, asked: str | None, today: dt.date) -> dt.date:
    """The Monday of the week to show: the one asked for (?week=any day in it), else this
    week; kept within the placement, so before it starts this is its first week."""
    monday = monday_of(today)
    if day := parse_date(asked):
        monday = monday_of(day)
    bounds = placement_mondays(placement)
    if bounds is None:
        return monday
    first, last = bounds
    return min(max(monday, first), last)


# --- the grid ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Day:
    date: dt.date
    label: str
    # Why the student has no timetable that day ("No school: half-term"); "" otherwise.
    closed: str = ""


@dataclass(frozen=True)
class GridCell:
    text: str
    kind: str  # a Mode value, "other" (break, lunch, registration), "none" or "closed"
    rowspan: int = 1


@dataclass(frozen=True)
class Row:
    period: Period
    is_lesson: bool
    # One per day; a closed day's single cell spans every row, so later rows skip it.
    cells: list[GridCell]


@dataclass(frozen=True)
class PrintWeek:
    placement: Placement
    monday: dt.date
    days: list[Day]
    rows: list[Row]
    previous: dt.date | None
    next: dt.date | None
    room_name: str

    @property
    def student(self) -> Student:
        return self.placement.student

    @property
    def title(self) -> str:
        return f"Week of {day_text(self.monday)}"

    @property
    def has_dates(self) -> bool:
        return self.placement.start_date is not None


def _no_school_reason(day: dt.date, calendar: SchoolCalendar, closures: dict) -> str:
    if day in closures:
        return closures[day]
    term = calendar.term_for(day)
    if term is None:
        return "holiday"
    if term.in_half_term(day):
        return "half-term"
    return ""


def _days(placement: Placement, monday: dt.date) -> list[Day]:
    dates = [monday + dt.timedelta(days=i) for i in range(SCHOOL_DAYS_IN_WEEK)]
    calendar = SchoolCalendar.from_db(dates[0], dates[-1])
    closures = {
        d.date: d.description or d.get_kind_display()
        for d in NonSchoolDay.objects.filter(date__range=(dates[0], dates[-1]))
    }
    first, last = placement.start_date, placement.last_day
    days = []
    for day in dates:
        closed = ""
        if not calendar.is_school_day(day):
            reason = _no_school_reason(day, calendar, closures)
            closed = f"No school: {reason}" if reason else "No school"
        elif first is None or day < first or (last is not None and day > last):
            closed = "Usual timetable (not on the placement this day)"
        days.append(Day(day, day_text(day), closed))
    return days


def _cells_by_slot(placement: Placement, days: list[Day]) -> dict[tuple, PlanCell]:
    cells = PlanCell.objects.filter(
        placement=placement, date__range=(days[0].date, days[-1].date)
    ).select_related("teacher")
    return {(c.date, c.period_id): c for c in cells}


def print_week(placement: Placement, monday: dt.date) -> PrintWeek:
    """The days x periods grid of one week of the placement's plan."""
    room = room_name()
    days = _days(placement, monday)
    periods = list(Period.objects.order_by("starts_at"))
    plan = _cells_by_slot(placement, days)
    rows = []
    for index, period in enumerate(periods):
        is_lesson = period.kind == Period.Kind.LESSON
        cells = []
        for day in days:
            if day.closed:
                if index == 0:
                    cells.append(GridCell(day.closed, "closed", rowspan=len(periods)))
                continue
            if not is_lesson:
                cells.append(GridCell(period.get_kind_display(), "other"))
            elif (cell := plan.get((day.date, period.pk))) is not None:
                cells.append(GridCell(cell_text(cell, room), cell.mode))
            else:
                cells.append(GridCell("No lesson", "none"))
        rows.append(Row(period, is_lesson, cells))
    bounds = placement_mondays(placement)
    previous = next_week = None
    if bounds is not None:
        first, last = bounds
        previous = monday - ONE_WEEK if monday > first else None
        next_week = monday + ONE_WEEK if monday < last else None
    return PrintWeek(placement, monday, days, rows, previous, next_week, room)
