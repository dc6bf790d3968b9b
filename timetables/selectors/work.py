"""Reading work requests: a class teacher's My students page, the room team's view of
work still to set, to complete and to return, the Today panel and the CSV export.

Every read is a fixed number of queries however many requests there are: the rows come
in one query each, with what they show joined in, and are grouped in Python.
"""

from __future__ import annotations

import datetime as dt
import functools
from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone

from enigma.compiled import fetch_prepared
from enigma.models import AuditEvent, Student
from enigma.school_calendar import CalendarError
from referrals.models import Placement
from timetables.models import (
    ROOM_MODES,
    Lesson,
    Mode,
    PlanCell,
    WorkRequest,
    monday_of,
    teacher_name,
)
from timetables.selectors.calendar import calendar_between
from timetables.selectors.rows import STUDENT_NAME, fields

S = WorkRequest.Status
# Requests a teacher may still set (or change); after completion the work is fixed.
CHANGEABLE = (S.REQUESTED, S.SET)
WEEK = dt.timedelta(days=7)


def teaching_weeks(today: dt.date) -> tuple[dt.date, dt.date]:
    """The Mondays of "this week" and "next week" (at the weekend, the coming week)."""
    monday = monday_of(today)
    if today.weekday() >= 5:
        monday += WEEK
    return monday, monday + WEEK


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The Monday and Friday of the school week of `day`."""
    monday = monday_of(day)
    return monday, monday + dt.timedelta(days=4)


def same_class_filter(work: WorkRequest) -> Q:
    """The teacher's lessons of the same class in the same school week as `work` (itself
    included). A lesson with no class code is matched only for the same student."""
    monday, friday = week_of(work.date)
    q = Q(
        teacher_id=work.teacher_id,
        subject=work.subject,
        class_code=work.class_code,
        date__gte=monday,
        date__lte=friday,
        status__in=CHANGEABLE,
        placement__state__in=Placement.HOLDING,
    )
    if not work.class_code:
        q &= Q(placement_id=work.placement_id)
    return q


def _class_key(work: WorkRequest) -> tuple:
    return (
        work.subject,
        work.class_code,
        week_of(work.date)[0],
        None if work.class_code else work.placement_id,
    )


# --- deadlines ---------------------------------------------------------------------------


class Deadlines:
    """Work is due by the end of the school day before its lesson: Friday for a Monday
    lesson, the last day before a holiday for the first lesson after it. Reads the
    calendar once (two queries)."""

    def __init__(self, today: dt.date, dates=()):
        self.today = today
        dates = [*dates, today]
        start = min(dates) - dt.timedelta(days=30)
        end = max(dates) + dt.timedelta(days=60)
        self._days = calendar_between(start, end).school_days(start, end)

    def due_by(self, lesson_day: dt.date) -> dt.date:
        i = bisect_left(self._days, lesson_day)
        return self._days[i - 1] if i else lesson_day - dt.timedelta(days=1)

    def first_from_today(self) -> dt.date:
        """Today on a school day, else the next one (a lesson on or before it is late)."""
        i = bisect_left(self._days, self.today)
        return self._days[i] if i < len(self._days) else self.today

    def overdue(self, lesson_day: dt.date) -> bool:
        return self.today > self.due_by(lesson_day)

    def due_today(self, lesson_day: dt.date) -> bool:
        return self.today == self.due_by(lesson_day)


def _deadlines(today: dt.date, dates) -> Deadlines | None:
    try:
        return Deadlines(today, dates)
    except CalendarError:
        return None


def _flag_with(rows, today: dt.date, deadlines: Deadlines | None):
    for w in rows:
        if deadlines:
            w.due_by = deadlines.due_by(w.date)
            w.overdue = deadlines.overdue(w.date)
            w.due_today = deadlines.due_today(w.date)
        else:  # no calendar to ask: at least a lesson today or past is late
            w.due_by = w.date - dt.timedelta(days=1)
            w.overdue = w.date <= today
            w.due_today = False
    return rows


def _flag(rows: list[WorkRequest], today: dt.date) -> list[WorkRequest]:
    """Mark each open request with due_by, overdue and due_today (the calendar: two
    queries, none when there are no rows)."""
    if not rows:
        return rows
    return _flag_with(rows, today, _deadlines(today, {w.date for w in rows}))


# --- My students ---------------------------------------------------------------------------


@dataclass
class LessonRow:
    date: dt.date
    period_name: str
    starts_at: dt.time
    subject: str
    class_code: str
    mode: str  # a timetables.models.Mode value
    in_room: bool
    work: WorkRequest | None = None
    form: object = None  # the view adds the set-work form of an open request


@dataclass
class WeekRows:
    monday: dt.date
    label: str
    rows: list[LessonRow] = field(default_factory=list)

    @property
    def in_room(self) -> int:
        return sum(1 for r in self.rows if r.in_room)


@dataclass
class StudentRow:
    placement: Placement
    weeks: list[WeekRows]
    earlier: list[WorkRequest]  # this placement's requests before this week, newest first

    @property
    def student(self):
        return self.placement.student

    @property
    def needing(self) -> list[LessonRow]:
        """This week's and next week's room lessons whose work is still to set or may
        still change, in lesson order."""
        return [
            r
            for w in self.weeks
            for r in w.rows
            if r.work is not None and r.work.status in CHANGEABLE
        ]


@dataclass
class MyStudents:
    today: dt.date
    mondays: tuple[dt.date, dt.date]
    students: list[StudentRow]

    @property
    def to_set(self) -> int:
        return sum(
            1
            for s in self.students
            for w in s.weeks
            for r in w.rows
            if r.work is not None and r.work.status == S.REQUESTED
        )


def my_placements(user):
    """The live (scheduled or active) placements of the students `user` teaches: those
    with a plan cell, a lesson or a work request of theirs."""
    return (
        Placement.objects.filter(state__in=Placement.HOLDING)
        .filter(
            Exists(PlanCell.objects.filter(placement=OuterRef("pk"), teacher=user))
            | Exists(Lesson.objects.filter(student=OuterRef("student_id"), teacher=user))
            | Exists(WorkRequest.objects.filter(placement=OuterRef("pk"), teacher=user))
        )
        .select_related("student")
        .order_by("student__legal_surname", "student__legal_forename", "pk")
    )


# Stand-ins for the teacher and the days in a query compiled once (no user has the id, and
# no lesson is on either day).
_ANY_USER = -7_340_981_652_199
_ANY_FROM, _ANY_TO = dt.date(1901, 1, 2), dt.date(1901, 1, 3)


def _my_lessons_query(user_id, first: dt.date, last: dt.date):
    """The teacher's lessons of live placements from `first` to `last`, as plain rows (a
    model object each, and one for its period, cost more than the query)."""
    return (
        PlanCell.objects.filter(
            teacher_id=user_id,
            placement__state__in=Placement.HOLDING,
            date__gte=first,
            date__lte=last,
        )
        .order_by()
        .values_list(
            "placement_id",
            "date",
            "period_id",
            "period__name",
            "period__starts_at",
            "subject",
            "class_code",
            "mode",
        )
    )


def _my_requests_query(user_id, first=None, last=None):
    """The teacher's requests of live placements not cancelled, each with its period's name
    and start (not a copy of the period each)."""
    return (
        WorkRequest.objects.filter(teacher_id=user_id, placement__state__in=Placement.HOLDING)
        .exclude(status=S.CANCELLED)
        .annotate(period_name=F("period__name"), period_starts_at=F("period__starts_at"))
        .order_by("date", "period__starts_at", "pk")
    )


@functools.cache
def _compiled(query) -> tuple[str, tuple]:
    """A query's SQL and parameters, built once a process with the stand-ins above (to be
    swapped for the values asked about): building and compiling it cost more than running
    it, on every view of My students."""
    sql, params = query(_ANY_USER, _ANY_FROM, _ANY_TO).query.sql_with_params()
    return sql, tuple(params)


def _compiled_rows(query, values: dict) -> list[tuple]:
    """query's rows, from its SQL compiled once (_compiled) with `values` put in place of
    the stand-ins, run as a prepared statement (enigma.compiled.fetch_prepared): planned
    once a connection, not on every view."""
    sql, params = _compiled(query)
    return fetch_prepared(connection.alias, sql, [values.get(p, p) for p in params])


_PLACEMENT_FIELDS = fields(Placement, "id", "student_id", "state", "start_date", "planned_exit")
_STUDENT_FIELDS = fields(Student, *STUDENT_NAME, "tutor_group")


def _my_placements_query(user_id, first=None, last=None):
    """my_placements() as plain rows: the fields of each placement and its student that
    the page shows."""
    return my_placements(user_id).values_list(
        *_PLACEMENT_FIELDS, *(f"student__{name}" for name in _STUDENT_FIELDS)
    )


def _my_placements(values: dict) -> list[Placement]:
    """my_placements() from its SQL compiled once a process (its three subqueries and the
    student's join cost more to build than to run), as model objects holding only what
    the page shows."""
    db = connection.alias
    n = len(_PLACEMENT_FIELDS)
    placements = []
    for row in _compiled_rows(_my_placements_query, values):
        placement = Placement.from_db(db, _PLACEMENT_FIELDS, row[:n])
        placement.student = Student.from_db(db, _STUDENT_FIELDS, row[n:])
        placements.append(placement)
    return placements


_WORK_FIELDS = fields(WorkRequest)  # all of them


def _my_requests(values: dict) -> list[WorkRequest]:
    """_my_requests_query's rows as model objects, built straight from the cursor's rows
    (a hundred or so: RawQuerySet's matching of columns to fields cost a third as much
    again), each with its period's name and start."""
    db = connection.alias
    n = len(_WORK_FIELDS)
    requests = []
    for row in _compiled_rows(_my_requests_query, values):
        work = WorkRequest.from_db(db, _WORK_FIELDS, row[:n])
        work.period_name, work.period_starts_at = row[n:]
        requests.append(work)
    return requests


def my_students(user, today: dt.date) -> MyStudents:
    """Three queries: the placements, the teacher's plan cells of this week and next, and
    the teacher's work requests for those placements."""
    this_monday, next_monday = teaching_weeks(today)
    end = next_monday + dt.timedelta(days=4)
    # The teacher's lessons and requests of live placements are those of the placements
    # (each is one of the reasons a placement is listed), so their queries need not name
    # the placements; all three are built once a process (_compiled).
    values = {_ANY_USER: user.pk, _ANY_FROM: this_monday, _ANY_TO: end}
    placements = _my_placements(values)
    cells = _compiled_rows(_my_lessons_query, values)
    requests = _my_requests(values)
    same_class = Counter(_class_key(w) for w in requests if w.status in CHANGEABLE)
    for w in requests:
        w.same_class_count = same_class[_class_key(w)] if w.status in CHANGEABLE else 0
    _flag([w for w in requests if w.status == S.REQUESTED], today)

    by_slot = {(w.placement_id, w.date, w.period_id): w for w in requests}
    rows: dict[int, dict[dt.date, list[LessonRow]]] = defaultdict(lambda: defaultdict(list))
    for placement_id, day, period_id, period_name, starts_at, subject, code, mode in cells:
        in_room = mode in ROOM_MODES
        work = by_slot.pop((placement_id, day, period_id), None)
        rows[placement_id][monday_of(day)].append(
            LessonRow(
                day,
                period_name,
                starts_at,
                subject,
                code,
                mode,
                in_room,
                work if in_room else None,
            )
        )
    earlier: dict[int, list[WorkRequest]] = defaultdict(list)
    for w in by_slot.values():  # requests without a plan cell of this teacher this fortnight
        if this_monday <= w.date <= end:
            rows[w.placement_id][monday_of(w.date)].append(
                LessonRow(
                    w.date,
                    w.period_name,
                    w.period_starts_at,
                    w.subject,
                    w.class_code,
                    Mode.ROOM,
                    True,
                    w,
                )
            )
        elif w.date < this_monday:
            earlier[w.placement_id].append(w)

    students = []
    for p in placements:
        weeks = []
        for monday, label in ((this_monday, "This week"), (next_monday, "Next week")):
            week_rows = sorted(rows[p.pk][monday], key=lambda r: (r.date, r.starts_at))
            weeks.append(WeekRows(monday, label, week_rows))
        back = sorted(earlier[p.pk], key=lambda w: (w.date, w.period_starts_at), reverse=True)
        students.append(StudentRow(p, weeks, back))
    return MyStudents(today, (this_monday, next_monday), students)


def work_for_teacher(user, work_pk) -> WorkRequest | None:
    """One of the teacher's own requests (None for anyone else's: the view answers 404)."""
    try:
        pk = int(work_pk)
    except (TypeError, ValueError):
        return None
    return (
        WorkRequest.objects.filter(pk=pk, teacher=user)
        .select_related("placement__student", "period", "set_by", "completed_by")
        .first()
    )


def changeable_for_teacher(user):
    """The teacher's requests they may still set or change, of live placements (what the
    set-several-lessons form may choose from)."""
    return (
        WorkRequest.objects.filter(
            teacher=user, status__in=CHANGEABLE, placement__state__in=Placement.HOLDING
        )
        .select_related("placement__student", "period")
        .order_by("date", "period__starts_at", "pk")
    )


def same_class_count(work: WorkRequest) -> int:
    if work.status not in CHANGEABLE or not work.teacher_id:
        return 0
    return WorkRequest.objects.filter(same_class_filter(work)).count()


# --- the room team ------------------------------------------------------------------------


def _room_queryset():
    """Requests of live placements, with what the room team's pages show joined in."""
    return (
        WorkRequest.objects.filter(placement__state__in=Placement.HOLDING)
        .select_related("placement__student", "teacher", "period")
        .order_by("date", "period__starts_at", "pk")
    )


@dataclass
class Group:
    label: str
    rows: list[WorkRequest]

    @property
    def overdue(self) -> int:
        return sum(1 for w in self.rows if w.overdue)


# A teacher is nudged at most once in this long (the outbox also keeps one a day).
NUDGE_GAP = dt.timedelta(hours=24)
NUDGED = "timetables.work_nudged"  # the audit action (timetables.services.work)


@dataclass
class TeacherSummary:
    """One teacher's open requests: how many, how many overdue, how many due by the end
    of this school week; and when they were last nudged (the room's reminder)."""

    key: str
    name: str
    teacher_id: int | None
    open: int = 0
    overdue: int = 0
    due_this_week: int = 0
    last_nudged: dt.datetime | None = None

    @property
    def nudged_recently(self) -> bool:
        return self.last_nudged is not None and timezone.now() - self.last_nudged < NUDGE_GAP

    @property
    def next_nudge(self) -> dt.datetime | None:
        return self.last_nudged + NUDGE_GAP if self.nudged_recently else None


@dataclass
class WorkBoard:
    today: dt.date
    by: str  # "teacher" or "subject"
    groups: list[Group]  # the open requests of this page, grouped
    page: Page
    teachers: list[TeacherSummary]  # every teacher with open requests, most overdue first
    open_count: int
    overdue_count: int
    ready: list[WorkRequest]  # set, to be done in the room
    to_return: list[WorkRequest]  # completed, to go back to the teacher


GROUPINGS = ("teacher", "subject")
BOARD_PAGE_SIZE = 40  # open requests per page of the long list


def _code_names(codes: set[str]) -> dict[str, str]:
    """Timetable teacher codes (MIS id, email or initials) not linked to an account, with
    the full name of the one member of staff they match, if any (one query)."""
    if not codes:
        return {}
    keys = {c.casefold() for c in codes}
    found: dict[str, list] = defaultdict(list)
    staff = (
        get_user_model()
        .objects.filter(is_active=True)
        .annotate(m=Lower("mis_id"), e=Lower("email"), i=Lower("initials"))
        .filter(Q(m__in=keys) | Q(e__in=keys) | Q(i__in=keys))
    )
    for user in staff:
        for key in {user.m, user.e, user.i} & keys:
            found[key].append(user)
    names = {}
    for code in codes:
        match = found.get(code.casefold(), [])
        if len(match) == 1:
            names[code] = f"{teacher_name(match[0])} ({code} in the timetable)"
    return names


def _teacher_key(w: WorkRequest, code_names: dict[str, str]) -> tuple[str, str]:
    if w.teacher_id:
        return f"u{w.teacher_id}", teacher_name(w.teacher)
    code = w.teacher_code
    if not code:
        return "c", "No teacher named in the timetable"
    return f"c{code.casefold()}", code_names.get(code, f"{code} (not linked to anyone in Enigma)")


def _group_key(w: WorkRequest, by: str, code_names: dict[str, str]) -> tuple[str, str]:
    if by == "subject":
        return w.subject.casefold(), w.subject
    return _teacher_key(w, code_names)


def _teacher_summaries(
    open_rows: list[WorkRequest], code_names: dict[str, str], today: dt.date
) -> list[TeacherSummary]:
    friday = teaching_weeks(today)[0] + dt.timedelta(days=4)  # the coming Friday at a weekend
    summaries: dict[str, TeacherSummary] = {}
    for w in open_rows:
        key, name = _teacher_key(w, code_names)
        t = summaries.setdefault(key, TeacherSummary(key, name, w.teacher_id))
        t.open += 1
        if w.overdue:
            t.overdue += 1
        elif w.due_by <= friday:
            t.due_this_week += 1
    ids = [t.teacher_id for t in summaries.values() if t.teacher_id]
    if ids:
        since = timezone.now() - NUDGE_GAP
        last = (
            AuditEvent.objects.filter(
                action=NUDGED,
                object_type=get_user_model()._meta.label,
                object_id__in=[str(i) for i in ids],
                occurred_at__gte=since,
            )
            .values_list("object_id", "occurred_at")
            .order_by("occurred_at")
        )
        latest = dict(last)  # ordered by time: the newest of each teacher wins
        for t in summaries.values():
            if t.teacher_id:
                t.last_nudged = latest.get(str(t.teacher_id))
    return sorted(summaries.values(), key=lambda t: (-t.overdue, -t.due_this_week, t.name))


def work_board(today: dt.date, by: str = "teacher", page_number=None) -> WorkBoard:
    """Outstanding work (requested, not set): a summary per teacher, and the requests
    themselves a page at a time, grouped by teacher or subject, the groups and their rows
    oldest lesson first; and the set and completed work the coordinator acts on. Five
    queries (the requests, the calendar for the deadlines, the staff the timetable's
    codes name, the last nudges)."""
    by = by if by in GROUPINGS else "teacher"
    rows = list(_room_queryset().filter(status__in=[S.REQUESTED, S.SET, S.COMPLETED]))
    open_rows = _flag([w for w in rows if w.status == S.REQUESTED], today)
    code_names = _code_names({w.teacher_code for w in open_rows if not w.teacher_id} - {""})
    page = Paginator(open_rows, BOARD_PAGE_SIZE).get_page(page_number)
    groups: dict[str, Group] = {}
    for w in page.object_list:  # oldest first, so each group is too, and groups by oldest
        key, label = _group_key(w, by, code_names)
        groups.setdefault(key, Group(label, [])).rows.append(w)
    return WorkBoard(
        today=today,
        by=by,
        groups=list(groups.values()),
        page=page,
        teachers=_teacher_summaries(open_rows, code_names, today),
        open_count=len(open_rows),
        overdue_count=sum(1 for w in open_rows if w.overdue),
        ready=[w for w in rows if w.status == S.SET],
        to_return=[w for w in rows if w.status == S.COMPLETED],
    )


def teacher_to_nudge(teacher_pk):
    """A teacher with open work requests of live placements (None if there is none)."""
    try:
        pk = int(teacher_pk)
    except (TypeError, ValueError):
        return None
    has_open = WorkRequest.objects.filter(
        teacher_id=pk, status=S.REQUESTED, placement__state__in=Placement.HOLDING
    )
    return get_user_model().objects.filter(pk=pk, is_active=True).filter(Exists(has_open)).first()


def open_work_of(teacher, today: dt.date) -> list[WorkRequest]:
    """The teacher's open requests of live placements, oldest lesson first, flagged."""
    return _flag(list(_room_queryset().filter(teacher=teacher, status=S.REQUESTED)), today)


@dataclass
class WorkPanel:
    open_count: int
    overdue_count: int
    next_due: list[WorkRequest]


PANEL_ROWS = 5


def work_panel(today: dt.date) -> WorkPanel:
    """For the coordinator's Today page: how much is outstanding, how much of it is
    overdue, and the next five due. Five queries whatever the numbers."""
    open_qs = _room_queryset().filter(status=S.REQUESTED)
    next_due = list(open_qs[:PANEL_ROWS])
    deadlines = _deadlines(today, {w.date for w in next_due})
    _flag_with(next_due, today, deadlines)
    # Overdue: not set by the school day before the lesson, so every lesson up to the
    # first school day from today (today itself on a school day, Monday at the weekend).
    cutoff = deadlines.first_from_today() if deadlines else today
    counts = open_qs.order_by().aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(date__lte=cutoff))
    )
    return WorkPanel(counts["open"], counts["overdue"], next_due)


def work_for_room(work_pk) -> WorkRequest | None:
    try:
        pk = int(work_pk)
    except (TypeError, ValueError):
        return None
    return (
        WorkRequest.objects.filter(pk=pk)
        .select_related("placement__student", "teacher", "period", "set_by", "completed_by")
        .first()
    )


def outstanding_rows(today: dt.date):
    """The CSV export: every open request, oldest lesson first, flagged."""
    return _flag(list(_room_queryset().filter(status=S.REQUESTED)), today)
