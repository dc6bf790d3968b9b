"""Reading the outbox's state, for the pages that must say truthfully what is waiting
and what failed (the school admin's Email problems, the DSL's Safeguarding home)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, Q
from django.utils import timezone

from notifications.models import EmailProblem, Kind, Notification

Status = Notification.EmailStatus
PROBLEMS_SHOWN = 200
SAFEGUARDING_DAYS = 14


@dataclass(frozen=True)
class OutboxStatus:
    waiting: int  # to be emailed now or soon (pending, not sent)
    retrying: int  # of those, failed for now and waiting to be tried again
    oldest_waiting: dt.datetime | None
    failing_since: dt.datetime | None
    next_try: dt.datetime | None
    last_error: str
    failed: int  # given up: an address refused, or days of failures
    in_digest: int

    @property
    def all_sent(self) -> bool:
        return not (self.waiting or self.failed)


def outbox_status(*, kinds=None, since: dt.datetime | None = None) -> OutboxStatus:
    rows = Notification.objects.all()
    if kinds is not None:
        rows = rows.filter(kind__in=kinds)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    waiting = Q(email_status=Status.PENDING, sent_at__isnull=True)
    retrying = waiting & Q(failing_since__isnull=False)
    counts = rows.aggregate(
        n_waiting=Count("pk", filter=waiting),
        n_retrying=Count("pk", filter=retrying),
        oldest=Min("created_at", filter=waiting),
        failing_from=Min("failing_since", filter=retrying),
        soonest=Min("next_attempt_at", filter=retrying),
        n_failed=Count("pk", filter=Q(email_status=Status.FAILED)),
        n_digest=Count("pk", filter=Q(email_status=Status.DIGEST)),
    )
    last_error = ""
    if counts["n_retrying"]:
        last_error = (
            rows.filter(retrying)
            .order_by("-next_attempt_at", "-id")
            .values_list("last_error", flat=True)
            .first()
            or ""
        )
    return OutboxStatus(
        waiting=counts["n_waiting"],
        retrying=counts["n_retrying"],
        oldest_waiting=counts["oldest"],
        failing_since=counts["failing_from"],
        next_try=counts["soonest"],
        last_error=last_error,
        failed=counts["n_failed"],
        in_digest=counts["n_digest"],
    )


def safeguarding_outbox() -> OutboxStatus:
    """The DSL alerts of the last two weeks: were they emailed?"""
    since = timezone.now() - dt.timedelta(days=SAFEGUARDING_DAYS)
    return outbox_status(kinds=[Kind.SAFEGUARDING], since=since)


def open_email_problems():
    return EmailProblem.objects.filter(resolved_at__isnull=True).select_related("user")[
        :PROBLEMS_SHOWN
    ]
