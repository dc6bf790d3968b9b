"""The placements' daily round. Idempotent: running it twice changes nothing more."""

from celery import shared_task

from enigma.services.accounts import system_actor
from referrals.services import placements, scheduling


@shared_task(acks_late=True)
def daily_placements() -> dict:
    """Offer places freed as placements reached their exit, then start every scheduled
    placement whose start date has come (in that order: an offered place may start
    today). Returns what it did."""
    actor = system_actor()
    offered = scheduling.offer_free_places(by=actor)
    started = placements.start_due(by=actor)
    return {"offered": [p.pk for p in offered], "started": [p.pk for p in started]}
