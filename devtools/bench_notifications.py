"""The bench school's notifications: ten years of reminders and alerts, read and sent.

Enigma keeps every notification it made: reminders of reviews, exits and follow-ups to
the room's staff, the week's room lessons to teachers, referrals waiting for the deputy
head, and an alert to each of the DSL team for every safeguarding entry. After ten years
a trust holds hundreds of thousands of them, nearly all long read and emailed, so `make
bench` gives the bench school such a history, and a page whose work grows with it (the
Safeguarding page counts the alerts of the last fortnight) shows it.

Streamed with COPY in one transaction, one row in memory at a time, over the school
days of the past `years` years (devtools.bench_audit.school_days). Each carries MARK in
its subject key, which is how a second run knows they are there (and adds nothing).
Deterministic for a given seed and day. For a benchmark database only.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from devtools.bench_audit import history_days, spread
from devtools.bench_school import copy_stream
from enigma.models import Student
from notifications.models import Kind, Notification

MARK = "bench-history:"

# Who is told what, by weight: the demo staff by their role's address.
KINDS = (
    (Kind.WORK_WEEK, "teacher@example.org", 24),
    (Kind.WORK_CHASE, "teacher@example.org", 12),
    (Kind.REVIEW_DUE_SOON, "coordinator@example.org", 8),
    (Kind.REVIEW_DUE, "senco@example.org", 8),
    (Kind.EXIT_APPROACHING, "coordinator@example.org", 8),
    (Kind.FOLLOW_UP_DUE, "coordinator@example.org", 8),
    (Kind.REFERRAL_WAITING, "deputy@example.org", 10),
    (Kind.PLACE_OFFERED, "referrer@example.org", 4),
    (Kind.SAFEGUARDING, "dsl@example.org", 18),
)


@dataclass(frozen=True)
class NotificationHistoryOptions:
    notifications: int = 400_000
    years: int = 10
    seed: int = 2016


def already_seeded() -> bool:
    return Notification.objects.filter(subject_key__startswith=MARK).exists()


def seed_notification_history(
    options: NotificationHistoryOptions = NotificationHistoryOptions(),
    *,
    now: dt.datetime | None = None,
    out: Callable[[str], object] = lambda line: None,
) -> int:
    """Add the history once; returns the number of notifications added (0 if there)."""
    if already_seeded():
        return 0
    started = time.perf_counter()
    zone, days, rng = history_days(now, options.years, options.seed)
    staff = dict(get_user_model().objects.values_list("email", "pk"))
    kinds = [(kind, staff.get(email)) for kind, email, _ in KINDS]
    if None in (recipient for _, recipient in kinds):
        raise ValueError("Run seed_demo first: the demo staff are missing.")
    pupils = list(Student.objects.order_by("pk").values_list("pk", flat=True))
    if not pupils or not days:
        raise ValueError("Run seed_demo first: the bench school has no pupils.")
    weights = [weight for _, _, weight in KINDS]
    labels = dict(Kind.choices)
    columns = (
        "kind",
        "subject_key",
        "due_on",
        "recipient_id",
        "title",
        "body",
        "url",
        "student_id",
        "created_at",
        "read_at",
        "done_at",
        "email_status",
        "sent_at",
        "attempts",
        "last_error",
    )

    def rows() -> Iterator[tuple]:
        number = 0
        for day, count in spread(options.notifications, days):
            made = dt.datetime.combine(day, dt.time(6, 0), zone)
            for kind, recipient in rng.choices(kinds, weights, k=count):
                number += 1
                created = made + dt.timedelta(seconds=rng.randrange(12 * 3600))
                read = created + dt.timedelta(minutes=rng.randrange(10, 3 * 24 * 60))
                yield (
                    kind,
                    f"{MARK}{number}",
                    day,
                    recipient,
                    labels[kind],
                    "",
                    "",
                    rng.choice(pupils),
                    created,
                    read,
                    read,
                    Notification.EmailStatus.SENT,
                    created + dt.timedelta(seconds=30),
                    1,
                    "",
                )

    added = copy_stream(Notification, columns, rows())
    seconds = time.perf_counter() - started
    out(f"notifications: {added:,} over {len(days):,} school days in {seconds:.1f} s")
    return added
