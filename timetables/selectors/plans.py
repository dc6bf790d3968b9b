"""Reading a placement's plan: the week x day x period grid with each week's share of
lessons in class, room use per lesson and the work still to be set. A fixed number of
queries however long the plan or busy the room."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Exists, OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language

from enigma.formatting import day_text
from enigma.models import Period, Student, User
from referrals import dates
from referrals.models import Placement, Review
from timetables import occupancy
from timetables.cycle import WeekCycle
from timetables.models import (
    ExitOverride,
    Lesson,
    Mode,
    PlanCell,
    PlanWeekNote,
    RegisterMark,
    WorkRequest,
    lesson_locked,
)
from timetables.selectors import coverage, register
from timetables.selectors.calendar import calendar_between
from timetables.selectors.rows import STUDENT_NAME, USER_NAME, fields


def placement_for(placement_pk: int) -> Placement:
    return get_object_or_404(
        Placement.objects.select_related("student", "referral"), pk=placement_pk
    )


_PLAN_PLACEMENT_FIELDS = fields(
    Placement, "id", "student_id", "state", "start_date", "planned_exit", "actual_exit"
)
_PLAN_STUDENT_FIELDS = fields(Student, *STUDENT_NAME)
_OVERRIDE_FIELDS = fields(ExitOverride)  # all of them
_OVERRIDE_BY_FIELDS = fields(User, *USER_NAME)


def _plan_placement_query(placement_id: int):
    """The plan page's placement as one row: the fields the page shows of it and its
    student, its exit override (if any) with the name of who allowed it, and whether the
    student has a normal timetable."""
    return (
        Placement.objects.filter(pk=placement_id)
        .annotate(has_timetable=Exists(Lesson.objects.filter(student_id=OuterRef("student_id"))))
        .order_by()
        .values_list(
            *_PLAN_PLACEMENT_FIELDS,
            *(f"student__{name}" for name in _PLAN_STUDENT_FIELDS),
            *(f"exit_override__{name}" for name in _OVERRIDE_FIELDS),
            *(f"exit_override__by__{name}" for name in _OVERRIDE_BY_FIELDS),
            "has_timetable",
        )
    )


@functools.cache
def _compiled_plan_placement() -> tuple[str, tuple, int]:
    sql, params = _plan_placement_query(_ANY_PLACEMENT).query.sql_with_params()
    return sql, tuple(params), params.index(_ANY_PLACEMENT)


def plan_placement_for(placement_pk: int) -> Placement:
    """The plan page's placement, with what plan_page() would otherwise ask apart: the
    SENCO's exit override and whether the student has a normal timetable. One row, from
    SQL compiled once a process (building the query with its joins and subquery cost more
    than running it), as model objects holding only what the page shows (Http404 when
    there is no such placement)."""
    sql, params, at = _compiled_plan_placement()
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params[:at], placement_pk, *params[at + 1 :]))
        row = cursor.fetchone()
    if row is None:
        raise Http404("No such placement.")
    db = connection.alias
    ends = itertools.accumulate(
        (
            len(_PLAN_PLACEMENT_FIELDS),
            len(_PLAN_STUDENT_FIELDS),
            len(_OVERRIDE_FIELDS),
            len(_OVERRIDE_BY_FIELDS),
        )
    )
    a, b, c, d = ends
    placement = Placement.from_db(db, _PLAN_PLACEMENT_FIELDS, row[:a])
    placement.student = Student.from_db(db, _PLAN_STUDENT_FIELDS, row[a:b])
    override = None
    if row[b] is not None:  # the override's id: it has one
        override = ExitOverride.from_db(db, _OVERRIDE_FIELDS, row[b:c])
        override.by = User.from_db(db, _OVERRIDE_BY_FIELDS, row[c:d])
    # As select_related("exit_override") leaves it: read, whether there is one or not.
    Placement.exit_override.related.set_cached_value(placement, override)
    placement.has_timetable = row[d]
    return placement


# A placement id no placement has, standing for the one asked for in the compiled query.
_ANY_PLACEMENT = -7_340_981_652_197


@dataclass(slots=True)
class PlanLesson:
    """One lesson of a placement's plan as the plan page reads it: a PlanCell's few fields
    the grid shows, with its work request's status and its register mark's (one of each
    at most: unique per lesson), and its period (one Period object per period, shared)."""

    pk: int
    date: dt.date
    period_id: int
    mode: str
    subject: str
    work_status: str | None
    mark_status: str | None
    period: Period


def _plan_lessons_query(placement_id: int):
    same_lesson = {
        "placement_id": OuterRef("placement_id"),
        "date": OuterRef("date"),
        "period_id": OuterRef("period_id"),
    }
    return (
        PlanCell.objects.filter(placement_id=placement_id)
        .annotate(
            # Each finds one row at most by a unique key, so neither is ordered: the models'
            # default order (by date and the period's start) joined the period table in
            # each of the 150 lessons' subqueries for nothing (~0.5 ms a view).
            work_status=Subquery(
                WorkRequest.objects.filter(**same_lesson).order_by().values("status")[:1]
            ),
            mark_status=Subquery(
                RegisterMark.objects.filter(**same_lesson).order_by().values("status")[:1]
            ),
        )
        .order_by()
        .values_list(
            "pk",
            "date",
            "period_id",
            "mode",
            "subject",
            "work_status",
            "mark_status",
            "period__name",
            "period__kind",
            "period__starts_at",
            "period__ends_at",
        )
    )


@functools.cache
def _compiled_plan_lessons() -> tuple[str, tuple, int]:
    """The SQL of _plan_lessons_query, built once a process: building and compiling the
    query and its two subqueries cost about as much as running it, on every view of the
    plan. Returns the SQL, its parameters and where among them the placement's id goes."""
    sql, params = _plan_lessons_query(_ANY_PLACEMENT).query.sql_with_params()
    return sql, tuple(params), params.index(_ANY_PLACEMENT)


def _plan_lessons(placement_id: int) -> list[PlanLesson]:
    """The plan's lessons as plain rows, in one query (a few hundred lessons: a model
    object for each, its period's and its teacher's cost more than the query)."""
    sql, params, at = _compiled_plan_lessons()
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params[:at], placement_id, *params[at + 1 :]))
        rows = cursor.fetchall()
    periods: dict[int, Period] = {}
    lessons = []
    for pk, day, period_id, mode, subject, work, mark, name, kind, starts, ends in rows:
        period = periods.get(period_id)
        if period is None:
            period = periods[period_id] = Period(
                id=period_id, name=name, kind=kind, starts_at=starts, ends_at=ends
            )
        lessons.append(PlanLesson(pk, day, period_id, mode, subject, work, mark, period))
    return lessons


_NOTE_FIELDS = fields(PlanWeekNote)  # all of them
# What a review is named by (str(review): its kind and number).
_REVIEW_FIELDS = fields(Review, "id", "placement_id", "number", "kind")


def _week_notes_query(placement_id: int):
    return PlanWeekNote.objects.filter(placement_id=placement_id).values_list(
        *_NOTE_FIELDS, *(f"review__{name}" for name in _REVIEW_FIELDS)
    )


def _held_reviews_query(placement_id: int):
    return (
        Review.objects.filter(placement_id=placement_id, held_on__isnull=False)
        .order_by("number")
        .values_list(*_REVIEW_FIELDS)
    )


@functools.cache
def _compiled_for_placement(query) -> tuple[str, tuple, int]:
    """A query of one placement's rows, its SQL built once a process (see
    _compiled_plan_lessons)."""
    sql, params = query(_ANY_PLACEMENT).query.sql_with_params()
    return sql, tuple(params), params.index(_ANY_PLACEMENT)


def _placement_rows(query, placement_id: int) -> list[tuple]:
    sql, params, at = _compiled_for_placement(query)
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params[:at], placement_id, *params[at + 1 :]))
        return cursor.fetchall()


def _week_notes(placement_id: int) -> list[PlanWeekNote]:
    """The placement's week notes, each with the review it was agreed at (its name)."""
    db = connection.alias
    n = len(_NOTE_FIELDS)
    notes = []
    for row in _placement_rows(_week_notes_query, placement_id):
        note = PlanWeekNote.from_db(db, _NOTE_FIELDS, row[:n])
        note.review = None if row[n] is None else Review.from_db(db, _REVIEW_FIELDS, row[n:])
        notes.append(note)
    return notes


def held_reviews(placement_id: int) -> list[Review]:
    """The placement's reviews held so far, in order: what a week of the plan may be
    agreed at (the whole-week forms' choices, named by kind and number)."""
    db = connection.alias
    return [
        Review.from_db(db, _REVIEW_FIELDS, row)
        for row in _placement_rows(_held_reviews_query, placement_id)
    ]


@functools.lru_cache(maxsize=1024)
def _day_label_in(day: dt.date, language: str | None) -> str:
    return date_format(day, "D j M")


def _day_label(day: dt.date) -> str:
    """ "Mon 3 Nov", as the grid names a day: kept, like enigma.formatting.day_text (the
    words depend only on the day and the language)."""
    return _day_label_in(day, get_language())


@dataclass
class CellView:
    """One lesson of the plan, with what its cell shows worked out once here: the grid
    renders about 150 of these, and a lookup or a date format in the template costs more
    per cell than the same in Python."""

    cell: PlanCell | PlanLesson
    use: occupancy.Use
    capacity: int
    work_status: str = ""
    editable: bool = False
    locked: str = ""  # why the lesson can no longer change (started, or on the register)
    today: dt.date | None = None  # "upcoming" is measured from this day (default: today)
    day_label: str = ""  # the lesson's day as the grid names it ("Mon 3 Nov")
    # Worked out from the above in __post_init__:
    pk: int = 0
    mode: str = ""
    mode_label: str = ""
    subject: str = ""
    period_name: str = ""
    upcoming: bool = False  # today or later: the room's use is shown (and counted) only then
    full: bool = False
    work_missing: bool = False

    def __post_init__(self):
        cell = self.cell
        self.pk = cell.pk
        self.mode = cell.mode
        self.mode_label = Mode(cell.mode).label
        self.subject = cell.subject
        self.period_name = cell.period.name
        self.day_label = self.day_label or date_format(cell.date, "D j M")
        self.upcoming = cell.date >= (self.today or timezone.localdate())
        self.full = self.upcoming and self.use.room > self.capacity
        self.work_missing = (
            cell.mode == Mode.ROOM and self.work_status == WorkRequest.Status.REQUESTED
        )

    @property
    def room_count(self) -> int:
        """Students in the room in this lesson, this one included when it is there."""
        return self.use.room


@dataclass
class DayView:
    date: dt.date
    label: str = ""  # "Mon 3 Nov", formatted once for the column and its cells
    text: str = ""  # "Mon 3 Nov 2026", for the reasons a lesson is locked


@dataclass
class WeekView:
    """One school week of the placement (referrals.dates.school_weeks): its school days,
    from `first` (a Monday only when the placement's days fall so)."""

    first: dt.date
    number: int
    letter: str
    days: list[DayView]
    rows: list[tuple[Period, list[CellView | None]]] = field(default_factory=list)
    lessons: int = 0
    in_class: int = 0
    one_to_one: int = 0
    work_missing: int = 0
    note: PlanWeekNote | None = None
    subjects: list[str] = field(default_factory=list)
    subjects_in_class: list[str] = field(default_factory=list)
    editable: bool = False
    form: object = None  # the whole-week form, when the viewer may change the week

    @property
    def percent_in_class(self) -> int:
        return round(100 * self.in_class / self.lessons) if self.lessons else 0

    @property
    def anchor(self) -> str:
        return f"week-{self.first:%Y-%m-%d}"

    @property
    def last(self) -> dt.date:
        return self.days[-1].date


@dataclass
class PlanPage:
    placement: Placement
    weeks: list[WeekView]
    today: dt.date
    capacity: int
    one_to_one_spaces: int
    has_timetable: bool
    missing_cells: bool
    subjects_missed: list[str]
    override: ExitOverride | None
    cells: int

    @property
    def editable(self) -> bool:
        return self.placement.state in occupancy.LIVE


def plan_page(placement: Placement, *, today: dt.date | None = None) -> PlanPage:
    today = today or timezone.localdate()
    capacity, spaces = occupancy.capacity()
    if not placement.start_date or not placement.planned_exit:
        return PlanPage(placement, [], today, capacity, spaces, False, False, [], None, 0)
    last = placement.actual_exit or placement.planned_exit
    # The placement's days alone: the weeks are counted from its school days (the calendar
    # to the end of next year, that dates.calendar_for loads, was worked out day by day).
    calendar = calendar_between(placement.start_date, last)
    school_weeks = dates.school_weeks(placement.start_date, last, calendar)
    school_days = [day for week_days in school_weeks for day in week_days]
    cells = _plan_lessons(placement.pk)
    work = {(c.date, c.period_id): c.work_status for c in cells if c.work_status}
    upcoming = [c.date for c in cells if c.date >= today]
    use = occupancy.room_use_between(min(upcoming), max(upcoming)) if upcoming else {}
    marked = {(c.date, c.period_id) for c in cells if c.mark_status}
    notes = {n.week_start: n for n in _week_notes(placement.pk)}
    periods = {c.period_id: c.period for c in cells}
    ordered_periods = sorted(periods.values(), key=lambda p: p.starts_at)
    by_key = {(c.date, c.period_id): c for c in cells}
    cycle = WeekCycle()
    editable = placement.state in occupancy.LIVE
    weeks: list[WeekView] = []
    for number, week_days in enumerate(school_weeks, start=1):
        days = [DayView(day, _day_label(day), day_text(day)) for day in week_days]
        letters = dict.fromkeys(cycle.letter(day) for day in week_days if cycle.letter(day))
        week = WeekView(week_days[0], number, "/".join(letters), days, note=notes.get(week_days[0]))
        subjects: set[str] = set()
        back: set[str] = set()
        for period in ordered_periods:
            row: list[CellView | None] = []
            for day in days:
                cell = by_key.get((day.date, period.pk))
                if cell is None:
                    row.append(None)
                    continue
                locked = lesson_locked(
                    cell,
                    today=today,
                    marked=(cell.date, cell.period_id) in marked,
                    day_text=day.text,
                )
                view = CellView(
                    cell,
                    use.get((cell.date, cell.period_id), occupancy.Use()),
                    capacity,
                    work.get((cell.date, cell.period_id), ""),
                    editable=editable and not locked,
                    locked=locked,
                    today=today,
                    day_label=day.label,
                )
                row.append(view)
                week.lessons += 1
                subjects.add(cell.subject)
                if cell.mode == Mode.CLASS:
                    week.in_class += 1
                    back.add(cell.subject)
                elif cell.mode == Mode.ONE_TO_ONE:
                    week.one_to_one += 1
                if view.work_missing:
                    week.work_missing += 1
                week.editable = week.editable or view.editable
            if any(row):
                week.rows.append((period, row))
        week.subjects = sorted(subjects)
        week.subjects_in_class = sorted(back)
        weeks.append(week)
    has_timetable = getattr(placement, "has_timetable", None)
    if has_timetable is None:
        has_timetable = Lesson.objects.filter(student_id=placement.student_id).exists()
    planned_days = {c.date for c in cells}
    missing = (
        has_timetable
        and editable
        and any(d >= today and d not in planned_days for d in school_days)
    )
    if Placement.exit_override.is_cached(placement):
        override = getattr(placement, "exit_override", None)
    else:
        override = ExitOverride.objects.filter(placement=placement).select_related("by").first()
    missed = coverage.missed_in((c.subject, c.mode, c.mark_status) for c in cells if c.date <= last)
    return PlanPage(
        placement,
        weeks,
        today,
        capacity,
        spaces,
        has_timetable,
        missing,
        missed,
        override,
        len(cells),
    )


def cell_for(cell_pk: int) -> PlanCell:
    return get_object_or_404(
        PlanCell.objects.select_related("period", "placement__student", "teacher"), pk=cell_pk
    )


def cell_view(cell: PlanCell, *, today: dt.date | None = None) -> CellView:
    today = today or timezone.localdate()
    capacity, _ = occupancy.capacity()
    use = occupancy.room_use([cell.date]).get((cell.date, cell.period_id), occupancy.Use())
    status = (
        WorkRequest.objects.filter(
            placement_id=cell.placement_id, date=cell.date, period_id=cell.period_id
        )
        .values_list("status", flat=True)
        .first()
        or ""
    )
    marked = RegisterMark.objects.filter(
        placement_id=cell.placement_id, date=cell.date, period_id=cell.period_id
    ).exists()
    locked = lesson_locked(cell, today=today, marked=marked)
    editable = cell.placement.state in occupancy.LIVE and not locked
    return CellView(cell, use, capacity, status, editable=editable, locked=locked, today=today)


@dataclass
class PlanPanel:
    placement: Placement
    this_week: WeekView | None
    next_week: WeekView | None
    work_missing: int
    subjects_missed: list[str]
    register_text: str
    cells: int


def plan_panel(placement: Placement, *, today: dt.date | None = None) -> PlanPanel:
    """The plan in brief, for the placement page and the review form."""
    today = today or timezone.localdate()
    page = plan_page(placement, today=today)
    # The week today falls in, as referrals.dates.week_number counts (a day off belongs to
    # the week of the school day before it); none before the start or after the exit.
    begun = [w for w in page.weeks if w.first <= today]
    this_week = begun[-1] if begun and today <= page.weeks[-1].last else None
    next_week = next((w for w in page.weeks if w.first > today), None)
    work_missing = sum(w.work_missing for w in page.weeks if w.last >= today)
    register_text = ""
    if placement.start_date and placement.start_date <= today:
        register_text = register.summary(placement, placement.start_date, today).text()
    return PlanPanel(
        placement,
        this_week,
        next_week,
        work_missing,
        page.subjects_missed,
        register_text,
        page.cells,
    )
