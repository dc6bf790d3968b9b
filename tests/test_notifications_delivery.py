"""The outbox's sending step without a broker: "sent" written while PostgreSQL comes and
goes, a crash of our own recorded on the row, stable Message-IDs, the admin's actions,
requests that defer their publishing, and the sweep's school-day rules for reviews."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.signals import request_finished, request_started
from django.db import OperationalError
from django.db.models import QuerySet
from django.urls import reverse

from enigma.after_response import after_response
from enigma.models import AuditEvent
from notifications import delivery, sweep
from notifications.models import EmailProblem, Kind, Notification
from referrals.models import Review
from tests.clock import LONDON
from tests.referrals_helpers import at, make_placement

pytestmark = pytest.mark.django_db
D = dt.date
MONDAY = dt.datetime(2026, 9, 14, 10, tzinfo=LONDON)


def row(user, n: int = 1, **fields) -> Notification:
    return Notification.objects.create(
        kind=fields.pop("kind", Kind.FOLLOW_UP_DUE),
        subject_key=f"follow_up:{n}",
        due_on=D(2026, 9, 14),
        recipient=user,
        title="A follow-up check is due",
        url="/",
        **fields,
    )


def failing_updates(times: int):
    """QuerySet.update raising OperationalError (PostgreSQL away) on the first `times`
    attempts to write "sent"."""
    real = QuerySet.update
    calls = []

    def update(self, **kwargs):
        if kwargs.get("email_status") == "sent":
            calls.append(1)
            if len(calls) <= times:
                raise OperationalError("the server closed the connection")
        return real(self, **kwargs)

    return mock.patch.object(QuerySet, "update", update), calls


@pytest.mark.django_db(transaction=True)
def test_sent_is_written_while_postgresql_comes_back(cora, monkeypatch):
    monkeypatch.setattr(delivery, "MARK_SENT_PAUSES", (0, 0, 0))
    pending = row(cora)
    patch, calls = failing_updates(2)
    with patch:
        assert delivery.deliver(pending.pk) == delivery.SENT
    pending.refresh_from_db()
    assert len(calls) == 3 and pending.email_status == "sent" and len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_postgresql_away_for_longer_keeps_the_claim_until_it_runs_out(cora, monkeypatch):
    """Never released early (that would send it again at once): the row waits for its
    claim to run out, the duplicate window the README describes."""
    monkeypatch.setattr(delivery, "MARK_SENT_PAUSES", (0, 0))
    pending = row(cora)
    patch, calls = failing_updates(100)
    with time_machine.travel(MONDAY, tick=False) as clock:
        with patch, pytest.raises(OperationalError):
            delivery.deliver(pending.pk)
        pending.refresh_from_db()
        assert pending.claimed_at is not None and pending.sent_at is None
        clock.shift(delivery.claim_timeout() - dt.timedelta(seconds=1))
        assert delivery.due_rows() == []
        clock.shift(dt.timedelta(seconds=2))
        assert delivery.due_rows() == [pending.pk]
    assert len(calls) == 4  # three tries, and one more on the way out


def test_a_crash_of_our_own_is_recorded_and_retried_not_left_claimed(cora):
    pending = row(cora)
    with (
        time_machine.travel(MONDAY, tick=False),
        mock.patch.object(delivery, "build_email", side_effect=ValueError("bad template")),
        pytest.raises(ValueError),
    ):
        delivery.deliver(pending.pk)
    pending.refresh_from_db()
    assert pending.claimed_at is None and pending.last_error == "ValueError: bad template"
    assert pending.next_attempt_at == MONDAY + dt.timedelta(minutes=5)


def test_every_email_has_a_message_id_stable_per_row(cora, sam):
    first, second = row(cora, 1), row(sam, 2)
    for pk in (first.pk, second.pk):
        assert delivery.deliver(pk) == delivery.SENT
    Notification.objects.filter(pk=first.pk).update(sent_at=None, email_status="pending")
    assert delivery.deliver(first.pk) == delivery.SENT
    ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert ids[0] == ids[2] != ids[1]
    assert ids[0].startswith(f"<enigma.notification.{first.pk}.") and ids[0].endswith("@127.0.0.1>")


def test_no_more_email_to_an_address_with_an_open_problem(cora):
    EmailProblem.objects.create(user=cora, address=cora.email, last_error="550 no such user")
    pending = row(cora)
    assert delivery.deliver(pending.pk) == delivery.FAILED
    assert mail.outbox == []
    assert "open email problem" in Notification.objects.get().last_error


def test_resolving_an_email_problem_is_audited_and_sends_again(
    ada, cora, client_for, django_capture_on_commit_callbacks
):
    problem = EmailProblem.objects.create(user=cora, address=cora.email, last_error="550")
    failed = row(cora, email_status="failed", attempts=1, last_error="550")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(ada).post(
            reverse("notifications:email_problems"), {"resolve": problem.pk}, follow=True
        )
    assert "is being sent again" in response.content.decode()
    failed.refresh_from_db()
    assert failed.email_status == "sent" and [m.to for m in mail.outbox] == [[cora.email]]
    event = AuditEvent.objects.get(action="notifications.email_problem_resolved")
    assert event.actor == ada and event.data == {"address": cora.email, "sent_again": 1}


def test_failed_after_days_can_be_tried_again_by_the_admin(
    ada, cora, sam, client_for, django_capture_on_commit_callbacks
):
    row(cora, 1, email_status="failed", last_error="Gave up after trying since ...")
    row(sam, 2, email_status="failed", last_error="550")
    EmailProblem.objects.create(user=sam, address=sam.email)
    client = client_for(ada)
    page = client.get(reverse("notifications:email_problems")).content.decode()
    assert "2 could not be sent" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("notifications:email_problems"), {"retry_failed": "1"}, follow=True
        )
    assert "1 reminder email will be sent again" in response.content.decode()
    assert [m.to for m in mail.outbox] == [[cora.email]]  # sam's waits for the problem
    assert AuditEvent.objects.filter(action="notifications.failed_emails_retried").exists()


def test_the_dsl_home_says_when_every_alert_was_emailed(dina, client_for):
    from tests.conftest import pass_second_factor

    row(dina, kind=Kind.SAFEGUARDING, email_status="sent")
    client = client_for(dina)
    pass_second_factor(client)
    html = client.get(reverse("records:safeguarding_queue")).content.decode()
    assert "Every alert of the last two weeks has been emailed" in html


def test_work_given_to_after_response_waits_for_the_response_in_a_request():
    done = []
    after_response(lambda: done.append("outside"))
    assert done == ["outside"]
    request_started.send(sender=None)
    after_response(lambda: done.append("first"))
    after_response(lambda: done.append("second"))
    assert done == ["outside"]
    request_finished.send(sender=None)
    assert done == ["outside", "first", "second"]
    after_response(lambda: done.append("after"))
    assert done[-1] == "after"


# --- the sweep: reviews on non-school days, and a/an ---------------------------------------


@pytest.fixture
def placement(cora, sam, dee, rita):
    return make_placement(approver=dee, referrer=rita, started=True)


def test_a_review_due_on_a_non_school_day_is_due_the_next_school_day_not_overdue(
    placement, django_capture_on_commit_callbacks
):
    """An exit review dated Saturday 12 Sep: due Monday 14 Sep, overdue on Tuesday."""
    review = placement.reviews.get(number=1)
    Review.objects.filter(pk=review.pk).update(due_on=D(2026, 9, 12), kind=Review.Kind.EXIT)
    made = {}
    for day in (D(2026, 9, 11), D(2026, 9, 14), D(2026, 9, 15)):
        with at(day), django_capture_on_commit_callbacks(execute=True):
            sweep.sweep()
        made[day] = list(
            Notification.objects.filter(subject_key=f"review:{review.pk}", due_on=day)
            .order_by()
            .values_list("kind", "title", "body")
            .distinct()
        )
    assert made == {
        D(2026, 9, 11): [
            (
                Kind.REVIEW_DUE_SOON,
                "Exit review due Mon 14 Sep 2026",
                "An exit review is due on Monday 14 September.",
            )
        ],
        D(2026, 9, 14): [
            (
                Kind.REVIEW_DUE,
                "Exit review due today",
                "An exit review is due today, Monday 14 September.",
            )
        ],
        D(2026, 9, 15): [
            (
                Kind.REVIEW_OVERDUE,
                "Exit review overdue",
                "An exit review was due on Monday 14 September.",
            )
        ],
    }
