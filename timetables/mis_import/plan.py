"""Reading timetable files into lessons and planning what applying them would change.

A student's imported lessons replace that student's earlier imported lessons, and any
lesson entered by hand in a period the file fills. Students not in the file, and hand
lessons in periods the file leaves empty, are untouched.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from enigma.imports import fields
from enigma.imports.common import MISSING, Row, read_file
from enigma.imports.headers import HeaderMap
from enigma.imports.matching import clashes, line_list
from enigma.imports.parsing import ParsedFile
from enigma.imports.result import ImportResult, RowError
from enigma.models import Period, Student, StudentStaffLink, User
from timetables.models import WEEKDAYS, Lesson, TimetableSettings

from . import cells
from .columns import SHAPES, STUDENT_KEYS

WEEK_LETTERS = {1: "A", 2: "B"}


def slot_label(week: int, day: int, period: Period, *, two_weeks: bool) -> str:
    where = f"{WEEKDAYS[day]} {period.name}"
    return f"Week {WEEK_LETTERS[week]}, {where}" if two_weeks else where


def lesson_text(subject: str, class_code: str, teacher: str, room: str) -> str:
    return " · ".join(part for part in (subject, class_code, teacher, room) if part)


@dataclass
class SlotChange:
    slot: str
    old: str  # "" when the period was empty
    new: str  # "" when the lesson goes
    hand: bool = False  # the old lesson was entered by hand


@dataclass
class StudentPlan:
    line: int  # the student's first line in the file
    label: str
    first_import: bool  # the student had no lessons before
    lessons: int = 0
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    hand_replaced: int = 0
    changes: list[SlotChange] = field(default_factory=list)


@dataclass
class TimetableImport:
    """What a preview or an apply of one or two timetable files reports back."""

    shape: str
    files: list[ImportResult] = field(default_factory=list)
    applied: bool = False
    two_weeks: bool = False
    needs_two_week_cycle: bool = False
    notes: list[str] = field(default_factory=list)
    students: list[StudentPlan] = field(default_factory=list)
    lessons: int = 0
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    hand_replaced: int = 0
    links: int = 0
    # What apply writes: lesson ids to delete, lessons to create, (student, staff) links.
    # Lessons to create stay as read (no model instances: a preview never saves them, and
    # the apply copies them in with COPY).
    deletes: list[int] = field(default_factory=list, repr=False)
    creates: list[NewLesson] = field(default_factory=list, repr=False)
    new_links: list[tuple[int, int]] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    @property
    def file_errors(self) -> list[str]:
        return [e for f in self.files for e in f.file_errors]

    @property
    def error_count(self) -> int:
        return sum(len(f.errors) for f in self.files)

    @property
    def warning_count(self) -> int:
        return sum(len(f.warnings) for f in self.files)

    @property
    def filenames(self) -> str:
        return " and ".join(f.filename for f in self.files)

    def summary(self) -> str:
        if self.file_errors:
            return "Refused: nothing can be saved until the file is corrected."
        if self.error_count:
            n = self.error_count
            return (
                f"{n} problem{'s' if n != 1 else ''}: nothing "
                f"{'was' if self.applied else 'can be'} saved until every row is right."
            )
        verb = "" if self.applied else "would be "
        n = len(self.students)
        text = (
            f"{n} student{'s' if n != 1 else ''}, {self.lessons} lesson"
            f"{'s' if self.lessons != 1 else ''}: {self.added} {verb}added, {self.changed} "
            f"{verb}changed, {self.removed} {verb}removed, {self.unchanged} unchanged."
        )
        if self.hand_replaced:
            text += (
                f" {self.hand_replaced} lesson{'s' if self.hand_replaced != 1 else ''} entered "
                f"by hand {'were' if self.applied else 'would be'} replaced."
            )
        return text


@dataclass
class SlotRow:
    """A row's week, day, period and what is taught then (both file shapes have these)."""

    line: int
    week: int
    week_given: bool
    day: int
    period: Period
    subject: str
    class_code: str
    teacher: User | None
    teacher_code: str
    room: str

    @property
    def slot(self) -> tuple[int, int, int]:
        return (self.week, self.day, self.period.pk)

    @property
    def when(self) -> tuple[int, int, Period]:
        return (self.week, self.day, self.period)


@dataclass
class NewLesson:
    """A lesson of a student's from the file: the line that gives it them, and the slot
    row (the same row in a lessons file, a class timetable row in a classes file)."""

    line: int
    student: Student
    taught: SlotRow

    @property
    def slot(self) -> tuple[int, int, int]:
        return self.taught.slot


class _Context:
    """What every row of one import is read against (loaded once)."""

    def __init__(
        self, settings_row: TimetableSettings, students: cells.Students, teachers: cells.Teachers
    ):
        self.settings = settings_row
        self.two_weeks = settings_row.weeks_in_cycle == 2
        self.periods = cells.Periods()
        self.students = students
        self.teachers = teachers
        # code -> [report, first line, column, message, rows]
        self.teacher_problems: dict[str, list] = {}
        # A timetable repeats itself: the same day, period, subject, class, teacher and
        # room on many rows. Each combination is read and checked once (see _slot_of).
        self.slots_read: dict[tuple, SlotRow] = {}
        self._labels: dict[tuple, str] = {}

    def slot(self, week: int, day: int, period: Period) -> str:
        key = (week, day, period.pk)
        label = self._labels.get(key)
        if label is None:
            label = self._labels[key] = slot_label(week, day, period, two_weeks=self.two_weeks)
        return label

    def teacher_problem(self, report: ImportResult, row: Row, code: str, message: str):
        key = code.casefold()
        if key in self.teacher_problems:
            self.teacher_problems[key][4] += 1
        else:
            self.teacher_problems[key] = [report, row.line, row.column("teacher"), message, 1]

    def flush_teacher_problems(self) -> None:
        for report, line, column, message, rows in self.teacher_problems.values():
            if rows > 1:
                plural = "s" if rows > 2 else ""
                message += f" (The same teacher is on {rows - 1} more row{plural}.)"
            report.warnings.append(RowError(line, column, message))


# --- reading files ----------------------------------------------------------------------


def _student_key(row: Row) -> str:
    present = [k for k in STUDENT_KEYS if row.has(k)]
    filled = [k for k in present if row.raw(k).strip()]
    return (filled or present)[0]


def _read_student(row: Row, ctx: _Context) -> Student | None:
    try:
        return ctx.students.find(
            upn=row.raw("upn"), mis_id=row.raw("mis_id"), either=row.raw("student")
        )
    except fields.CellError as e:
        row.error(_student_key(row), str(e))
        return None


def _text(row: Row, key: str, model_field: str, **kwargs) -> str:
    max_length = Lesson._meta.get_field(model_field).max_length
    value = row.read(key, fields.text, max_length=max_length, **kwargs)
    return "" if value is MISSING else value


def _read_slot(
    row: Row, ctx: _Context, report: ImportResult, *, class_required: bool = False
) -> SlotRow | None:
    day_week = row.read("day", cells.day)
    week_column = row.read("week", cells.week)
    period = row.read("period", ctx.periods.find)
    subject = _text(row, "subject", "subject")
    class_code = _text(row, "class_code", "class_code", required=class_required)
    teacher_code = _text(row, "teacher", "teacher_code")
    room = _text(row, "room", "room")
    day = week = None
    if day_week is not MISSING:
        day, week = day_week
        if week_column not in (MISSING, None) and week is not None and week != week_column:
            row.error(
                "day",
                f'"{row.raw("day").strip()}" is in week {WEEK_LETTERS[week]} but the week '
                f"column says week {WEEK_LETTERS[week_column]}. Correct whichever is wrong.",
            )
        if week_column not in (MISSING, None):
            week = week_column
    subject_read = row.has("subject") and row.column("subject") not in {
        e.column for e in row.errors
    }
    if subject_read and not subject:
        if period is not MISSING and period.kind == Period.Kind.REGISTRATION:
            subject = "Registration"
        else:
            row.error("subject", "The subject must not be empty.")
    if row.errors:
        return None
    teacher = None
    if teacher_code:
        match = ctx.teachers.match(teacher_code)
        teacher = match.user
        if match.problem:
            ctx.teacher_problem(report, row, teacher_code, match.problem)
    return SlotRow(
        row.line,
        week or 1,
        week is not None,
        day,
        period,
        subject,
        class_code,
        teacher,
        teacher_code,
        room,
    )


_SLOT_KEYS = ("day", "week", "period", "subject", "class_code", "teacher", "room")


def _slot_of(
    row: Row, ctx: _Context, report: ImportResult, *, class_required: bool = False
) -> SlotRow | None:
    """_read_slot, reading each distinct combination of the slot's cells once: a row
    whose cells were read before without a problem gets the same reading (with its own
    line), and its teacher's problem, if any, is counted for it as before."""
    key = (class_required, *(row.raw(k) if row.has(k) else None for k in _SLOT_KEYS))
    known = ctx.slots_read.get(key)
    if known is None:
        errors_before = len(row.errors)
        slot = _read_slot(row, ctx, report, class_required=class_required)
        if slot is not None and len(row.errors) == errors_before:
            ctx.slots_read[key] = slot
        return slot
    if row.errors:
        return None
    if known.teacher_code:
        match = ctx.teachers.match(known.teacher_code)
        if match.problem:
            ctx.teacher_problem(report, row, known.teacher_code, match.problem)
    return dataclasses.replace(known, line=row.line)


def _prefetch(files: list[tuple[ParsedFile, HeaderMap]]) -> tuple[cells.Students, cells.Teachers]:
    """Read the students and teachers the files name, in two queries."""
    identifiers: set[str] = set()
    codes: set[str] = set()
    for parsed, hmap in files:
        student_columns = [hmap.index[k] for k in STUDENT_KEYS if k in hmap.index]
        teacher_column = hmap.index.get("teacher")
        for _, row_cells in parsed.rows:
            for i in student_columns:
                if i < len(row_cells):
                    identifiers.add(row_cells[i].replace("\x00", ""))
            if teacher_column is not None and teacher_column < len(row_cells):
                codes.add(row_cells[teacher_column].replace("\x00", ""))
    return cells.Students(identifiers), cells.Teachers(codes)


def _lesson_duplicates(ctx: _Context, report: ImportResult, lessons: list[NewLesson], hmap):
    column = hmap.header_for("period")
    for lesson, others in clashes(lessons, lambda x: (x.student.pk, *x.slot)):
        report.errors.append(
            RowError(
                lesson.line,
                column,
                f"{lesson.student.name} has another lesson in {ctx.slot(*lesson.taught.when)} "
                f"on line{'s' if len(others) > 1 else ''} {line_list(o.line for o in others)}. "
                "A student can have only one lesson in a period: remove or correct the extra "
                "rows.",
            )
        )


def read_lessons(ctx: _Context, parsed: ParsedFile, hmap: HeaderMap, report: ImportResult):
    """The "lessons" shape: one row per student per lesson. Returns the lessons and the
    rows' slots."""
    lessons: list[NewLesson] = []
    slots: list[SlotRow] = []
    for line, row_cells in parsed.rows:
        row = Row(line, row_cells, hmap)
        student = _read_student(row, ctx)
        slot = _slot_of(row, ctx, report)
        report.errors.extend(row.errors)
        report.warnings.extend(row.warnings)
        if slot is not None:
            slots.append(slot)
        if student is None or slot is None:
            continue
        lessons.append(NewLesson(line, student, slot))
    _lesson_duplicates(ctx, report, lessons, hmap)
    return lessons, slots


@dataclass
class _Classes:
    """The class timetable's lessons by class (its code folded), and each class's code as
    first written."""

    lessons: dict[str, list[SlotRow]] = field(default_factory=lambda: defaultdict(list))
    names: dict[str, str] = field(default_factory=dict)


@dataclass
class _Member:
    line: int  # in the class lists
    key: str  # the class's code, folded
    student: Student


def read_classes(ctx: _Context, timetable, lists, reports: list[ImportResult]):
    """The "classes" shape: the class timetable joined with the class lists. Returns the
    lessons and the class timetable's slots."""
    tt_report, list_report = reports
    classes = _read_class_timetable(ctx, *timetable, tt_report)
    members = _read_class_lists(ctx, *lists, list_report, classes)
    listed = {m.key for m in members}
    empty = sorted(classes.names[k] for k in classes.lessons if k not in listed)
    if empty:
        shown = ", ".join(empty[:10]) + (f" and {len(empty) - 10} more" if len(empty) > 10 else "")
        tt_report.notes.append(
            f"{len(empty)} class{'es' if len(empty) != 1 else ''} in the timetable "
            f"{'have' if len(empty) != 1 else 'has'} nobody in the class lists: {shown}."
        )
    column = lists[1].header_for("class_code")
    lessons = _join(ctx, classes, members, list_report, column)
    return lessons, [slot for slots in classes.lessons.values() for slot in slots]


def _read_class_timetable(ctx: _Context, parsed, hmap, report: ImportResult) -> _Classes:
    classes = _Classes()
    for line, row_cells in parsed.rows:
        row = Row(line, row_cells, hmap)
        slot = _slot_of(row, ctx, report, class_required=True)
        report.errors.extend(row.errors)
        report.warnings.extend(row.warnings)
        if slot is not None:
            key = slot.class_code.casefold()
            classes.lessons[key].append(slot)
            classes.names.setdefault(key, slot.class_code)
    column = hmap.header_for("period")
    for slots in classes.lessons.values():
        for slot, others in clashes(slots, lambda s: s.slot):
            report.errors.append(
                RowError(
                    slot.line,
                    column,
                    f"Class {slot.class_code} has another lesson in {ctx.slot(*slot.when)} on "
                    f"line{'s' if len(others) > 1 else ''} {line_list(o.line for o in others)}."
                    " Keep one row per class per period.",
                )
            )
    return classes


def _read_class_lists(ctx: _Context, parsed, hmap, report, classes: _Classes) -> list[_Member]:
    """Who is in each class with lessons; rows for classes without any are warned of."""
    listed: list[_Member] = []
    for line, row_cells in parsed.rows:
        row = Row(line, row_cells, hmap)
        class_code = row.read("class_code", fields.text, max_length=30, required=True)
        student = _read_student(row, ctx)
        report.errors.extend(row.errors)
        if row.errors or student is None:
            continue
        key = class_code.casefold()
        classes.names.setdefault(key, class_code)
        listed.append(_Member(line, key, student))
    column = hmap.header_for("class_code")
    for member, others in clashes(listed, lambda m: (m.key, m.student.pk)):
        report.errors.append(
            RowError(
                member.line,
                column,
                f"The same student is in {classes.names[member.key]} on "
                f"line{'s' if len(others) > 1 else ''} {line_list(o.line for o in others)} too."
                " List each student once per class.",
            )
        )
    no_lessons: dict[str, list[int]] = defaultdict(list)
    for member in listed:
        if member.key not in classes.lessons:
            no_lessons[member.key].append(member.line)
    for key, lines in no_lessons.items():
        more = f" (and on {len(lines) - 1} more row{'s' if len(lines) > 2 else ''})"
        report.warnings.append(
            RowError(
                lines[0],
                column,
                f"Class {classes.names[key]} has no lessons in the class timetable file, so "
                f"this row adds no lessons{more if len(lines) > 1 else ''}. Check the class "
                "code is spelt the same in both files.",
            )
        )
    return [m for m in listed if m.key in classes.lessons]


def _join(ctx: _Context, classes: _Classes, members, report, column: str) -> list[NewLesson]:
    """Each member's lessons: their classes' lessons. Two classes of one student's with a
    lesson in the same period are an error on both lines of the class lists."""
    lessons: list[NewLesson] = []
    owner: dict[tuple, tuple[_Member, SlotRow]] = {}
    both: dict[tuple[int, int], list] = {}  # (line, line) -> [first, second, slots]
    for member in members:
        for slot in classes.lessons[member.key]:
            taken = owner.get((member.student.pk, *slot.slot))
            if taken is None:
                owner[(member.student.pk, *slot.slot)] = (member, slot)
                lessons.append(NewLesson(member.line, member.student, slot))
                continue
            if taken[0].line == member.line:
                continue  # the class has two rows for this period: reported on those rows
            pair = (taken[0].line, member.line)
            both.setdefault(pair, [taken, (member, slot), []])[2].append(slot)
    for a, b, slots in both.values():
        where = ctx.slot(*slots[0].when)
        more = f" and {len(slots) - 1} other period{'s' if len(slots) > 2 else ''}"
        for (mine, my_slot), (other, other_slot) in ((a, b), (b, a)):
            report.errors.append(
                RowError(
                    mine.line,
                    column,
                    f"{mine.student.name} is in {classes.names[mine.key]} here and in "
                    f"{classes.names[other.key]} on line {other.line}, and both classes have a "
                    f"lesson in {where}{more if len(slots) > 1 else ''} (class timetable lines "
                    f"{my_slot.line} and {other_slot.line}). A student can be in one class at "
                    "a time: correct the class lists or the class timetable.",
                )
            )
    return lessons


def _check_cycle(ctx: _Context, result: TimetableImport, report: ImportResult, slots) -> None:
    """Week B needs a two-week cycle; a two-week school's file should say the week."""
    week_b = sorted({s.line for s in slots if s.week == 2})
    if week_b and not ctx.two_weeks:
        result.needs_two_week_cycle = True
        more = len(week_b) - 1
        others = f" and {more} other row{'s' if more > 1 else ''}" if more else ""
        report.file_errors.append(
            f"Line {week_b[0]}{others} put lessons in week B, but the school's timetable is "
            "set to one week. If the school has a two-week timetable, set the cycle to two "
            "weeks on the timetable settings page, then upload the file again."
        )
    if ctx.two_weeks and slots and not any(s.week_given for s in slots):
        result.notes.append(
            "The school's timetable is two weeks, but no row says which week it is in, so "
            "every lesson goes in week A and these students' imported week B lessons are "
            "removed. If the MIS export can include the week, add it as a column (or as "
            '"Mon A" in the day column).'
        )


# --- planning the changes ---------------------------------------------------------------


@dataclass(slots=True)
class OldLesson:
    """A lesson already in Enigma, as the plan compares it (read as plain values: no model
    instances, no joins, so that 60,000 of them cost one quick query)."""

    pk: int
    student_id: int
    week: int
    day: int
    period: Period
    subject: str
    class_code: str
    teacher_id: int | None
    teacher: User | None
    teacher_code: str
    room: str
    source: str


def _existing(ctx: _Context, student_ids: list[int]) -> list[OldLesson]:
    fields_read = ("pk", "student_id", "week", "day", "period_id", "subject", "class_code")
    rows = list(
        # No ordering: the model's joins the student and the period to sort, which the
        # planner gets badly wrong just after an import has filled the table.
        Lesson.objects.filter(student_id__in=student_ids)
        .order_by()
        .values_list(*fields_read, "teacher_id", "teacher_code", "room", "source")
    )
    periods = {p.pk: p for p in ctx.periods.all}
    teacher_ids = {row[7] for row in rows if row[7] is not None}
    teachers = {u.pk: u for u in User.objects.filter(pk__in=teacher_ids)} if teacher_ids else {}
    return [
        OldLesson(
            pk,
            sid,
            week,
            day,
            periods[period_id],
            subject,
            class_code,
            tid,
            teachers.get(tid) if tid else None,
            code,
            room,
            source,
        )
        for pk, sid, week, day, period_id, subject, class_code, tid, code, room, source in rows
    ]


def _old_text(lesson: OldLesson) -> str:
    teacher = str(lesson.teacher) if lesson.teacher_id else lesson.teacher_code
    return lesson_text(lesson.subject, lesson.class_code, teacher, lesson.room)


def _new_text(lesson: NewLesson) -> str:
    new = lesson.taught
    teacher = str(new.teacher) if new.teacher else new.teacher_code
    return lesson_text(new.subject, new.class_code, teacher, new.room)


def _same(old: OldLesson, lesson: NewLesson) -> bool:
    new = lesson.taught
    return (
        old.source == Lesson.Source.IMPORT
        and old.subject == new.subject
        and old.class_code == new.class_code
        and old.teacher_id == (new.teacher.pk if new.teacher else None)
        and old.teacher_code == new.teacher_code
        and old.room == new.room
    )


def _student_label(student: Student) -> str:
    return f"{student.legal_surname}, {student.legal_forename} ({student.upn})"


def plan_changes(ctx: _Context, result: TimetableImport, lessons: list[NewLesson]) -> None:
    """Compare each student's lessons in the file with those in Enigma, slot by slot."""
    by_student: dict[int, list[NewLesson]] = defaultdict(list)
    for lesson in lessons:
        by_student[lesson.student.pk].append(lesson)
    existing: dict[int, dict[tuple, OldLesson]] = defaultdict(dict)
    for old in _existing(ctx, list(by_student)):
        existing[old.student_id][(old.week, old.day, old.period.pk)] = old
    linked = set(
        StudentStaffLink.objects.filter(
            student__in=list(by_student), relationship=StudentStaffLink.Relationship.CLASS_TEACHER
        )
        .order_by()
        .values_list("student_id", "staff_id")
    )
    new_links: set[tuple[int, int]] = set()
    kept_hand = 0
    for student_id, student_lessons in by_student.items():
        old_slots = existing.get(student_id, {})
        plan = _plan_student(ctx, result, student_lessons, old_slots)
        filled = {new.slot for new in student_lessons}
        kept_hand += sum(
            1
            for slot, old in old_slots.items()
            if old.source == Lesson.Source.HAND and slot not in filled
        )
        new_links |= {
            (student_id, new.taught.teacher.pk)
            for new in student_lessons
            if new.taught.teacher and (student_id, new.taught.teacher.pk) not in linked
        }
        result.students.append(plan)
        result.lessons += plan.lessons
        result.added += plan.added
        result.changed += plan.changed
        result.removed += plan.removed
        result.unchanged += plan.unchanged
        result.hand_replaced += plan.hand_replaced
    result.students.sort(key=lambda p: p.line)
    result.new_links = sorted(new_links)
    result.links = len(new_links)
    if kept_hand:
        result.notes.append(
            f"{kept_hand} lesson{'s' if kept_hand != 1 else ''} entered by hand in periods "
            "this file leaves empty stay as they are."
        )


def _plan_student(ctx, result: TimetableImport, new_lessons, old_slots) -> StudentPlan:
    """One student's changes; adds what to delete and create to result."""
    student = new_lessons[0].student
    plan = StudentPlan(
        line=min(x.line for x in new_lessons),
        label=_student_label(student),
        first_import=not old_slots,
        lessons=len(new_lessons),
    )
    for new in new_lessons:
        old = old_slots.get(new.slot)
        if old is not None and _same(old, new):
            plan.unchanged += 1
            continue
        if old is not None:
            result.deletes.append(old.pk)
        result.creates.append(new)
        hand = old is not None and old.source == Lesson.Source.HAND
        if old is None:
            plan.added += 1
        elif hand:
            plan.hand_replaced += 1
        else:
            plan.changed += 1
        plan.changes.append(
            SlotChange(
                ctx.slot(*new.taught.when),
                _old_text(old) if old else "",
                _new_text(new),
                hand,
            )
        )
    filled = {new.slot for new in new_lessons}
    for slot, old in old_slots.items():
        if slot in filled or old.source != Lesson.Source.IMPORT:
            continue  # hand lessons in periods the file leaves empty are kept
        result.deletes.append(old.pk)
        plan.removed += 1
        plan.changes.append(SlotChange(ctx.slot(old.week, old.day, old.period), _old_text(old), ""))
    plan.changes = _ordered(plan.changes, new_lessons, old_slots, ctx)
    return plan


def _ordered(changes, new_lessons, old_slots, ctx) -> list[SlotChange]:
    """Changes in timetable order: week, day, then the period's start time."""
    when: dict[str, tuple] = {}
    for new in new_lessons:
        week, day, period = new.taught.when
        when[ctx.slot(week, day, period)] = (week, day, period.starts_at)
    for old in old_slots.values():
        when[ctx.slot(old.week, old.day, old.period)] = (old.week, old.day, old.period.starts_at)
    return sorted(changes, key=lambda c: when[c.slot])


# --- the whole build --------------------------------------------------------------------


def build(shape: str, files: list[tuple[str, bytes]]) -> TimetableImport:
    """Read and check the files and plan every change (writes nothing)."""
    kinds = SHAPES[shape]
    if len(files) != len(kinds):
        raise ValueError(f"The {shape} import takes {len(kinds)} file(s), not {len(files)}.")
    settings_row = TimetableSettings.load()
    result = TimetableImport(shape=shape, two_weeks=settings_row.weeks_in_cycle == 2)
    read: list[tuple[ParsedFile, HeaderMap] | None] = []
    for kind, (filename, data) in zip(kinds, files, strict=True):
        report = ImportResult(
            kind=kind.key, filename=filename, sha256=hashlib.sha256(data).hexdigest()
        )
        result.files.append(report)
        read.append(
            read_file(data, kind.columns, report, student_keys=kind.student_keys, each="row")
        )
    if not result.ok:
        return result
    ctx = _Context(settings_row, *_prefetch(read))
    if shape == "lessons":
        (parsed, hmap), report = read[0], result.files[0]
        lessons, slots = read_lessons(ctx, parsed, hmap, report)
    else:
        lessons, slots = read_classes(ctx, read[0], read[1], result.files)
    _check_cycle(ctx, result, result.files[0], slots)
    ctx.flush_teacher_problems()
    for report in result.files:
        report.errors.sort(key=lambda e: (e.line, e.column))
        report.warnings.sort(key=lambda e: (e.line, e.column))
    if result.ok:
        plan_changes(ctx, result, lessons)
    return result
