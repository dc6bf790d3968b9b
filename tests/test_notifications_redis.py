"""The reminders outbox against a real redis-server and a real Celery worker (REFERENCE
Part B 3.2): one email per recipient, duplicates and concurrent runs send once, Redis
down while a change is saved, a worker that died mid-delivery, beat down over half-term.
Time is set with time_machine (ticking, so the worker's own timers keep working)."""

from __future__ import annotations

import datetime as dt
import time
from unittest import mock

import pytest
import redis
import time_machine
from django.core import mail
from django.utils import timezone

from notifications import delivery, publish
from notifications.models import Kind, Notification
from notifications.tasks import dispatch_due, send_notification, sweep_and_dispatch
from records.models import Category
from records.services.entries import record_entry
from referrals.models import Review
from tests import clock
from tests.celery_helpers import UNACKED, broker, wait_until_idle, worker
from tests.factories import StudentFactory
from tests.referrals_helpers import make_placement
from tests.services import RedisServer, need, wait_for

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
D = dt.date


def school_time(day: dt.date, hour: int = 10):
    return time_machine.travel(
        timezone.make_aware(dt.datetime.combine(day, dt.time(hour))), tick=True
    )


@pytest.fixture
def placement(cora, sam, dee, rita):
    p = make_placement(approver=dee, referrer=rita, started=True)
    Review.objects.filter(placement=p, number__lt=3).update(held_on=D(2026, 9, 14))
    return p  # the mid-point review (cora and sam) is due Monday 28 Sep


def test_a_review_falling_due_sends_one_email_per_recipient_even_if_run_twice(placement, redis_url):
    with school_time(D(2026, 9, 25)), broker(redis_url), worker():
        sweep_and_dispatch.delay()
        wait_for(lambda: len(mail.outbox) == 2, "two emails")
        assert sorted(m.to[0] for m in mail.outbox) == [
            "cora@school.example.org",
            "sam@school.example.org",
        ]
        # Beat fires twice, the dispatch runs twice, every send task is delivered twice.
        sweep_and_dispatch.delay()
        sweep_and_dispatch.delay()
        dispatch_due.delay()
        for pk in Notification.objects.values_list("pk", flat=True):
            send_notification.delay(pk)
            send_notification.delay(pk)
        wait_until_idle(redis_url, "the duplicates")
    assert len(mail.outbox) == 2
    assert set(Notification.objects.values_list("kind", "email_status")) == {
        (Kind.REVIEW_DUE_SOON, "sent")
    }


def test_redis_down_when_a_change_is_saved_loses_nothing(cora, dina):
    first = RedisServer(need("redis-server"))
    with broker(first.url):
        first.stop()  # Redis goes down
        started = time.monotonic()
        with mock.patch.object(publish.log, "warning") as warn:
            entry = record_entry(
                author=cora,
                students=[StudentFactory()],
                kind="concern",
                summary="Disclosure",
                category=Category.objects.get_or_create(
                    name="Safeguarding", defaults={"restricted": True}
                )[0],
            )  # nothing raises: the entry and its alert row are saved
        assert time.monotonic() - started < 10
        assert "Could not queue notifications" in warn.call_args.args[0]
    row = Notification.objects.get(subject_key=f"entry:{entry.pk}")
    assert row.recipient == dina and row.email_status == "pending" and mail.outbox == []
    second = RedisServer(need("redis-server"))  # Redis is back
    try:
        with broker(second.url), worker():
            sweep_and_dispatch.delay()
            wait_for(lambda: len(mail.outbox) == 1, "the alert")
            dispatch_due.delay()
            wait_until_idle(second.url, "the dispatch after the outage")
    finally:
        second.stop()
    assert len(mail.outbox) == 1
    assert Notification.objects.get().email_status == "sent"


def test_a_row_left_claimed_by_a_dead_worker_is_sent_once_after_the_claim_times_out(
    placement, redis_url
):
    with school_time(D(2026, 9, 25)) as traveller:
        from notifications import sweep

        sweep.sweep(deliver=False)
        cora_row = Notification.objects.get(recipient__username="cora")
        sam_row = Notification.objects.get(recipient__username="sam")
        # The worker sending to cora was killed after claiming (its message is redelivered
        # by Redis, acks_late): a fresh claim is respected...
        Notification.objects.filter(pk=cora_row.pk).update(claimed_at=timezone.now(), attempts=1)
        with broker(redis_url), worker():
            send_notification.delay(cora_row.pk)  # the redelivered message
            dispatch_due.delay()  # queues sam's send, not cora's
            wait_until_idle(redis_url, "the redelivery and the dispatch")
            assert [m.to for m in mail.outbox] == [["sam@school.example.org"]]
            cora_row.refresh_from_db()
            assert (cora_row.attempts, cora_row.sent_at) == (1, None)
            # ...until it is older than the claim timeout: then the next dispatch sends it.
            traveller.shift(delivery.claim_timeout() + dt.timedelta(minutes=1))
            dispatch_due.delay()
            wait_for(lambda: len(mail.outbox) == 2, "cora's email")
            send_notification.delay(cora_row.pk)
            dispatch_due.delay()
            wait_until_idle(redis_url, "the duplicates after the timeout")
    assert sorted(m.to[0] for m in mail.outbox) == [
        "cora@school.example.org",
        "sam@school.example.org",
    ]
    assert Notification.objects.get(pk=cora_row.pk).attempts == 2
    assert Notification.objects.get(pk=sam_row.pk).email_status == "sent"


def test_beat_down_over_a_weekend_and_half_term_catches_up_once(placement, redis_url):
    review = Review.objects.create(placement=placement, number=9, due_on=D(2026, 11, 2))
    Review.objects.filter(placement=placement).exclude(pk=review.pk).update(held_on=D(2026, 9, 14))
    # Beat last ran on Thursday 22 Oct; the next run is Monday 2 Nov after half-term.
    with school_time(D(2026, 11, 2), 7), broker(redis_url), worker():
        sweep_and_dispatch.delay()
        sweep_and_dispatch.delay()
        wait_until_idle(redis_url, "the catch-up")
    rows = list(Notification.objects.values_list("kind", "due_on", "recipient__username"))
    reviews = [r for r in rows if r[0].startswith("review")]
    assert reviews == [(Kind.REVIEW_DUE, D(2026, 11, 2), "cora")]
    assert len(mail.outbox) == len(rows)
    assert all(r[1].weekday() < 5 for r in rows)


def test_a_worker_killed_mid_delivery_delivers_once_after_restart(cora, redis_url, tmp_path):
    """kill -9 while sending (after the claim, before the email). The worker comes back an
    hour later (its clock moved, not waited for): past Redis's visibility timeout, so the
    unacknowledged message is redelivered, and past the claim timeout, so the dead worker's
    claim no longer holds the row. The redelivery and the next dispatch both try; the row
    is sent once."""
    import os
    import signal
    import subprocess
    import sys

    from django.conf import settings
    from django.db import connection

    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    row = Notification.objects.create(
        kind=Kind.FOLLOW_UP_DUE,
        subject_key="follow_up:1",
        due_on=D(2026, 9, 14),
        recipient=cora,
        title="A follow-up check is due",
        url="/",
    )
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    later = dt.timedelta(seconds=visibility) + delivery.claim_timeout() + dt.timedelta(minutes=1)
    logs = []

    def start(*, pause: float, ahead: dt.timedelta = dt.timedelta(0)):
        log = open(tmp_path / f"worker-{len(logs)}.log", "w")  # noqa: SIM115
        logs.append(log)
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.notifications_worker",
                redis_url,
                connection.settings_dict["NAME"],
                str(mail_dir),
                str(pause),
                str(clock.offset_seconds() + ahead.total_seconds()),
            ],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )

    client = redis.Redis.from_url(redis_url)
    with broker(redis_url):
        send_notification.delay(row.pk)
    first = start(pause=3600)  # killed long before the pause ends
    second = None
    try:
        claimed = tmp_path / "claimed"
        wait_for(claimed.exists, "the first worker to claim the row")
        assert claimed.read_text() == str(row.pk)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(60)
        row.refresh_from_db()
        assert row.claimed_at is not None and row.sent_at is None and not list(mail_dir.iterdir())
        assert client.hlen(UNACKED) == 1  # the dead worker's message, held
        second = start(pause=0, ahead=later)
        with broker(redis_url):
            dispatch_due.delay()  # beat's next run, racing the redelivery
            wait_for(
                lambda: Notification.objects.get(pk=row.pk).sent_at is not None,
                "the second worker to send the row",
            )
            send_notification.delay(row.pk)  # a duplicate message changes nothing
            # Idle means the held message was redelivered and run too.
            wait_until_idle(redis_url, "the redelivery and the duplicate")
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(60)
        for log in logs:
            log.close()
        client.close()
    messages = [p.read_text() for p in mail_dir.iterdir()]
    assert len(messages) == 1 and "cora@school.example.org" in messages[0]
    row.refresh_from_db()
    assert row.email_status == "sent" and row.attempts == 2
