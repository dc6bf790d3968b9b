"""Column names of each timetable file, matched case- and punctuation-blind like the
core's imports (enigma.imports.headers). To accept another MIS's heading, add it to the
column's aliases; earlier aliases win when a file has two columns meaning the same."""

from __future__ import annotations

from dataclasses import dataclass

from enigma.imports.headers import Column

STUDENT_KEYS = ("upn", "mis_id", "student")

_STUDENT = (
    Column(
        "upn",
        "Student UPN",
        ("UPN", "Student UPN", "Pupil UPN", "Unique Pupil Number"),
        hint="the student's UPN or admission number is needed on every row",
    ),
    Column(
        "mis_id",
        "Student admission number",
        (
            "Admission No",
            "Admission Number",
            "Adno",
            "Adm No",
            "Student MIS id",
            "Pupil MIS id",
            "MIS id",
            "Student ID",
            "Pupil ID",
            "External ID",
        ),
    ),
    Column(
        "student",
        "Student",
        ("Student", "Pupil", "Learner", "Student Reference", "Pupil Reference"),
        hint="a UPN or an admission number",
    ),
)
_CLASS = Column(
    "class_code",
    "Class",
    (
        "Class",
        "Class Code",
        "Class Name",
        "Teaching Group",
        "Teaching Group Code",
        "Group",
        "Group Code",
        "Set",
    ),
    hint='e.g. "9X/Ma1"',
)
_WEEK = Column(
    "week",
    "Week",
    ("Week", "Timetable Week", "Week Name", "Cycle Week", "Wk"),
    hint='A or B (or 1 or 2); leave out for a one-week timetable. "Mon A" in the day '
    "column works too",
)
_DAY = Column(
    "day",
    "Day",
    ("Day", "Day of Week", "Weekday", "Day Name", "Timetable Day"),
    required=True,
    hint='Monday, Mon or 1; with the week, "Mon A", "MonA", "A Mon" or "1Mon"',
)
_PERIOD = Column(
    "period",
    "Period",
    ("Period", "Period Name", "Period Number", "Period No", "Lesson Period"),
    required=True,
    hint='as the school day names it, e.g. "P1", "1" or "Period 1"',
)
_SUBJECT = Column(
    "subject",
    "Subject",
    ("Subject", "Subject Name", "Subject Description", "Course", "Course Name"),
    required=True,
)
_TEACHER = Column(
    "teacher",
    "Teacher",
    (
        "Teacher",
        "Teacher Code",
        "Teacher Initials",
        "Teacher Email",
        "Teacher ID",
        "Main Teacher",
        "Staff",
        "Staff Code",
        "Staff Initials",
        "Staff Email",
        "Staff ID",
    ),
    hint="staff MIS id, initials or email; an unknown teacher is kept as written",
)
_ROOM = Column("room", "Room", ("Room", "Room Code", "Room Name", "Location"))

LESSON_COLUMNS: tuple[Column, ...] = (
    *_STUDENT,
    _WEEK,
    _DAY,
    _PERIOD,
    _SUBJECT,
    _CLASS,
    _TEACHER,
    _ROOM,
)
CLASS_TIMETABLE_COLUMNS: tuple[Column, ...] = (
    Column(_CLASS.key, _CLASS.label, _CLASS.aliases, required=True, hint=_CLASS.hint),
    _WEEK,
    _DAY,
    _PERIOD,
    _SUBJECT,
    _TEACHER,
    _ROOM,
)
CLASS_LIST_COLUMNS: tuple[Column, ...] = (
    Column(_CLASS.key, _CLASS.label, _CLASS.aliases, required=True, hint=_CLASS.hint),
    *_STUDENT,
)


@dataclass(frozen=True)
class FileKind:
    key: str
    label: str  # "Class lists"
    columns: tuple[Column, ...]
    example: tuple[dict[str, str], ...]

    @property
    def student_keys(self) -> tuple[str, ...]:
        """The columns of which the file needs one, saying whose each row is (if any)."""
        return tuple(c.key for c in self.columns if c.key in STUDENT_KEYS)


LESSONS = FileKind(
    "lessons",
    "Lessons",
    LESSON_COLUMNS,
    (
        {
            "UPN": "B801200005001",
            "Admission No": "001234",
            "Day": "Mon A",
            "Period": "P1",
            "Subject": "Mathematics",
            "Class": "9X/Ma1",
            "Teacher": "JSM",
            "Room": "M4",
        },
        {
            "UPN": "B801200005001",
            "Admission No": "001234",
            "Day": "Mon A",
            "Period": "P2",
            "Subject": "English",
            "Class": "9X/En2",
            "Teacher": "a.okafor@school.example.org",
            "Room": "E1",
        },
    ),
)
CLASS_TIMETABLE = FileKind(
    "class_timetable",
    "Class timetable",
    CLASS_TIMETABLE_COLUMNS,
    (
        {
            "Class": "9X/Ma1",
            "Week": "A",
            "Day": "Monday",
            "Period": "P1",
            "Subject": "Mathematics",
            "Teacher": "JSM",
            "Room": "M4",
        },
        {
            "Class": "9X/Ma1",
            "Week": "B",
            "Day": "Thursday",
            "Period": "P3",
            "Subject": "Mathematics",
            "Teacher": "JSM",
            "Room": "M4",
        },
    ),
)
CLASS_LISTS = FileKind(
    "class_lists",
    "Class lists",
    CLASS_LIST_COLUMNS,
    (
        {"Class": "9X/Ma1", "UPN": "B801200005001", "Admission No": "001234"},
        {"Class": "9X/En2", "UPN": "B801200005001", "Admission No": "001234"},
    ),
)
FILE_KINDS = {kind.key: kind for kind in (LESSONS, CLASS_TIMETABLE, CLASS_LISTS)}

SHAPES = {
    "lessons": (LESSONS,),
    "classes": (CLASS_TIMETABLE, CLASS_LISTS),
}


def _check_tables() -> None:
    for kind in FILE_KINDS.values():
        seen: dict[str, str] = {}
        for column in kind.columns:
            for name in column.names:
                if name in seen:
                    raise ValueError(f"{kind.key}: {name!r} is on {seen[name]} and {column.key}")
                seen[name] = column.key


_check_tables()
