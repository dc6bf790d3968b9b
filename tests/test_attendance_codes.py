"""The room register as DfE attendance codes (REFERENCE.md 4.1): the mapping per mark,
AM/PM from the school's periods, C2 for a part-time pupil's sessions off site, the CSV
for the attendance officer, the lessons where register and plan disagree, and who may."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from enigma.models import AuditEvent, Period
from referrals.models import Purpose, Referral
from tests.factories import StudentFactory
from tests.referrals_helpers import START, at, make_placement
from tests.timetable_helpers import give_timetable
from timetables.audit_actions import ATTENDANCE_EXPORTED
from timetables.models import Mode, PlanCell, RegisterMark
from timetables.selectors import attendance as codes

pytestmark = pytest.mark.django_db

DAY = START + dt.timedelta(days=2)  # a Wednesday of the placement
NEXT = DAY + dt.timedelta(days=1)
S = RegisterMark.Status


def _mark(status, starts=dt.time(9, 0)):
    return RegisterMark(status=status, period=Period(starts_at=starts, ends_at=dt.time(10, 0)))


@pytest.mark.parametrize(
    ("statuses", "session", "code"),
    [
        ([S.PRESENT], codes.AM, "/"),
        ([S.PRESENT], codes.PM, "\\"),
        ([S.LATE], codes.AM, "L"),
        ([S.LATE], codes.PM, "L"),
        ([S.ABSENT], codes.AM, "N (to check)"),
        ([S.IN_CLASS], codes.PM, ""),
        ([S.ABSENT, S.PRESENT], codes.AM, "/"),  # came later in the session: present
        ([S.PRESENT, S.LATE], codes.AM, "/"),  # first lesson in the room decides
        ([S.IN_CLASS, S.ABSENT], codes.PM, "N (to check)"),
    ],
)
def test_each_mark_maps_to_its_code(statuses, session, code):
    assert codes.session_code([_mark(s) for s in statuses], session)[0] == code


def test_sessions_split_at_the_schools_lunch_or_noon(db):
    p4 = Period.objects.create(name="P4", starts_at=dt.time(12, 10), ends_at=dt.time(13, 10))
    assert codes.session_of(p4, codes.session_split()) == codes.PM  # noon
    Period.objects.create(
        name="Lunch", kind=Period.Kind.LUNCH, starts_at=dt.time(13, 10), ends_at=dt.time(14, 0)
    )
    assert codes.session_of(p4, codes.session_split()) == codes.AM


@pytest.fixture
def placement(personas):
    student = StudentFactory(legal_forename="Maya", legal_surname="Quennell")
    give_timetable(student)
    return make_placement(
        approver=personas["dee"], referrer=personas["rita"], student=student, started=True
    )


def _cell(placement, period, day=DAY, mode=Mode.ROOM) -> PlanCell:
    cell = placement.plan_cells.select_related("period").get(date=day, period__name=period)
    PlanCell.objects.filter(pk=cell.pk).update(mode=mode)
    cell.refresh_from_db()
    return cell


def _register(placement, period, status, by, day=DAY, mode=Mode.ROOM):
    cell = _cell(placement, period, day, mode)
    return RegisterMark.objects.create(
        placement=placement, date=day, period=cell.period, status=status, recorded_by=by
    )


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_the_export_gives_a_row_per_pupil_and_session(placement, personas, client_for):
    cora, ada = personas["cora"], personas["ada"]
    _register(placement, "P1", S.PRESENT, cora)
    _register(placement, "P2", S.LATE, cora)
    _register(placement, "P4", S.ABSENT, cora)
    _register(placement, "P5", S.ABSENT, cora)
    _register(placement, "P3", S.LATE, cora, day=NEXT)
    with at(NEXT, 16):
        response = client_for(ada).get(
            reverse("timetables:attendance_csv"), {"day": DAY.isoformat(), "span": "week"}
        )
    rows = _csv(response)
    assert rows[0] == ["UPN", "Date", "Session", "Code", "Minutes in the room", "Note"]
    upn = placement.student.upn
    got = [r[:5] for r in rows[1:]]
    assert got == [
        [upn, DAY.isoformat(), "AM", "/", "120"],
        [upn, DAY.isoformat(), "PM", "N (to check)", "0"],
        [upn, NEXT.isoformat(), "AM", "L", "60"],
    ]
    event = AuditEvent.objects.get(action=ATTENDANCE_EXPORTED)
    assert event.data["rows"] == 3 and event.actor == ada
    # A day only covers that day.
    with at(NEXT, 16):
        day_only = _csv(
            client_for(ada).get(reverse("timetables:attendance_csv"), {"day": NEXT.isoformat()})
        )
    assert [r[1] for r in day_only[1:]] == [NEXT.isoformat()]


def test_a_part_time_pupils_session_without_lessons_is_c2(placement, personas):
    cora = personas["cora"]
    _register(placement, "P1", S.PRESENT, cora)
    PlanCell.objects.filter(placement=placement, date=DAY, period__name__in=["P4", "P5"]).delete()
    # Not part-time: the missing afternoon is not C2.
    assert [r.code for r in codes.attendance_rows(DAY, DAY)] == ["/"]
    Referral.objects.filter(pk=placement.referral_id).update(purpose=Purpose.PART_TIME)
    rows = codes.attendance_rows(DAY, DAY)
    assert [(r.session, r.code, r.minutes) for r in rows] == [("AM", "/", 60), ("PM", "C2", 0)]
    # A planned session with lessons (the next day) is never C2.
    assert all(r.code != "C2" for r in codes.attendance_rows(NEXT, NEXT))


def test_the_register_and_the_plan_disagreeing_are_listed(placement, personas, client_for):
    cora = personas["cora"]
    _cell(placement, "P3")  # planned in the room, never marked
    _register(placement, "P1", S.PRESENT, cora, mode=Mode.CLASS)  # in the room, planned in class
    _register(placement, "P2", S.IN_CLASS, cora)  # planned in the room, in class
    _register(placement, "P4", S.PRESENT, cora)  # agree
    for name in ("P5",):
        _cell(placement, name, mode=Mode.CLASS)
    found = codes.disagreements(DAY, DAY, until=DAY)
    assert [(d.period.name, d.what) for d in found] == [
        ("P1", "Registered in the room, not planned there"),
        ("P2", "Planned in the room, registered in class"),
        ("P3", "Planned in the room, not registered"),
    ]
    # The future is not yet due.
    assert codes.disagreements(DAY, DAY, until=DAY - dt.timedelta(days=1)) == []
    with at(DAY, 16):
        page = client_for(personas["sam"]).get(
            reverse("timetables:attendance"), {"day": DAY.isoformat()}
        )
    html = page.content.decode()
    assert page.status_code == 200
    assert "Planned in the room, not registered" in html and "Quennell" in html


@pytest.mark.parametrize(
    ("persona", "status"),
    [("cora", 200), ("sam", 200), ("dee", 200), ("ada", 200), ("tom", 403), ("rita", 403)],
)
def test_who_may_see_the_codes(persona, status, personas, client_for):
    client = client_for(personas[persona])
    assert client.get(reverse("timetables:attendance")).status_code == status
    assert client.get(reverse("timetables:attendance_csv")).status_code == status


def test_a_bad_day_falls_back_to_today_not_an_error(personas, client_for):
    response = client_for(personas["cora"]).get(
        reverse("timetables:attendance"), {"day": "2026-02-31", "span": "fortnight"}
    )
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()
