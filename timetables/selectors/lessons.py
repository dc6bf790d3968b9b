"""Reads for students' normal timetables: the week grids and the lists the forms offer."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from enigma.models import Period, Student, User
from enigma.permissions import get_student_for
from timetables.mis_import.cells import USABLE_KINDS
from timetables.models import WEEKDAYS, Lesson, TimetableSettings


def lesson_periods() -> QuerySet[Period]:
    """The periods a lesson may be in (lesson and registration; never break or lunch)."""
    return Period.objects.filter(kind__in=USABLE_KINDS)


def teachers() -> QuerySet[User]:
    return User.objects.filter(is_active=True).order_by("last_name", "first_name")


def lesson_for(user, lesson_pk) -> Lesson:
    """A lesson of a student `user` may see, or 404."""
    lesson = get_object_or_404(
        Lesson.objects.select_related("period", "teacher", "student"), pk=lesson_pk
    )
    get_student_for(user, lesson.student_id)
    return lesson


def lesson_in_slot(student: Student, week: int, day: int, period: Period) -> Lesson | None:
    return Lesson.objects.filter(student=student, week=week, day=day, period=period).first()


@dataclass
class Cell:
    day: int
    day_name: str
    period: Period
    lesson: Lesson | None


@dataclass
class GridRow:
    period: Period
    cells: list[Cell]


@dataclass
class WeekGrid:
    week: int
    title: str
    note: str = ""
    rows: list[GridRow] = field(default_factory=list)
    lessons: int = 0


def timetable_grids(student: Student, settings_row: TimetableSettings) -> list[WeekGrid]:
    """Week A (and week B) as days x periods: every lesson period, and any other period
    the student has a lesson in."""
    lessons = list(
        Lesson.objects.filter(student=student).select_related("period", "teacher").order_by()
    )
    slots = {(x.week, x.day, x.period_id): x for x in lessons}
    used = {x.period_id for x in lessons}
    periods = [
        p
        for p in Period.objects.order_by("starts_at")
        if p.kind == Period.Kind.LESSON or p.pk in used
    ]
    two_weeks = settings_row.weeks_in_cycle == 2
    weeks = [1, 2] if two_weeks or any(x.week == 2 for x in lessons) else [1]
    grids = []
    for week in weeks:
        if two_weeks:
            grid = WeekGrid(week, f"Week {'AB'[week - 1]}")
        elif week == 1:
            grid = WeekGrid(week, "Every week")
        else:
            grid = WeekGrid(
                week,
                "Week B",
                "Not used while the school's timetable is one week (see the timetable settings).",
            )
        for period in periods:
            cells = [
                Cell(day, name, period, slots.get((week, day, period.pk)))
                for day, name in WEEKDAYS.items()
            ]
            grid.rows.append(GridRow(period, cells))
        grid.lessons = sum(1 for x in lessons if x.week == week)
        grids.append(grid)
    return grids


def import_counts() -> dict:
    """How many students have lessons, and from where (for the import page)."""
    return Lesson.objects.aggregate(
        students=Count("student", distinct=True),
        imported=Count("pk", filter=Q(source=Lesson.Source.IMPORT)),
        hand=Count("pk", filter=Q(source=Lesson.Source.HAND)),
    )


def students_with_week_b() -> int:
    return Lesson.objects.filter(week=2).values("student").distinct().count()
