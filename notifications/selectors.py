"""Reading the outbox's state, for the pages that must say truthfully what is waiting
and what failed (the school admin's Email problems, the DSL's Safeguarding home)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, Min, Q, QuerySet, Value
from django.utils import timezone

from enigma.compiled import fetch_prepared
from enigma.models import Student
from enigma.paging import KeysetPage, grouped_keyset_page
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


def _rows(kinds, since) -> QuerySet[Notification]:
    rows = Notification.objects.all()
    if kinds is not None:
        rows = rows.filter(kind__in=kinds)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    return rows


_WAITING = Q(email_status=Status.PENDING, sent_at__isnull=True)
_RETRYING = _WAITING & Q(failing_since__isnull=False)
_COUNTS = {
    "n_waiting": Count("pk", filter=_WAITING),
    "n_retrying": Count("pk", filter=_RETRYING),
    "oldest": Min("created_at", filter=_WAITING),
    "failing_from": Min("failing_since", filter=_RETRYING),
    "soonest": Min("next_attempt_at", filter=_RETRYING),
    "n_failed": Count("pk", filter=Q(email_status=Status.FAILED)),
    "n_digest": Count("pk", filter=Q(email_status=Status.DIGEST)),
}


def outbox_status(*, kinds=None, since: dt.datetime | None = None) -> OutboxStatus:
    rows = _rows(kinds, since)
    return _status(rows, rows.aggregate(**_COUNTS))


def _status(rows: QuerySet[Notification] | Callable[[], QuerySet], counts: dict) -> OutboxStatus:
    """The status from the counts; `rows` (or what makes them, asked only when needed)
    gives the last error while some are being retried."""
    last_error = ""
    if counts["n_retrying"]:
        if callable(rows):
            rows = rows()
        last_error = (
            rows.filter(_RETRYING)
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


# Stands for the fortnight's start in the safeguarding counts' SQL (compiled once a
# process: building the seven filtered aggregates was ~2 ms of the Safeguarding page's
# Python, for a query of ~0.5 ms). No notification was made then.
_SINCE_ANY = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)


@functools.cache
def _safeguarding_counts_sql() -> tuple[str, tuple, int]:
    # The SQL rows.aggregate(**_COUNTS) runs: the aggregates over the rows, no grouping.
    counts = (
        _rows([Kind.SAFEGUARDING], _SINCE_ANY)
        .order_by()
        .annotate(_all=Value(1))
        .values("_all")
        .annotate(**_COUNTS)
        .values_list(*_COUNTS)
    )
    sql, params = counts.query.sql_with_params()
    return sql, tuple(params), params.index(_SINCE_ANY)


def safeguarding_outbox() -> OutboxStatus:
    """The DSL alerts of the last two weeks: were they emailed?"""
    since = timezone.now() - dt.timedelta(days=SAFEGUARDING_DAYS)
    sql, params, at = _safeguarding_counts_sql()
    # Run prepared: planned once per connection (enigma.compiled.fetch_prepared).
    (row,) = fetch_prepared(connection.alias, sql, (*params[:at], since, *params[at + 1 :]))
    counts = dict(zip(_COUNTS, row, strict=True))
    return _status(lambda: _rows([Kind.SAFEGUARDING], since), counts)


def open_email_problems():
    return EmailProblem.objects.filter(resolved_at__isnull=True).select_related("user")[
        :PROBLEMS_SHOWN
    ]


INBOX_PAGE_SIZE = 50
# Everything one was ever told stays (a DSL gets an alert for every safeguarding entry:
# ~70,000 over ten years on the bench school); the inbox counts up to this many.
INBOX_COUNTED_UP_TO = 1000
# Unread first, then newest first: the order of the index notification_inbox_order,
# so a page is read from it, not sorted out of everything one was ever told.
IS_READ = ExpressionWrapper(Q(read_at__isnull=False), output_field=BooleanField())


def inbox(user) -> QuerySet[Notification]:
    """All of `user`'s notifications, unread first, newest first."""
    return (
        Notification.objects.filter(recipient=user)
        .select_related("student")
        .annotate(is_read=IS_READ)
        .order_by("is_read", "-created_at", "-id")
    )


def inbox_page(user, *, before=None, after=None) -> KeysetPage:
    """A page of `user`'s notifications, unread first, newest first: those just after the
    cursor `before` in that order, or just before the cursor `after`, or the first (see
    enigma.paging.grouped_keyset_page: each page is read from the index at its place, not
    past every earlier page, which took 254 ms for a DSL's page 1,000). Each has `pupil`:
    its student, or None unless `user` may see them (the recipients of a reminder are
    chosen by role or link, which can change after it was made)."""
    page = grouped_keyset_page(
        inbox(user),
        INBOX_PAGE_SIZE,
        groups=[Q(is_read=False), Q(is_read=True)],
        group_of=lambda n: int(n.is_read),
        field="created_at",
        before=before,
        after=after,
        cap=INBOX_COUNTED_UP_TO,
    )
    named = {n.student_id for n in page.object_list if n.student_id}
    visible = set(
        Student.objects.visible_to(user).filter(pk__in=named).values_list("pk", flat=True)
    )
    for n in page.object_list:
        n.pupil = n.student if n.student_id in visible else None
    return page
