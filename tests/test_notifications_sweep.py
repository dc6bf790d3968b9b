"""The reminders outbox without a broker: what the sweep finds due, school-day rules,
catching up, one email per recipient, idempotent sends, retries, digests, the DSL alert."""

from __future__ import annotations

import datetime as dt
import smtplib
import threading
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection

from enigma.school_calendar import SchoolCalendar
from notifications import delivery, sweep
from notifications.models import EmailProblem, Kind, Notification, NotificationPreference
from notifications.tasks import send_digests, send_notification
from records.models import Category
from records.services.entries import record_entry
from referrals.models import FollowUp, Review
from tests.clock import LONDON
from tests.factories import LinkFactory, StudentFactory
from tests.referrals_helpers import at, make_placement

D = dt.date


@pytest.fixture
def placement(cora, sam, dee, rita, tom):
    p = make_placement(approver=dee, referrer=rita, started=True)
    LinkFactory(student=p.student, staff=tom, relationship="class_teacher")
    return p


def run_sweep(day, capture):
    with at(day), capture(execute=True):
        return sweep.sweep()


def rows(**kw):
    return list(
        Notification.objects.filter(**kw)
        .order_by("kind", "recipient__username")
        .values_list("kind", "due_on", "recipient__username")
    )


def test_a_review_due_tomorrow_sends_one_email_per_recipient(
    placement, django_capture_on_commit_callbacks
):
    # Review 1 (weekly) is due Monday 14 Sep: the day before is Friday 11 Sep.
    run_sweep(D(2026, 9, 10), django_capture_on_commit_callbacks)
    assert rows() == []
    run_sweep(D(2026, 9, 11), django_capture_on_commit_callbacks)
    assert rows() == [(Kind.REVIEW_DUE_SOON, D(2026, 9, 11), "cora")]
    assert [m.to for m in mail.outbox] == [["cora@school.example.org"]]
    message = mail.outbox[0]
    # Friday's reminder names Monday: "tomorrow" would be Saturday.
    assert "Weekly review due Mon 14 Sep 2026" in message.subject
    assert "A weekly review is due on Monday 14 September." in message.body
    html = message.alternatives[0][0]
    assert "Our school" in message.body and "Our school" in html
    # Links are absolute, from ENIGMA_SITE_URL.
    link = f"http://127.0.0.1:8000/referrals/placements/{placement.pk}/"
    assert f"Open it in Enigma: {link}" in message.body and f'href="{link}"' in html
    # Sweeping again, or dispatching, sends nothing more.
    run_sweep(D(2026, 9, 11), django_capture_on_commit_callbacks)
    with at(D(2026, 9, 11)):
        assert delivery.due_rows() == []
    assert len(mail.outbox) == 1
    assert Notification.objects.get().email_status == Notification.EmailStatus.SENT


def test_review_stages_and_who_hears(placement, django_capture_on_commit_callbacks):
    run_sweep(D(2026, 9, 14), django_capture_on_commit_callbacks)  # on the day
    run_sweep(D(2026, 9, 15), django_capture_on_commit_callbacks)  # 1 school day late
    run_sweep(D(2026, 9, 17), django_capture_on_commit_callbacks)  # 3 school days late
    subject = f"review:{placement.reviews.get(number=1).pk}"
    assert rows(subject_key=subject) == [
        (Kind.REVIEW_DUE, D(2026, 9, 14), "cora"),
        (Kind.REVIEW_OVERDUE, D(2026, 9, 15), "cora"),
        (Kind.REVIEW_OVERDUE, D(2026, 9, 15), "sam"),
        (Kind.REVIEW_OVERDUE_ESCALATED, D(2026, 9, 17), "cora"),
        (Kind.REVIEW_OVERDUE_ESCALATED, D(2026, 9, 17), "dee"),
        (Kind.REVIEW_OVERDUE_ESCALATED, D(2026, 9, 17), "sam"),
    ]
    # The mid-point review (due 28 Sep) goes to the SENCO too.
    Review.objects.filter(placement=placement, number__lt=3).update(held_on=D(2026, 9, 14))
    run_sweep(D(2026, 9, 25), django_capture_on_commit_callbacks)
    midpoint = placement.reviews.get(number=3)
    assert rows(subject_key=f"review:{midpoint.pk}") == [
        (Kind.REVIEW_DUE_SOON, D(2026, 9, 25), "cora"),
        (Kind.REVIEW_DUE_SOON, D(2026, 9, 25), "sam"),
    ]


def test_a_held_review_is_not_reminded(placement, django_capture_on_commit_callbacks):
    Review.objects.filter(placement=placement, number=1).update(held_on=D(2026, 9, 11))
    run_sweep(D(2026, 9, 15), django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(subject_key__startswith="review:").exists()


def test_exit_approaching_and_overdue(placement, django_capture_on_commit_callbacks):
    Review.objects.filter(placement=placement).update(held_on=D(2026, 9, 7))
    # Exit Friday 16 Oct: five school days before is Friday 9 Oct.
    run_sweep(D(2026, 10, 8), django_capture_on_commit_callbacks)
    assert rows() == []
    run_sweep(D(2026, 10, 9), django_capture_on_commit_callbacks)
    assert {r[2] for r in rows(kind=Kind.EXIT_APPROACHING)} == {"cora", "sam", "tom"}
    tom_mail = [m for m in mail.outbox if m.to == ["tom@school.example.org"]]
    assert len(tom_mail) == 1 and "16 October" in tom_mail[0].body
    # Still active on the next school day after the exit: overdue, to the deputy too.
    run_sweep(D(2026, 10, 19), django_capture_on_commit_callbacks)
    assert rows(kind=Kind.EXIT_OVERDUE) == [
        (Kind.EXIT_OVERDUE, D(2026, 10, 19), "cora"),
        (Kind.EXIT_OVERDUE, D(2026, 10, 19), "dee"),
        (Kind.EXIT_OVERDUE, D(2026, 10, 19), "sam"),
    ]


def test_follow_up_due(placement, django_capture_on_commit_callbacks):
    follow_up = FollowUp.objects.create(placement=placement, weeks_after=2, due_on=D(2026, 9, 16))
    Review.objects.filter(placement=placement).update(held_on=D(2026, 9, 7))
    run_sweep(D(2026, 9, 16), django_capture_on_commit_callbacks)
    assert rows(subject_key=f"follow_up:{follow_up.pk}") == [
        (Kind.FOLLOW_UP_DUE, D(2026, 9, 16), "cora"),
        (Kind.FOLLOW_UP_DUE, D(2026, 9, 16), "sam"),
    ]


def test_nothing_is_dated_on_a_weekend_or_holiday(placement, django_capture_on_commit_callbacks):
    """A sweep every day (weekends and half-term too) for the whole placement and after."""
    FollowUp.objects.create(placement=placement, weeks_after=2, due_on=D(2026, 10, 31))
    day = D(2026, 9, 5)
    while day <= D(2026, 11, 6):
        created = run_sweep(day, django_capture_on_commit_callbacks)
        if day.weekday() >= 5 or D(2026, 10, 26) <= day <= D(2026, 10, 30):
            assert created == [], day
        day += dt.timedelta(days=1)
    calendar = SchoolCalendar.from_db(D(2026, 9, 1), D(2026, 12, 31))
    dates = set(Notification.objects.values_list("due_on", flat=True))
    assert dates and all(calendar.is_school_day(d) for d in dates)
    # Each reminder emailed once.
    assert len(mail.outbox) == Notification.objects.count()


def test_beat_down_over_half_term_catches_up_once(
    placement, cora, django_capture_on_commit_callbacks
):
    """A review due on the Monday after half-term; nothing ran from Thursday before it."""
    Review.objects.filter(placement=placement).update(held_on=D(2026, 9, 7))
    review = Review.objects.create(placement=placement, number=9, due_on=D(2026, 11, 2))
    Review.objects.filter(pk=review.pk).update(held_on=None)
    run_sweep(D(2026, 11, 2), django_capture_on_commit_callbacks)
    run_sweep(D(2026, 11, 2), django_capture_on_commit_callbacks)
    # The stale "due tomorrow" of Friday 23 Oct is not sent; "due today" is, once.
    assert rows(subject_key=f"review:{review.pk}") == [(Kind.REVIEW_DUE, D(2026, 11, 2), "cora")]
    assert len([m for m in mail.outbox if "review" in m.subject.lower()]) == 1


def test_the_sweep_is_bounded_by_what_is_due(placement, django_assert_max_num_queries, rita, dee):
    for _ in range(3):
        make_placement(approver=dee, referrer=rita, start=D(2026, 9, 8), started=True)
    with at(D(2026, 9, 11)), django_assert_max_num_queries(25):
        sweep.sweep(deliver=False)


def test_sending_twice_sends_once(placement, django_capture_on_commit_callbacks):
    run_sweep(D(2026, 9, 11), django_capture_on_commit_callbacks)
    pk = Notification.objects.get().pk
    assert send_notification.run(pk) == delivery.NOT_CLAIMED  # already sent by the sweep
    Notification.objects.filter(pk=pk).update(sent_at=None, email_status="pending", claimed_at=None)
    mail.outbox.clear()
    assert send_notification.run(pk) == delivery.SENT
    assert send_notification.run(pk) == delivery.NOT_CLAIMED
    assert len(mail.outbox) == 1


def refused(code: int) -> smtplib.SMTPRecipientsRefused:
    return smtplib.SMTPRecipientsRefused({"cora@school.example.org": (code, b"no")})


def test_a_refused_address_fails_at_once_and_is_marked_for_the_admin(
    placement, django_capture_on_commit_callbacks
):
    with at(D(2026, 9, 11)):
        sweep.sweep(deliver=False)
    pk = Notification.objects.get().pk
    with (
        mock.patch.object(
            delivery.EmailMultiAlternatives, "send", side_effect=refused(550)
        ) as send,
        at(D(2026, 9, 11)),
    ):
        assert send_notification.apply(args=[pk]).get() == delivery.FAILED
        assert delivery.due_rows() == []  # never tried again by a dispatch
    assert send.call_count == 1
    n = Notification.objects.get()
    assert n.email_status == Notification.EmailStatus.FAILED and "550 no" in n.last_error
    problem = EmailProblem.objects.get()
    assert problem.address == "cora@school.example.org" and problem.resolved_at is None


def test_a_temporary_failure_backs_off_and_never_raises_an_email_problem(placement):
    """4xx to the address, a refused connection, a dropped one: tried again after 5, 10,
    20 ... minutes, never marked failed in minutes, never blamed on the address."""
    import time_machine
    from django.utils import timezone

    with at(D(2026, 9, 11)):
        sweep.sweep(deliver=False)
    pk = Notification.objects.get().pk
    errors = [
        refused(450),
        ConnectionRefusedError("mail server down"),
        smtplib.SMTPServerDisconnected("dropped"),
    ]
    start = dt.datetime(2026, 9, 11, 10, tzinfo=LONDON)
    waits = []
    with time_machine.travel(start, tick=False) as clock:
        for error in errors:
            with mock.patch.object(delivery.EmailMultiAlternatives, "send", side_effect=error):
                assert delivery.deliver(pk) == delivery.RETRY
            n = Notification.objects.get()
            waits.append(n.next_attempt_at - timezone.now())
            # Not due again before its time, however often the dispatch runs.
            assert delivery.due_rows() == [] and delivery.deliver(pk) == delivery.NOT_CLAIMED
            clock.move_to(n.next_attempt_at)
        assert delivery.due_rows() == [pk]
        assert delivery.deliver(pk) == delivery.SENT
    assert waits == [dt.timedelta(minutes=m) for m in (5, 10, 20)]
    n = Notification.objects.get()
    assert (n.email_status, n.attempts, n.failing_since, n.last_error) == ("sent", 4, None, "")
    assert not EmailProblem.objects.exists() and len(mail.outbox) == 1


def test_temporary_failures_give_up_after_three_days_without_blaming_the_address(placement):
    import time_machine

    with at(D(2026, 9, 11)):
        sweep.sweep(deliver=False)
    pk = Notification.objects.get().pk
    start = dt.datetime(2026, 9, 11, 10, tzinfo=LONDON)
    outcomes = []
    with (
        time_machine.travel(start, tick=False) as clock,
        mock.patch.object(delivery.EmailMultiAlternatives, "send", side_effect=TimeoutError()),
    ):
        while not outcomes or outcomes[-1] == delivery.RETRY:
            outcomes.append(delivery.deliver(pk))
            n = Notification.objects.get()
            if n.next_attempt_at:
                clock.move_to(n.next_attempt_at)
    n = Notification.objects.get()
    assert outcomes[-1] == delivery.FAILED and n.email_status == "failed"
    assert n.last_error.startswith("Gave up after trying since Fri 11 Sep 2026")
    assert 15 <= len(outcomes) <= 25  # spread over three days, not spent in minutes
    assert not EmailProblem.objects.exists()


def test_digest_preference(placement, cora, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(user=cora, kind=Kind.REVIEW_DUE_SOON, mode="digest")
    run_sweep(D(2026, 9, 11), django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert Notification.objects.get().email_status == Notification.EmailStatus.DIGEST
    with at(D(2026, 9, 11), 16):
        assert send_digests.apply().get() == 1
        assert send_digests.apply().get() == 0
    assert len(mail.outbox) == 1 and "daily reminders" in mail.outbox[0].subject


def test_a_restricted_entry_alerts_the_dsl_team_without_its_content(
    cora, dina, django_capture_on_commit_callbacks
):
    student = StudentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        entry = record_entry(
            author=cora,
            students=[student],
            kind="concern",
            summary="SECRET-DETAIL disclosed at break",
            category=Category.objects.get(name="Safeguarding"),
        )
    n = Notification.objects.get()
    assert (n.kind, n.recipient, n.subject_key) == (Kind.SAFEGUARDING, dina, f"entry:{entry.pk}")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    everything = message.subject + message.body + message.alternatives[0][0] + n.title + n.body
    assert "SECRET" not in everything and student.legal_name not in everything
    assert f"/records/entries/{entry.pk}/" in message.body
    # An ordinary entry alerts nobody.
    with django_capture_on_commit_callbacks(execute=True):
        record_entry(author=cora, students=[student], kind="note", summary="Fine today")
    assert Notification.objects.count() == 1


def test_a_digest_choice_never_delays_a_safeguarding_alert(
    cora, dina, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=dina, kind=Kind.SAFEGUARDING, mode="digest")
    with django_capture_on_commit_callbacks(execute=True):
        record_entry(
            author=cora,
            students=[StudentFactory()],
            kind="concern",
            summary="x",
            category=Category.objects.get(name="Safeguarding"),
        )
    assert len(mail.outbox) == 1


def test_send_reminders_command(placement, django_capture_on_commit_callbacks):
    with at(D(2026, 9, 11)), django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", "--digests")
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sends_and_sweeps_send_once(cora, sam, dee, rita):
    make_placement(approver=dee, referrer=rita, started=True)
    barrier = threading.Barrier(2)

    def run(fn):
        try:
            barrier.wait(5)
            return fn()
        finally:
            connection.close()

    def both(fn):
        """Run fn in two threads at once; a failure in either is raised here."""
        with ThreadPoolExecutor(2) as pool:
            return [f.result() for f in [pool.submit(run, fn) for _ in range(2)]]

    with at(D(2026, 9, 11)):
        both(sweep.sweep)
        assert Notification.objects.count() == 1
        assert len(mail.outbox) == 1
        pk = Notification.objects.get().pk
        Notification.objects.filter(pk=pk).update(
            sent_at=None, email_status="pending", claimed_at=None
        )
        mail.outbox.clear()
        outcomes = both(lambda: send_notification.run(pk))
    assert sorted(outcomes) == [delivery.NOT_CLAIMED, delivery.SENT] and len(mail.outbox) == 1


def test_the_sweep_uses_the_school_date_not_utc(placement, django_capture_on_commit_callbacks):
    """00:30 on Monday 14 Sep in London is still Sunday in UTC (British Summer Time)."""
    import time_machine

    moment = dt.datetime(2026, 9, 13, 23, 30, tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
        sweep.sweep()
    assert rows() == [(Kind.REVIEW_DUE, D(2026, 9, 14), "cora")]
