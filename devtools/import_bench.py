"""Imports at trust scale, timed: 2,000 pupils from a students file, then 60,000 timetable
rows (30 lessons a week each), each previewed and applied through the product's own
services, all or nothing, as a school admin's upload would be.

Everything runs inside one transaction that is rolled back at the end, so it can run on
any database (`make run`'s, the bench's) and leaves nothing behind; each of the repeats
starts from the same state in a savepoint of its own. Figures are wall-clock seconds,
and the CPU seconds of this process alone (Python's share, which a busy machine does not
inflate as much; PostgreSQL's work is in the wall-clock figure only).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
import time
from dataclasses import dataclass, field

from django.db import transaction
from stdnum.gb import upn as stdnum_upn

from enigma.imports import services as student_imports
from enigma.models import Period, User
from timetables.mis_import import services as timetable_imports

STUDENT_HEADER = [
    "Admission No",
    "UPN",
    "Legal Surname",
    "Legal Forename",
    "Date of Birth",
    "Gender",
    "Year Group",
    "Reg Group",
    "Enrolment Status",
]
LESSON_HEADER = ["UPN", "Day", "Period", "Subject", "Class", "Teacher", "Room"]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri"]
SUBJECTS = ["Maths", "English", "Science", "History", "Geography", "French", "Art", "PE"]
PERIODS = 6
TEACHERS = 120


class _Rollback(Exception):
    pass


def upn(serial: int) -> str:
    """A valid UPN of an establishment no real school has (LA 999), unique per serial."""
    body = f"999{serial // 1000:04d}26{serial % 1000:03d}"
    return stdnum_upn.calc_check_digit(body) + body


def _csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()


def students_file(pupils: int) -> bytes:
    rows = [STUDENT_HEADER]
    for n in range(pupils):
        year = 7 + n % 5
        rows.append(
            [
                f"B{n:06d}",
                upn(n),
                f"Benchsurname{n}",
                f"Benchforename{n}",
                f"01/09/{2019 - year}",
                "FM"[n % 2],
                f"Year {year}",
                f"{year}{'ABCDEF'[n % 6]}",
                "Current",
            ]
        )
    return _csv(rows)


def lessons_file(pupils: int, periods: list[str], *, change_every: int = 0) -> bytes:
    """Every pupil has every period of the week; change_every=n moves every nth lesson to
    another room (a re-import with changes)."""
    rows = [LESSON_HEADER]
    i = 0
    for n in range(pupils):
        group = n // 30
        for d, day in enumerate(DAYS):
            for p, period in enumerate(periods):
                subject = SUBJECTS[(group + d + p) % len(SUBJECTS)]
                room = f"R{(group + p) % 40}"
                if change_every and i % change_every == 0:
                    room = f"R{(group + p + 1) % 40}x"
                rows.append(
                    [
                        upn(n),
                        day,
                        period,
                        subject,
                        f"{7 + n % 5}{'ABCDEF'[group % 6]}/{subject[:2]}",
                        f"BT{(group * 7 + d * PERIODS + p) % TEACHERS:03d}",
                        room,
                    ]
                )
                i += 1
    return _csv(rows)


def _school_day() -> list[str]:
    """Six lesson periods of the bench's own, at night (no real period overlaps them)."""
    names = []
    for p in range(PERIODS):
        start = dt.time(0, p * 8)
        Period.objects.create(
            name=f"Bench {p + 1}",
            kind=Period.Kind.LESSON,
            starts_at=start,
            ends_at=dt.time(0, p * 8 + 7),
        )
        names.append(f"Bench {p + 1}")
    User.objects.bulk_create(
        User(
            username=f"bench-teacher-{t:03d}",
            email=f"bench-teacher-{t:03d}@bench.example.org",
            mis_id=f"BT{t:03d}",
            is_active=True,
        )
        for t in range(TEACHERS)
    )
    return names


@dataclass
class Figures:
    runs: dict[str, list[float]] = field(default_factory=dict)

    def add(self, step: str, seconds: float) -> None:
        self.runs.setdefault(step, []).append(seconds)

    def median(self, step: str) -> float:
        return statistics.median(self.runs[step])


def _timed(figures: Figures, step: str, call):
    started, cpu = time.perf_counter(), time.process_time()
    result = call()
    figures.add(step, time.perf_counter() - started)
    figures.add(f"{step} (this process's CPU)", time.process_time() - cpu)
    return result


def _check(result, what: str) -> None:
    if not result.ok:
        raise RuntimeError(f"The {what} was refused: {result.summary()}")


def _one_run(figures: Figures, students: bytes, first: bytes, changed: bytes, rows: int):
    s, t = student_imports, timetable_imports
    files, again = [("lessons.csv", first)], [("lessons.csv", changed)]
    steps = [
        ("students preview", lambda: s.import_preview("students", students, "s.csv")),
        ("students apply", lambda: s.import_apply("students", students, "s.csv")),
        ("timetable preview", lambda: t.preview("lessons", files)),
        ("timetable apply", lambda: t.apply("lessons", files)),
        ("timetable re-import (1 in 10 changed), preview", lambda: t.preview("lessons", again)),
        ("timetable re-import (1 in 10 changed), apply", lambda: t.apply("lessons", again)),
    ]
    for step, call in steps:
        result = _timed(figures, step, call)
        _check(result, step)
        if step == "timetable apply" and result.added != rows:
            raise RuntimeError(f"{result.added} lessons added, not {rows}")


def run(*, pupils: int = 2000, repeats: int = 3, out=print) -> Figures:
    figures = Figures()
    students = students_file(pupils)
    try:
        with transaction.atomic():
            periods = _school_day()
            first = lessons_file(pupils, periods)
            changed = lessons_file(pupils, periods, change_every=10)
            rows = first.count(b"\n") - 1
            out(
                f"bench.report imports: {pupils:,} pupils ({len(students) / 1e6:.1f} MB), "
                f"{rows:,} timetable rows ({len(first) / 1e6:.1f} MB), median of {repeats}"
            )
            for _ in range(repeats):
                try:
                    with transaction.atomic():
                        _one_run(figures, students, first, changed, rows)
                        raise _Rollback
                except _Rollback:
                    pass
            raise _Rollback
    except _Rollback:
        pass
    total = sum(
        figures.median(step)
        for step in ("students preview", "students apply", "timetable preview", "timetable apply")
    )
    for step in figures.runs:
        runs = ", ".join(f"{s:.2f}" for s in figures.runs[step])
        out(f"bench.report   {step}: {figures.median(step):.2f} s (runs: {runs})")
    out(f"bench.report   all of the first import (previews and applies): {total:.2f} s")
    return figures
