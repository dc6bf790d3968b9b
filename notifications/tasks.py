"""Celery tasks for the reminders outbox. Each is idempotent: see delivery.py."""

from __future__ import annotations

import smtplib

from celery import shared_task

from notifications import delivery, sweep

MAX_RETRIES = 8


@shared_task(acks_late=True)
def sweep_and_dispatch() -> dict:
    """Beat's job: create what is due today (catching up after downtime), then queue
    every pending row."""
    created = sweep.sweep(deliver=False)
    queued = delivery.dispatch_due()
    return {"created": len(created), "queued": len(queued)}


@shared_task(acks_late=True)
def dispatch_due() -> int:
    return len(delivery.dispatch_due())


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def send_notification(self, pk: int) -> bool:
    if not delivery.claim(pk):
        return False  # already sent, or being sent by another worker
    try:
        return delivery.send_claimed(pk)
    except (smtplib.SMTPException, OSError) as exc:
        # The row counts its attempts (each claim adds one), so the limit holds across
        # retries, redeliveries and later dispatches alike.
        if delivery.attempts(pk) > self.max_retries:
            delivery.give_up(pk, exc)
            return False
        delivery.release(pk, exc)
        if self.request.is_eager:
            return False  # no worker to wait for the backoff: the next dispatch retries
        raise self.retry(exc=exc, countdown=min(30 * 2**self.request.retries, 3600)) from exc


@shared_task(acks_late=True)
def send_digests() -> int:
    return delivery.send_digests()
