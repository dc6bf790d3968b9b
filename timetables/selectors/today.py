"""The coordinator's day: each period, who is due in the room and who is in class, the
room's use against its capacity, the register of each room lesson and the alerts.
A fixed number of queries however many placements are live."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from enigma.compiled import fetch_prepared
from enigma.models import Period, Student, User
from referrals.models import Placement
from timetables import occupancy
from timetables.models import ROOM_MODES, PlanCell, RegisterMark, WorkRequest
from timetables.selectors.calendar import calendar_between
from timetables.selectors.rows import STUDENT_NAME, USER_NAME, fields

S = RegisterMark.Status


@dataclass
class Due:
    """One student in one period of the day."""

    cell: PlanCell
    mark: RegisterMark | None
    work_status: str

    @property
    def student(self) -> Student:
        return self.cell.placement.student

    @property
    def absent(self) -> bool:
        return bool(self.mark and self.mark.status == S.ABSENT)


@dataclass
class PeriodView:
    period: Period
    in_room: list[Due] = field(default_factory=list)
    in_class: list[Due] = field(default_factory=list)
    capacity: int = 0
    state: str = "later"  # past | now | later

    @property
    def one_to_one(self) -> int:
        return sum(1 for d in self.in_room if d.cell.mode == "one_to_one")

    @property
    def over(self) -> bool:
        return len(self.in_room) > self.capacity

    @property
    def started(self) -> bool:
        return self.state != "later"

    @property
    def unmarked(self) -> list[Due]:
        return [d for d in self.in_room if d.mark is None]


@dataclass
class Alert:
    due: Due
    period: Period
    kind: str  # absent | unmarked


@dataclass
class TodayPage:
    day: dt.date
    today: dt.date
    school_day: bool
    periods: list[PeriodView]
    register: PeriodView | None
    capacity: int
    alerts: list[Alert]
    students: int

    @property
    def can_mark(self) -> bool:
        """The register shown can be taken: its lesson has started (today or earlier)."""
        return self.day <= self.today and self.register is not None and self.register.started

    @property
    def not_started(self) -> bool:
        """The register shown is of a lesson later today: it opens when the lesson starts."""
        return self.day == self.today and self.register is not None and not self.register.started

    @property
    def busiest(self) -> int:
        return max((len(p.in_room) for p in self.periods), default=0)


def _state(period: Period, day: dt.date, now: dt.datetime) -> str:
    today = now.date()
    if day < today:
        return "past"
    if day > today:
        return "later"
    t = now.time()
    if t >= period.ends_at:
        return "past"
    if t >= period.starts_at:
        return "now"
    return "later"


# A day no lesson is on, standing for the one asked for in the queries compiled once.
_ANY_DAY = dt.date(1901, 1, 4)


_STUDENT_FIELDS = fields(Student, *STUDENT_NAME)
_USER_FIELDS = fields(User, *USER_NAME)
_MARK_FIELDS = fields(RegisterMark)  # all of them
_PLACEMENT_FIELDS = fields(Placement, "id", "student_id")
_CELL_FIELDS = fields(
    PlanCell, "id", "placement_id", "date", "period_id", "mode", "subject", "room"
)


def _day_cells_query(day: dt.date):
    """The day's lessons of live placements, each with its student's name fields and its
    work request's status (one at most: unique per lesson)."""
    same_lesson = {
        "placement_id": OuterRef("placement_id"),
        "date": OuterRef("date"),
        "period_id": OuterRef("period_id"),
    }
    # One row at most by a unique key: unordered, as the models' default order would join
    # the period table in each lesson's subquery for nothing.
    work = WorkRequest.objects.filter(**same_lesson).order_by().values("status")[:1]
    return (
        PlanCell.objects.filter(date=day, placement__state__in=occupancy.LIVE)
        .annotate(work_status=Subquery(work))
        .order_by("placement__student__legal_surname", "placement__student__legal_forename", "pk")
        .values_list(
            *_CELL_FIELDS,
            "work_status",
            *(f"placement__student__{name}" for name in _STUDENT_FIELDS),
        )
    )


def _day_marks_query(day: dt.date):
    """The day's register marks, each with the fields its recorder's name is made of."""
    return (
        RegisterMark.objects.filter(date=day)
        .order_by()
        .values_list(*_MARK_FIELDS, *(f"recorded_by__{name}" for name in _USER_FIELDS))
    )


@functools.cache
def _compiled(query) -> tuple[str, tuple, tuple[int, ...]]:
    """The SQL of a query of the day, built once a process (building and compiling the
    lessons' query with its joins and subquery cost more than running it, on every view of
    the page). Returns the SQL, its parameters and where among them the day goes."""
    sql, params = query(_ANY_DAY).query.sql_with_params()
    return sql, tuple(params), tuple(i for i, p in enumerate(params) if p == _ANY_DAY)


def _rows(query, day: dt.date) -> list[tuple]:
    sql, params, at = _compiled(query)
    params = list(params)
    for i in at:
        params[i] = day
    # Prepared: planned once a connection (enigma.compiled.fetch_prepared).
    return fetch_prepared(connection.alias, sql, params)


def _day_dues(day: dt.date) -> list[Due]:
    """The day's lessons as Dues, read by two queries compiled once a process: model
    objects holding only what the page shows (the lessons of 20 students or so, with their
    students, marks and recorders, cost more to build through the ORM than to read)."""
    db = connection.alias
    marks = {}
    n_mark = len(_MARK_FIELDS)
    for row in _rows(_day_marks_query, day):
        mark = RegisterMark.from_db(db, _MARK_FIELDS, row[:n_mark])
        if mark.recorded_by_id is not None:
            mark.recorded_by = User.from_db(db, _USER_FIELDS, row[n_mark:])
        else:
            mark.recorded_by = None
        marks[(mark.placement_id, mark.period_id)] = mark
    students: dict[int, Student] = {}
    dues = []
    n_cell = len(_CELL_FIELDS)
    for row in _rows(_day_cells_query, day):
        cell = PlanCell.from_db(db, _CELL_FIELDS, row[:n_cell])
        student = row[n_cell + 1 :]
        pupil = students.get(student[0])
        if pupil is None:
            pupil = students[student[0]] = Student.from_db(db, _STUDENT_FIELDS, student)
        placement = Placement.from_db(db, _PLACEMENT_FIELDS, (cell.placement_id, pupil.pk))
        placement.student = pupil
        cell.placement = placement
        key = (cell.placement_id, cell.period_id)
        dues.append(Due(cell, marks.get(key), row[n_cell] or ""))
    return dues


def today_page(
    day: dt.date | None = None, *, period_pk: int | None = None, now: dt.datetime | None = None
) -> TodayPage:
    now = timezone.localtime(now) if now else timezone.localtime()
    today = now.date()
    day = day or today
    capacity, _ = occupancy.capacity()
    school_day = calendar_between(day, day).is_school_day(day)
    periods = list(Period.objects.filter(kind=Period.Kind.LESSON).order_by("starts_at"))
    dues = _day_dues(day)
    views = {p.pk: PeriodView(p, capacity=capacity, state=_state(p, day, now)) for p in periods}
    for due in dues:
        view = views.get(due.cell.period_id)
        if view is None:
            continue
        (view.in_room if due.cell.mode in ROOM_MODES else view.in_class).append(due)
    ordered = list(views.values())
    register = None
    if period_pk is not None:
        register = views.get(period_pk)
    if register is None:
        register = (
            next((v for v in ordered if v.state == "now"), None)
            or next((v for v in ordered if v.state == "later"), None)
            or (ordered[-1] if ordered else None)
        )
    alerts = []
    for view in ordered:
        for due in view.in_room:
            if due.absent and not due.mark.concern_entry_id:
                alerts.append(Alert(due, view.period, "absent"))
            elif due.mark is None and view.state == "past":
                alerts.append(Alert(due, view.period, "unmarked"))
    students = len({d.cell.placement_id for d in dues})
    return TodayPage(day, today, school_day, ordered, register, capacity, alerts, students)


def register_row(cell_pk: int) -> Due:
    cell = PlanCell.objects.select_related("placement__student", "period", "teacher").get(
        pk=cell_pk
    )
    mark = (
        RegisterMark.objects.filter(
            placement_id=cell.placement_id, date=cell.date, period_id=cell.period_id
        )
        .select_related("concern_entry", "recorded_by")
        .first()
    )
    status = (
        WorkRequest.objects.filter(
            placement_id=cell.placement_id, date=cell.date, period_id=cell.period_id
        )
        .values_list("status", flat=True)
        .first()
        or ""
    )
    return Due(cell, mark, status)
