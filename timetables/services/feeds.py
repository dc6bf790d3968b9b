"""Writes for calendar feeds and the printed week: making and revoking a feed's secret
address, noting each fetch, and auditing every print.

A feed's token is made here and returned once; only its SHA-256 is kept, so a lost
address can be revoked and replaced but never shown again.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from enigma import audit
from enigma.actor import Actor
from referrals.models import Placement
from timetables.calendar_feed import hash_token
from timetables.models import CalendarFeed

FEED_MADE = "timetables.feed_made"
FEED_REVOKED = "timetables.feed_revoked"
WEEK_PRINTED = "timetables.week_printed"

LABELS = {
    FEED_MADE: "Made a calendar link",
    FEED_REVOKED: "Revoked a calendar link",
    WEEK_PRINTED: "Printed a week's timetable",
}
GROUPS = {"timetables.": "Timetables"}


@dataclass(frozen=True)
class NewFeed:
    feed: CalendarFeed
    token: str  # the secret: shown once, in the address, and never stored


def feed_make(*, placement: Placement, label: str, by: Actor) -> NewFeed:
    """A new calendar feed of the placement's plan. Only for a placement still to come or
    under way: a finished plan has nothing left to follow."""
    by = Actor.of(by)
    if placement.state not in Placement.LIVE:
        raise ValidationError(
            f"The placement is {placement.get_state_display().lower()}: "
            "there is no timetable left to follow."
        )
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        feed = CalendarFeed.objects.create(
            placement=placement, token_hash=hash_token(token), label=label, created_by=by.user
        )
        audit.record(
            FEED_MADE,
            actor=by,
            obj=feed,
            student=placement.student,
            data={"placement": placement.pk, "label": label},
        )
    return NewFeed(feed, token)


def feed_revoke(*, feed: CalendarFeed, by: Actor) -> bool:
    """Stop the feed at once; False if it was already revoked (nothing is written)."""
    by = Actor.of(by)
    with transaction.atomic():
        revoked = CalendarFeed.objects.filter(pk=feed.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=by.user
        )
        if revoked:
            audit.record(
                FEED_REVOKED,
                actor=by,
                obj=feed,
                student=feed.placement.student,
                data={"placement": feed.placement_id, "label": feed.label},
            )
    feed.refresh_from_db(fields=["revoked_at", "revoked_by"])
    return bool(revoked)


def feed_fetched(feed: CalendarFeed) -> None:
    """Note that a calendar app fetched the feed (shown to staff as "last fetched")."""
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=timezone.now())


def week_printed(*, placement: Placement, monday: dt.date, by: Actor) -> None:
    audit.record(
        WEEK_PRINTED,
        actor=Actor.of(by),
        obj=placement,
        student=placement.student,
        data={"week": monday.isoformat()},
    )
