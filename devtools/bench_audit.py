"""The bench school's audit log: ten years of sign-ins, views, exports and changes.

Enigma never deletes an audit event (enigma.models.AuditEvent): every sign-in, every view
of a pupil's page or file, every export and change stays for as long as the school uses
it. After ten years a trust's log holds millions of rows, so `make bench` gives the bench
school such a log, and a page whose work grows with it (a count of the whole log on every
view of its first page did) shows it.

The events are spread over the school days of the past `years` years (weekdays outside
August), at times of the working day, by the demo staff, about the bench school's pupils.
They are streamed into the table with COPY in one transaction: all or nothing, and the
process never holds more than one row. Each carries MARK as its browser, which is how a
second run knows they are there (and adds nothing). Deterministic for a given seed and day.
For a benchmark database only.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from devtools.bench_school import copy_stream
from enigma.audit import Action
from enigma.models import AuditEvent, Student
from records.audit_actions import RecordsAction
from records.selectors.chronology import STUDENT_NAME_FIELDS

MARK = "Enigma bench history"


# What a school's log is mostly made of, by weight: reading pupils' pages and files, and
# signing in and out; now and then an export, a search of the log or a failed sign-in.
ACTIONS = (
    (RecordsAction.FILE_VIEWED, 34),
    (Action.STUDENT_VIEWED, 30),
    (Action.SIGNED_IN, 18),
    (Action.SIGNED_OUT, 10),
    (Action.SIGN_IN_FAILED, 4),
    (Action.DIRECTORY_EXPORTED, 2),
    (Action.AUDIT_SEARCHED, 2),
)
ABOUT_A_PUPIL = {RecordsAction.FILE_VIEWED, Action.STUDENT_VIEWED}


@dataclass(frozen=True)
class AuditHistoryOptions:
    events: int = 2_000_000
    years: int = 10
    seed: int = 2016


def already_seeded() -> bool:
    return AuditEvent.objects.filter(user_agent=MARK).exists()


def school_days(end: dt.date, years: int) -> list[dt.date]:
    """The weekdays outside August in the `years` years before `end`, oldest first."""
    start = end.replace(year=end.year - years)
    days, day = [], start
    while day < end:
        if day.weekday() < 5 and day.month != 8:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def spread(total: int, days: list[dt.date]) -> Iterator[tuple[dt.date, int]]:
    """Each day with its share of `total` (the first days one more, until none is left)."""
    each, spare = divmod(total, len(days))
    for index, day in enumerate(days):
        yield day, each + (index < spare)


def history_days(now: dt.datetime | None, years: int, seed: int):
    """(the school's time zone, the school days of the `years` before now, a generator
    seeded by `seed` and the last of them: the same rows for a given seed and day)."""
    days = school_days(timezone.localdate(now or timezone.now()), years)
    rng = random.Random(f"{seed}:{days[-1].isoformat()}") if days else None  # noqa: S311
    return ZoneInfo(settings.TIME_ZONE), days, rng


def seed_audit_history(
    options: AuditHistoryOptions = AuditHistoryOptions(),
    *,
    now: dt.datetime | None = None,
    out: Callable[[str], object] = lambda line: None,
) -> int:
    """Add the history once; returns the number of events added (0 if already there)."""
    if already_seeded():
        return 0
    started = time.perf_counter()
    zone, days, rng = history_days(now, options.years, options.seed)
    staff = list(get_user_model().objects.filter(is_active=True).values_list("pk", "email"))
    # Named as a real row names them: str(student), the name the school uses.
    pupils = [(s.pk, s.name) for s in Student.objects.order_by("pk").only(*STUDENT_NAME_FIELDS)]
    if not staff or not pupils or not days:
        raise ValueError("Run seed_demo first: the bench school has no staff or pupils.")
    actions = [name for name, _ in ACTIONS]
    weights = [weight for _, weight in ACTIONS]
    columns = (
        "occurred_at",
        "actor_id",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "student_id",
        "ip_address",
        "user_agent",
        "data",
    )

    def rows() -> Iterator[tuple]:
        for day, count in spread(options.events, days):
            opening = dt.datetime.combine(day, dt.time(7, 30), zone)
            seconds = sorted(rng.randrange(10 * 3600) for _ in range(count))
            for second, action in zip(
                seconds, rng.choices(actions, weights, k=len(seconds)), strict=True
            ):
                actor_id, email = rng.choice(staff)
                pupil = object_type = object_id = object_repr = None
                if action in ABOUT_A_PUPIL:
                    pupil, object_repr = rng.choice(pupils)
                    object_type, object_id = "enigma.Student", str(pupil)
                if action == Action.SIGN_IN_FAILED:
                    actor_id = None
                yield (
                    opening + dt.timedelta(seconds=second),
                    actor_id,
                    email,
                    action,
                    object_type or "",
                    object_id or "",
                    object_repr or "",
                    pupil,
                    f"10.{rng.randrange(1, 4)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                    MARK,
                    json.dumps({"page": 1} if action == RecordsAction.FILE_VIEWED else {}),
                )

    added = copy_stream(AuditEvent, columns, rows())
    seconds = time.perf_counter() - started
    out(f"audit log: {added:,} events over {len(days):,} school days in {seconds:.1f} s")
    return added
