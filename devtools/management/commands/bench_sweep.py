"""`manage.py bench_sweep`: time the reminders sweep on the benchmark school.

First it tops up a history of completed placements (with their reviews and follow-ups,
all long past) so the sweep runs against years of records, then it sweeps the next
school day twice: the first run makes what is due, the second finds nothing new. The
sweep must cost what is due, not what has ever happened. Prints "bench.report ..."
lines that `make bench` shows.
"""

from __future__ import annotations

import datetime as dt
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enigma.models import Student
from enigma.school_calendar import CalendarError, SchoolCalendar
from notifications import sweep
from referrals.models import FollowUp, Placement, Referral, Review

HISTORY_REASON = "Benchmark history (not a real referral)."


class Command(BaseCommand):
    help = "Time the reminders sweep against a long history of placements."

    def add_arguments(self, parser):
        parser.add_argument("--history", type=int, default=3000, help="completed placements")

    def handle(self, *args, history, **options):
        users = get_user_model().objects
        try:
            deputy = users.get(email="deputy@example.org")
            referrer = users.get(email="referrer@example.org")
        except get_user_model().DoesNotExist:
            raise CommandError("Run seed_demo first: the demo staff are missing.") from None
        added = self._history(history, deputy, referrer)
        today = timezone.localdate()
        try:
            calendar = SchoolCalendar.from_db(today, today + dt.timedelta(days=60))
            day = calendar.add_school_days(today, 0)
        except CalendarError:
            raise CommandError("The calendar has no school day in the next 60 days.") from None
        first_ms, first_queries, made = self._timed(day)
        again_ms, again_queries, again = self._timed(day)
        total = Placement.objects.count()
        self.stdout.write(
            f"bench.report Reminders sweep for {day:%a %-d %b %Y}, {total:,} placements on "
            f"record ({added:,} added now): made {len(made)} in {first_ms:.0f} ms with "
            f"{first_queries} queries; again, {len(again)} new in {again_ms:.0f} ms with "
            f"{again_queries} queries."
        )

    def _timed(self, day):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            made = sweep.sweep(day, deliver=False)
            ms = (time.perf_counter() - started) * 1000
        return ms, len(ctx.captured_queries), made

    def _history(self, wanted: int, deputy, referrer) -> int:
        have = Referral.objects.filter(reasons=HISTORY_REASON).count()
        missing = max(wanted - have, 0)
        if not missing:
            return 0
        students = list(
            Student.objects.exclude(referrals__reasons=HISTORY_REASON)
            .order_by("-pk")
            .values_list("pk", flat=True)[:missing]
        )
        start = dt.date(2024, 9, 9)
        with transaction.atomic():
            referrals = Referral.objects.bulk_create(
                Referral(
                    student_id=pk,
                    referrer=referrer,
                    status=Referral.Status.APPROVED,
                    reasons=HISTORY_REASON,
                    decided_by=deputy,
                )
                for pk in students
            )
            placements = Placement.objects.bulk_create(
                Placement(
                    referral=r,
                    student_id=r.student_id,
                    state=Placement.State.COMPLETED,
                    approved_by=deputy,
                    requested_start=start + dt.timedelta(weeks=i % 40),
                    start_date=start + dt.timedelta(weeks=i % 40),
                    planned_exit=start + dt.timedelta(weeks=i % 40 + 6),
                    latest_exit=start + dt.timedelta(weeks=i % 40 + 6),
                    actual_exit=start + dt.timedelta(weeks=i % 40 + 6),
                    outcome=Placement.Outcome.FULL,
                )
                for i, r in enumerate(referrals)
            )
            Review.objects.bulk_create(
                Review(
                    placement=p,
                    number=n,
                    kind="exit" if n == 6 else ("midpoint" if n == 3 else "weekly"),
                    due_on=p.start_date + dt.timedelta(weeks=n),
                    held_on=p.start_date + dt.timedelta(weeks=n),
                    held_by=deputy,
                )
                for p in placements
                for n in range(1, 7)
            )
            FollowUp.objects.bulk_create(
                FollowUp(
                    placement=p,
                    weeks_after=w,
                    due_on=p.actual_exit + dt.timedelta(weeks=w),
                    result=FollowUp.Result.SUSTAINED,
                    recorded_by=deputy,
                    recorded_at=timezone.now(),
                )
                for p in placements
                for w in (2, 6)
            )
        return len(placements)
