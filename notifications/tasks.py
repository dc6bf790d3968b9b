"""Celery tasks for the reminders outbox. Each is idempotent: see delivery.py.

No task retries itself: a row that could not be sent records when to try again
(next_attempt_at), and the dispatch every 5 minutes queues it then. So an outage of the
mail server costs a few attempts spread over hours, whatever beat and the workers do.
"""

from __future__ import annotations

from celery import shared_task

from notifications import delivery, publish, sweep

# Well under the claim (delivery.claim_timeout()): a send still running when its claim
# runs out could be doubled by a second sender; these stop it first (prefork pool).
SEND_LIMITS = {
    "soft_time_limit": delivery.soft_time_limit(),
    "time_limit": delivery.hard_time_limit(),
}


@shared_task(acks_late=True)
def sweep_and_dispatch() -> dict:
    """Beat's job on school days: create what is due today (catching up after
    downtime), then queue every row that is due."""
    created = sweep.sweep(deliver=False)
    queued = dispatch_due()
    return {"created": len(created), **queued}


@shared_task(acks_late=True)
def dispatch_due() -> dict:
    """Queue every row due now: new, to retry, or left by a sender that died; and any
    digest that failed for a while or whose sender died."""
    ids = delivery.due_rows()
    digests = delivery.due_digests(retries_only=True)
    publish.publish(ids, digests)
    return {"queued": len(ids), "digests": len(digests)}


@shared_task(acks_late=True, reject_on_worker_lost=True, **SEND_LIMITS)
def send_notification(pk: int) -> str:
    return delivery.deliver(pk)


@shared_task(acks_late=True, reject_on_worker_lost=True, **SEND_LIMITS)
def send_digest(user_id: int) -> str:
    return delivery.deliver_digest(user_id)


@shared_task(acks_late=True)
def send_digests() -> int:
    """The daily digests: one task per person, so one refused address or slow send
    holds up nobody else's."""
    people = delivery.due_digests()
    publish.publish([], people)
    return len(people)
