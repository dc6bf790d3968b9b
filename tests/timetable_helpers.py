"""Building timetables for tests: the school day's lessons and a student's week."""

from __future__ import annotations

import datetime as dt

from enigma.models import Period
from timetables.models import Lesson

LESSON_TIMES = (
    ("P1", dt.time(8, 50), dt.time(9, 50)),
    ("P2", dt.time(9, 50), dt.time(10, 50)),
    ("P3", dt.time(11, 10), dt.time(12, 10)),
    ("P4", dt.time(12, 10), dt.time(13, 10)),
    ("P5", dt.time(14, 0), dt.time(15, 0)),
)
# Five lessons a day: 25 a week over six subjects (English and Maths most often).
WEEK = {
    1: ("English", "Maths", "Science", "History", "PE"),
    2: ("Maths", "English", "Art", "Science", "English"),
    3: ("Science", "Maths", "English", "History", "Maths"),
    4: ("English", "PE", "Maths", "Art", "Science"),
    5: ("Maths", "History", "English", "Science", "Art"),
}


def school_day_periods() -> list[Period]:
    periods = []
    for name, start, end in LESSON_TIMES:
        period, _ = Period.objects.get_or_create(
            name=name, defaults={"starts_at": start, "ends_at": end, "kind": Period.Kind.LESSON}
        )
        periods.append(period)
    Period.objects.get_or_create(
        name="Break",
        defaults={"starts_at": dt.time(10, 50), "ends_at": dt.time(11, 10), "kind": "break"},
    )
    return periods


def give_timetable(student, *, teacher=None, week_b: dict | None = None) -> list[Lesson]:
    """A week-A timetable (and a week-B one if `week_b` maps day -> five subjects)."""
    periods = school_day_periods()
    lessons = []
    for week, days in ((1, WEEK), (2, week_b or {})):
        for day, subjects in days.items():
            for period, subject in zip(periods, subjects, strict=True):
                lessons.append(
                    Lesson(
                        student=student,
                        week=week,
                        day=day,
                        period=period,
                        subject=subject,
                        class_code=f"9X/{subject[:2]}",
                        teacher=teacher,
                        room=f"R{period.name[-1]}",
                        source=Lesson.Source.IMPORT,
                    )
                )
    return Lesson.objects.bulk_create(lessons)
