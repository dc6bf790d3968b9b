"""Reminders to class teachers about work for room lessons: the weekly list on the first
school day of the week, and the chase on the school day before a lesson with no work set.
Neither names a student."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from enigma.models import SchoolSettings
from notifications import sweep
from notifications.models import Kind, Notification
from tests.factories import PeriodFactory, UserFactory
from tests.referrals_helpers import at, make_placement
from timetables.models import WorkRequest
from timetables.services.work import work_set

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def periods():
    return [
        PeriodFactory(name=f"P{i + 1}", starts_at=dt.time(9 + i), ends_at=dt.time(9 + i, 50))
        for i in range(4)
    ]


def request_for(placement, teacher, day, period, subject="Maths", class_code="9X/Ma1"):
    return WorkRequest.objects.create(
        placement=placement,
        date=day,
        period=period,
        subject=subject,
        class_code=class_code,
        teacher=teacher,
    )


def run_sweep(day, capture):
    with at(day), capture(execute=True):
        return sweep.sweep()


def work_rows(**kw):
    return list(
        Notification.objects.filter(kind__in=[Kind.WORK_WEEK, Kind.WORK_CHASE], **kw)
        .order_by("due_on", "kind", "recipient__username")
        .values_list("kind", "due_on", "recipient__username")
    )


def mail_to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


def test_the_weekly_list_on_monday_once_and_without_student_names(
    tom, dee, rita, periods, django_capture_on_commit_callbacks
):
    SchoolSettings.load()
    SchoolSettings.objects.update(room_name="Learning base")
    placement = make_placement(approver=dee, referrer=rita, started=True)
    ann = UserFactory(username="ann", roles=["class_teacher"])
    request_for(placement, tom, D(2026, 9, 14), periods[0])
    request_for(placement, tom, D(2026, 9, 16), periods[1], subject="Science", class_code="")
    done = request_for(placement, tom, D(2026, 9, 17), periods[2], subject="Art")
    work_set(work=done, by=tom, description="Sketch a still life")
    request_for(placement, ann, D(2026, 9, 18), periods[3], subject="History")
    request_for(placement, tom, D(2026, 9, 21), periods[0])  # next week: not listed

    run_sweep(D(2026, 9, 14), django_capture_on_commit_callbacks)
    assert work_rows(kind=Kind.WORK_WEEK) == [
        (Kind.WORK_WEEK, D(2026, 9, 14), "ann"),
        (Kind.WORK_WEEK, D(2026, 9, 14), "tom"),
    ]
    tom_mail = [m for m in mail_to(tom) if "this week" in m.subject]
    assert len(tom_mail) == 1
    message = tom_mail[0]
    html = message.alternatives[0][0]
    assert "Learning base" in message.subject and "Learning base" in message.body
    assert "3 of your lessons this week" in message.body
    assert "2 still need work" in message.body
    assert "Mon 14 Sep 2026, P1: Maths 9X/Ma1 – work to set" in message.body
    assert "Thu 17 Sep 2026, P3: Art 9X/Ma1 – work set" in message.body
    assert "21 Sep" not in message.body
    assert "/timetables/my-students/" in message.body and "<br>" in html
    student = placement.student
    for text in (message.subject, message.body, html):
        for name in (student.legal_forename, student.legal_surname, student.name):
            assert name not in text and escape(name) not in text

    # Sweeping again that day, or later in the week, adds nothing.
    sent = len(mail.outbox)
    run_sweep(D(2026, 9, 14), django_capture_on_commit_callbacks)
    run_sweep(D(2026, 9, 15), django_capture_on_commit_callbacks)
    assert Notification.objects.filter(kind=Kind.WORK_WEEK).count() == 2
    assert len([m for m in mail.outbox[sent:] if "this week" in m.subject]) == 0


def test_the_weekly_list_catches_up_later_in_the_week(
    tom, dee, rita, periods, django_capture_on_commit_callbacks
):
    placement = make_placement(approver=dee, referrer=rita, started=True)
    request_for(placement, tom, D(2026, 9, 14), periods[0])
    request_for(placement, tom, D(2026, 9, 17), periods[0])
    # Nothing ran on Monday: Wednesday's sweep makes it, dated Monday, from today on.
    run_sweep(D(2026, 9, 16), django_capture_on_commit_callbacks)
    assert work_rows(kind=Kind.WORK_WEEK) == [(Kind.WORK_WEEK, D(2026, 9, 14), "tom")]
    body = Notification.objects.get(kind=Kind.WORK_WEEK).body
    assert "Thu 17 Sep" in body and "Mon 14 Sep" not in body


def test_the_chase_the_school_day_before(
    tom, dee, rita, periods, django_capture_on_commit_callbacks
):
    placement = make_placement(approver=dee, referrer=rita, started=True)
    ann = UserFactory(username="ann", roles=["class_teacher"])
    request_for(placement, tom, D(2026, 9, 10), periods[0])
    request_for(placement, tom, D(2026, 9, 10), periods[1], subject="Science")
    ann_work = request_for(placement, ann, D(2026, 9, 10), periods[2], subject="Art")
    work_set(work=ann_work, by=ann, link="https://learn.example.org/art")

    run_sweep(D(2026, 9, 8), django_capture_on_commit_callbacks)  # two days before
    assert work_rows(kind=Kind.WORK_CHASE) == []
    run_sweep(D(2026, 9, 9), django_capture_on_commit_callbacks)
    run_sweep(D(2026, 9, 9), django_capture_on_commit_callbacks)
    # One for tom (two lessons), none for ann, whose work is set.
    assert work_rows(kind=Kind.WORK_CHASE) == [(Kind.WORK_CHASE, D(2026, 9, 9), "tom")]
    chase = Notification.objects.get(kind=Kind.WORK_CHASE)
    assert chase.subject_key == "work_chase:2026-09-10"
    assert "2 of your lessons on Thu 10 Sep 2026 have" in chase.body
    assert len([m for m in mail_to(tom) if "Work still to set" in m.subject]) == 1
    # On the day itself it is too late for a chase: none is made.
    run_sweep(D(2026, 9, 10), django_capture_on_commit_callbacks)
    assert Notification.objects.filter(kind=Kind.WORK_CHASE).count() == 1


def test_a_monday_lesson_is_chased_on_friday(
    tom, dee, rita, periods, django_capture_on_commit_callbacks
):
    placement = make_placement(approver=dee, referrer=rita, started=True)
    request_for(placement, tom, D(2026, 9, 14), periods[0])
    run_sweep(D(2026, 9, 11), django_capture_on_commit_callbacks)
    assert work_rows(kind=Kind.WORK_CHASE) == [(Kind.WORK_CHASE, D(2026, 9, 11), "tom")]


def test_the_chase_before_half_term_and_none_once_set(
    tom, dee, rita, periods, django_capture_on_commit_callbacks
):
    # Half-term is 26-30 Oct: the school day before Mon 2 Nov is Fri 23 Oct.
    placement = make_placement(approver=dee, referrer=rita, start=D(2026, 10, 19), started=True)
    work = request_for(placement, tom, D(2026, 11, 2), periods[0])
    later = request_for(placement, tom, D(2026, 11, 3), periods[0])
    run_sweep(D(2026, 10, 22), django_capture_on_commit_callbacks)
    assert work_rows(kind=Kind.WORK_CHASE) == []
    run_sweep(D(2026, 10, 23), django_capture_on_commit_callbacks)
    assert work_rows(kind=Kind.WORK_CHASE) == [(Kind.WORK_CHASE, D(2026, 10, 23), "tom")]
    assert "Mon 2 Nov 2026" in Notification.objects.get(kind=Kind.WORK_CHASE).title
    # Set before the next day's chase: no chase for Tuesday's lesson.
    work_set(work=later, by=tom, description="Worksheet B")
    run_sweep(D(2026, 11, 2), django_capture_on_commit_callbacks)
    assert work_rows(kind=Kind.WORK_CHASE) == [(Kind.WORK_CHASE, D(2026, 10, 23), "tom")]
    # The weekly list after half-term comes on its Monday.
    assert (Kind.WORK_WEEK, D(2026, 11, 2), "tom") in work_rows()
    assert work.pk  # the Monday request itself was never set: it shows in that list
    assert "work to set" in Notification.objects.get(kind=Kind.WORK_WEEK).body


def test_no_reminders_for_an_ended_placement_or_an_inactive_teacher(
    tom, dee, rita, periods, django_capture_on_commit_callbacks
):
    from referrals.models import Placement

    placement = make_placement(approver=dee, referrer=rita, started=True)
    gone = UserFactory(username="gone", roles=["class_teacher"], is_active=False)
    request_for(placement, gone, D(2026, 9, 14), periods[0])
    ended = make_placement(approver=dee, referrer=rita, started=True)
    request_for(ended, tom, D(2026, 9, 14), periods[1])
    Placement.objects.filter(pk=ended.pk).update(
        state=Placement.State.ENDED_EARLY, end_reason="other", actual_exit=D(2026, 9, 9)
    )
    run_sweep(D(2026, 9, 11), django_capture_on_commit_callbacks)
    run_sweep(D(2026, 9, 14), django_capture_on_commit_callbacks)
    assert work_rows() == []


def test_the_sweep_does_not_grow_with_work_requests(tom, dee, rita, periods):
    placement = make_placement(approver=dee, referrer=rita, started=True)
    teachers = [tom, *UserFactory.create_batch(9, roles=["class_teacher"])]

    def add(n):
        days = [D(2026, 9, 14) + dt.timedelta(days=i) for i in range(5)]
        for i in range(n):
            request_for(placement, teachers[i % 10], days[i % 5], periods[i // 5 % 4])

    def count():
        Notification.objects.all().delete()
        with at(D(2026, 9, 14)), CaptureQueriesContext(connection) as ctx:
            sweep.sweep(deliver=False)
        return len(ctx.captured_queries)

    add(2)
    small = count()
    Notification.objects.all().delete()
    WorkRequest.objects.all().delete()
    add(20)
    assert count() == small


def open_work_reminders(teacher):
    return sorted(
        Notification.objects.filter(
            recipient=teacher, kind__in=[Kind.WORK_WEEK, Kind.WORK_CHASE], done_at__isnull=True
        ).values_list("subject_key", flat=True)
    )


def test_a_chase_clears_when_the_last_waiting_lesson_gets_work_and_not_before(
    tom, dee, rita, periods, django_capture_on_commit_callbacks
):
    placement = make_placement(approver=dee, referrer=rita, started=True)
    ann = UserFactory(username="ann", roles=["class_teacher"])
    maths = request_for(placement, tom, D(2026, 9, 10), periods[0])
    science = request_for(placement, tom, D(2026, 9, 10), periods[1], subject="Science")
    request_for(placement, tom, D(2026, 9, 11), periods[0])  # the next day: not this chase
    request_for(placement, ann, D(2026, 9, 10), periods[2], subject="Art")
    run_sweep(D(2026, 9, 9), django_capture_on_commit_callbacks)
    # The chase for Thursday, and the week's list (caught up on Wednesday).
    assert open_work_reminders(tom) == ["work_chase:2026-09-10", "work_week:2026-09-07"]

    with at(D(2026, 9, 9)):
        work_set(work=maths, by=tom, description="Fractions, sheet 1")
    assert open_work_reminders(tom) == [
        "work_chase:2026-09-10",
        "work_week:2026-09-07",
    ], "one lesson still waits"
    with at(D(2026, 9, 9)):
        work_set(work=science, by=tom, description="Forces, pages 12-13")
    # Friday's lesson still waits: the week's list stays.
    assert open_work_reminders(tom) == ["work_week:2026-09-07"]
    chase = Notification.objects.get(kind=Kind.WORK_CHASE, recipient=tom)
    assert chase.done_at is not None and chase.read_at is not None
    # Ann's chase is about the same day, and her lesson still waits.
    assert open_work_reminders(ann) == ["work_chase:2026-09-10", "work_week:2026-09-07"]


def test_the_weekly_list_and_a_nudge_clear_once_no_lesson_waits_for_work(
    tom, cora, dee, rita, periods, django_capture_on_commit_callbacks
):
    from timetables.models import Mode, PlanCell
    from timetables.services.plans import set_cell
    from timetables.services.work import work_nudge

    placement = make_placement(approver=dee, referrer=rita, started=True)
    monday = request_for(placement, tom, D(2026, 9, 14), periods[0])
    cell = PlanCell.objects.create(
        placement=placement,
        date=D(2026, 9, 16),
        period=periods[1],
        mode=Mode.ROOM,
        subject="Science",
        class_code="9X/Sc1",
        teacher=tom,
    )
    request_for(placement, tom, D(2026, 9, 16), periods[1], subject="Science", class_code="9X/Sc1")
    run_sweep(D(2026, 9, 14), django_capture_on_commit_callbacks)
    with at(D(2026, 9, 14), 9), django_capture_on_commit_callbacks(execute=True):
        assert work_nudge(teacher=tom, by=cora) == 2
    assert open_work_reminders(tom) == [f"work_nudge:{tom.pk}", "work_week:2026-09-14"]

    with at(D(2026, 9, 14), 9):
        work_set(work=monday, by=tom, description="Angles, sheet 2")
    assert len(open_work_reminders(tom)) == 2, "Wednesday's lesson still waits"
    # Wednesday's lesson goes back to class: nothing waits for tom's work any more.
    with at(D(2026, 9, 14), 9):
        assert set_cell(cell, Mode.CLASS, by=cora).applied
    assert WorkRequest.objects.get(date=D(2026, 9, 16)).status == WorkRequest.Status.CANCELLED
    assert open_work_reminders(tom) == []
