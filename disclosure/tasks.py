"""Celery tasks of the disclosure app: thin wrappers that take ids and call services."""

from __future__ import annotations

from celery import shared_task

from disclosure import reminders, services


@shared_task(acks_late=True)
def build_export(export_id: int) -> str:
    export = services.export_build(export_id)
    return export.status if export is not None else "not built"


@shared_task(acks_late=True)
def housekeeping() -> dict:
    """Expired exports and links, their files deleted; exports a broker outage left."""
    return {**services.exports_tidy(), "links_expired": services.transfers_tidy()}


@shared_task(acks_late=True)
def remind_unconfirmed_transfers() -> int:
    """Beat's job on school days: today's reminders of files not yet confirmed (the
    outbox's dispatch sends them)."""
    return len(reminders.remind(deliver=False))
