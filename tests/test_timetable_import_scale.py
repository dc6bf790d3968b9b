"""Timetable imports at scale: the queries a preview or an apply runs do not grow with the
rows in the file, and an apply that fails part-way (a bad row, or the database refusing
a write after the lessons were copied in) leaves nothing behind.

The 60,000-row figure itself comes from `manage.py bench_imports` (devtools/import_bench.py).
"""

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from enigma.models import StudentStaffLink
from tests.factories import StudentFactory, UserFactory
from tests.test_timetable_import import day as school_day  # noqa: F401  (the fixture)
from tests.test_timetable_import import to_csv
from timetables.mis_import import services
from timetables.models import Lesson

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("school_day")]

HEADER = ["UPN", "Day", "Period", "Subject", "Class", "Teacher", "Room"]
PERIODS = ["P1", "P2", "P3", "P4"]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri"]


@pytest.fixture
def teachers():
    return [
        UserFactory(first_name=f"T{i}", last_name="Teacher", mis_id=f"T{i:03d}") for i in range(6)
    ]


def timetable(students, *, room="R1", extra=()):
    rows = [HEADER]
    for n, student in enumerate(students):
        for d, weekday in enumerate(DAYS):
            for p, period in enumerate(PERIODS):
                teacher = f"T{(n + d + p) % 6:03d}"
                rows.append([student.upn, weekday, period, "Maths", "9X/Ma1", teacher, room])
    rows.extend(extra)
    return [("lessons.csv", to_csv(rows))]


def queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        result = call()
    assert result.ok, result.summary()
    return len(captured)


def test_preview_and_apply_run_the_same_queries_for_5_or_40_students(teachers):
    few, many = StudentFactory.create_batch(5), StudentFactory.create_batch(40)
    services.preview("lessons", timetable(StudentFactory.create_batch(1)))  # one-off setup
    counts = {}
    for name, students in (("few", few), ("many", many)):
        files = timetable(students)
        counts[name] = (
            queries(lambda files=files: services.preview("lessons", files)),
            queries(lambda files=files: services.apply("lessons", files)),
            # A re-import changing every lesson: each is replaced (deletes and copies).
            queries(lambda s=students: services.apply("lessons", timetable(s, room="R2"))),
        )
    assert counts["few"] == counts["many"]
    assert Lesson.objects.filter(room="R2").count() == 45 * len(DAYS) * len(PERIODS)


def test_a_bad_row_at_the_end_of_a_large_file_saves_nothing(teachers):
    students = StudentFactory.create_batch(30)
    bad = ["ZZ-NOT-A-UPN", "Mon", "P1", "Maths", "9X/Ma1", "T000", "R1"]
    result = services.apply("lessons", timetable(students, extra=[bad]))
    assert not result.ok and not result.applied
    assert not Lesson.objects.exists()
    assert not StudentStaffLink.objects.exists()


def test_a_write_refused_after_the_lessons_are_copied_in_saves_nothing(teachers, monkeypatch):
    students = StudentFactory.create_batch(10)
    services.apply("lessons", timetable(students))
    before = set(Lesson.objects.values_list("pk", "room"))
    links = StudentStaffLink.objects.count()

    def refuse(student_ids):
        raise DatabaseError("the database refused")

    monkeypatch.setattr(services, "_fill_plans", refuse)
    others = StudentFactory.create_batch(3)
    with pytest.raises(DatabaseError):
        services.apply("lessons", timetable([*students, *others], room="R9"))
    assert set(Lesson.objects.values_list("pk", "room")) == before
    assert StudentStaffLink.objects.count() == links
