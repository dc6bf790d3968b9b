"""The room register as DfE attendance codes (REFERENCE.md 4.1, codes from 19 Aug 2024),
for the school's attendance officer to reconcile with the MIS, and the lessons where the
room register and the plan disagree.

Sessions: a period belongs to the morning (AM) if it starts before the school's lunch
period starts (before 12:00 when the calendar has no lunch period); otherwise PM.

Per pupil and session, from the room's marks in that session's lessons:
- present in any room lesson: "/" (AM) or "\\" (PM); "L" if the first lesson of the
  session they came to the room in was marked late (late before registers close; whether
  it was after the register closed, code U, is the school's call, so it says L);
- marked absent from every room lesson they were due in: "N (to check)": the reason is not
  established here, and only the attendance officer decides an authorised code;
- marked "in class instead" throughout: no code from the room, the class register applies;
- on a placement whose purpose is a part-time timetable, a session of a planned day in
  which the plan has the pupil in no lesson at all (neither room nor class): C2 (not on
  site under the agreed part-time timetable). The plan has no "off site" mode, so this is
  the only C2 the room can derive; other C2 sessions come from the MIS.
Minutes in the room: the lengths of the periods marked present or late.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from enigma.models import Period
from referrals.models import Purpose
from timetables.models import ROOM_MODES, PlanCell, RegisterMark

S = RegisterMark.Status
AM, PM = "AM", "PM"
NOON = dt.time(12, 0)
TO_CHECK = "N (to check)"
PART_TIME = "C2"
# The code each mark gives its session (PRESENT by session; see session_code()).
MARK_CODES = {
    S.PRESENT: {AM: "/", PM: "\\"},
    S.LATE: {AM: "L", PM: "L"},
    S.ABSENT: {AM: TO_CHECK, PM: TO_CHECK},
    S.IN_CLASS: {AM: "", PM: ""},
}


def session_split() -> dt.time:
    """When the afternoon starts: the school's lunch period, or noon without one."""
    lunch = Period.objects.filter(kind=Period.Kind.LUNCH).order_by("starts_at").first()
    return lunch.starts_at if lunch else NOON


def session_of(period: Period, split: dt.time) -> str:
    return AM if period.starts_at < split else PM


def _minutes(period: Period) -> int:
    start = dt.datetime.combine(dt.date.min, period.starts_at)
    return int((dt.datetime.combine(dt.date.min, period.ends_at) - start).total_seconds() // 60)


@dataclass(frozen=True)
class SessionRow:
    upn: str
    student: str
    student_id: int
    date: dt.date
    session: str
    code: str
    minutes: int
    note: str


def session_code(marks: list[RegisterMark], session: str) -> tuple[str, str]:
    """(code, note) for one pupil's room marks in one session, in period order."""
    came = [m for m in marks if m.status in (S.PRESENT, S.LATE)]
    if came:
        return MARK_CODES[came[0].status][session], ""
    if any(m.status == S.ABSENT for m in marks):
        return TO_CHECK, "Absent from the room: the reason is for the attendance officer"
    return "", "In class instead: the class register applies"


def attendance_rows(start: dt.date, end: dt.date) -> list[SessionRow]:
    """One row per pupil and session with a room mark or a derivable C2, by date,
    session and pupil."""
    split = session_split()
    marks = (
        RegisterMark.objects.filter(date__range=(start, end))
        .select_related("period", "placement__student")
        .order_by("date", "period__starts_at")
    )
    by_session: dict[tuple, list[RegisterMark]] = defaultdict(list)
    students = {}
    for mark in marks:
        key = (mark.placement.student_id, mark.date, session_of(mark.period, split))
        by_session[key].append(mark)
        students[mark.placement.student_id] = mark.placement.student
    rows = []
    for (student_id, day, session), session_marks in by_session.items():
        code, note = session_code(session_marks, session)
        minutes = sum(_minutes(m.period) for m in session_marks if m.attended)
        student = students[student_id]
        rows.append(
            SessionRow(student.upn, student.name, student_id, day, session, code, minutes, note)
        )
    # Part-time timetables: sessions of a planned day with no planned lesson at all.
    cells = (
        PlanCell.objects.filter(
            date__range=(start, end), placement__referral__purpose=Purpose.PART_TIME
        )
        .select_related("period", "placement__student")
        .order_by("date")
    )
    planned: dict[tuple, set[str]] = defaultdict(set)
    for cell in cells:
        planned[(cell.placement.student, cell.date)].add(session_of(cell.period, split))
    for (student, day), sessions in planned.items():
        for session in {AM, PM} - sessions:
            if (student.pk, day, session) in by_session:
                continue
            rows.append(
                SessionRow(
                    student.upn,
                    student.name,
                    student.pk,
                    day,
                    session,
                    PART_TIME,
                    0,
                    "Not on site: part-time timetable (no lesson planned this session)",
                )
            )
    rows.sort(key=lambda r: (r.date, r.session, r.student, r.student_id))
    return rows


@dataclass(frozen=True)
class Disagreement:
    date: dt.date
    period: Period
    student: object
    planned: str  # the plan's mode label, or "" when the plan has no lesson there
    marked: str  # the register's status label, or "" when unmarked
    what: str


def disagreements(start: dt.date, end: dt.date, *, until: dt.date) -> list[Disagreement]:
    """Lessons up to `until` (marks are not due for the future) where the pupil was
    planned in the room but not registered there, or registered in the room though the
    plan had them elsewhere."""
    end = min(end, until)
    if end < start:
        return []
    room_cells = (
        PlanCell.objects.filter(date__range=(start, end), mode__in=ROOM_MODES)
        .select_related("period", "placement__student")
        .order_by("date", "period__starts_at")
    )
    marks = {
        (m.placement_id, m.date, m.period_id): m
        for m in RegisterMark.objects.filter(date__range=(start, end)).select_related(
            "period", "placement__student"
        )
    }
    cells = {
        (c.placement_id, c.date, c.period_id): c
        for c in PlanCell.objects.filter(date__range=(start, end))
    }
    found = []
    for cell in room_cells:
        mark = marks.get((cell.placement_id, cell.date, cell.period_id))
        if mark is None:
            marked, what = "", "Planned in the room, not registered"
        elif mark.status == S.IN_CLASS:
            marked, what = mark.get_status_display(), "Planned in the room, registered in class"
        else:
            continue
        found.append(
            Disagreement(
                cell.date,
                cell.period,
                cell.placement.student,
                cell.get_mode_display(),
                marked,
                what,
            )
        )
    for key, mark in marks.items():
        if mark.status == S.IN_CLASS:
            continue
        cell = cells.get(key)
        if cell is None or not cell.in_room:
            found.append(
                Disagreement(
                    mark.date,
                    mark.period,
                    mark.placement.student,
                    cell.get_mode_display() if cell else "",
                    mark.get_status_display(),
                    "Registered in the room, not planned there",
                )
            )
    found.sort(key=lambda d: (d.date, d.period.starts_at, d.student.name, d.student.pk))
    return found
