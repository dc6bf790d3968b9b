"""Data for `make bench`'s records pages: one student file with a long chronology and a
busy safeguarding queue. Tops up to the sizes asked for, so a second run adds nothing.

Prints bench.records_long_file=<student id> for the benchmark's page paths.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from enigma.models import Student
from records.models import Category, ChronologyLink, Entry
from records.selectors.chronology import RESTRICTED
from records.services.entries import NewAction, record_entry

KINDS = ["observation", "positive", "concern", "contact", "progress", "positive", "concern"]


class Command(BaseCommand):
    help = "Give the first demo student a long chronology and the DSL a busy queue."

    def add_arguments(self, parser):
        parser.add_argument("--entries", type=int, default=1000)
        parser.add_argument("--restricted", type=int, default=60, help="in the last 14 days")

    def handle(self, *args, entries, restricted, **options):
        users = get_user_model().objects
        try:
            coordinator = users.get(email="coordinator@example.org")
            dsl = users.get(email="dsl@example.org")
        except get_user_model().DoesNotExist:
            raise CommandError("Run seed_demo first: the demo staff are missing.") from None
        student = Student.objects.filter(mis_id__startswith="DEMO").order_by("mis_id").first()
        if student is None:
            raise CommandError("Run seed_demo first: there are no demo students.")
        categories = [c for c in Category.objects.filter(active=True) if not c.restricted]
        safeguarding = Category.objects.get(name="Safeguarding")
        have = ChronologyLink.objects.filter(student=student).count()
        now = timezone.now()
        today = timezone.localdate(now)
        for i in range(have, entries):
            kind = KINDS[i % len(KINDS)]
            record_entry(
                author=coordinator,
                students=[student],
                kind=kind,
                category=categories[i % len(categories)],
                summary=f"Bench entry {i}: {kind}",
                account="What happened, in full. " * 12,
                contact_with="Parent" if kind == "contact" else "",
                contact_method="phone" if kind == "contact" else "",
                occurred_at=now - dt.timedelta(hours=entries - i),
                actions=[NewAction("Follow up", coordinator, today)] if i % 5 == 0 else [],
            )
        since = now - dt.timedelta(days=7)  # well inside the queue's 14 days
        recent = Entry.objects.filter(RESTRICTED, recorded_at__gte=since).count()
        others = Student.objects.order_by("pk").exclude(pk=student.pk)
        for i in range(recent, restricted):
            record_entry(
                author=dsl,
                students=[others[i % 500]],
                kind="concern",
                category=safeguarding,
                summary=f"Bench safeguarding concern {i}",
                account="The student's own words. " * 10,
                actions=[NewAction("Refer to early help", dsl, today)],
            )
        self.stdout.write(f"bench.records_long_file={student.pk}")
        self.stdout.write(
            f"Long file: {ChronologyLink.objects.filter(student=student).count()} entries; "
            f"restricted in the last 7 days: "
            f"{Entry.objects.filter(RESTRICTED, recorded_at__gte=since).count()}."
        )
