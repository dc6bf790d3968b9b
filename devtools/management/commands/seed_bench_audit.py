"""`manage.py seed_bench_audit`: ten years of the bench school's audit log (sign-ins,
views, exports), streamed with COPY (devtools/bench_audit.py). Run after seed_demo; a
second run adds nothing. Prints a "bench.report ..." line that `make bench` shows."""

from django.core.management.base import BaseCommand, CommandError

from devtools.bench_audit import AuditHistoryOptions, seed_audit_history
from enigma.models import AuditEvent


class Command(BaseCommand):
    help = "Give the bench school ten years of audit events by COPY."

    def add_arguments(self, parser):
        defaults = AuditHistoryOptions()
        parser.add_argument("--events", type=int, default=defaults.events)
        parser.add_argument("--years", type=int, default=defaults.years)
        parser.add_argument("--seed", type=int, default=defaults.seed)

    def handle(self, *args, events, years, seed, **options):
        if events < 0 or years < 1:
            raise CommandError("--events must be at least 0 and --years at least 1.")
        options = AuditHistoryOptions(events=events, years=years, seed=seed)
        try:
            added = seed_audit_history(
                options, out=lambda line: self.stdout.write(f"bench.report   {line}")
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        if not added:
            self.stdout.write("bench.report Audit history already there: nothing added.")
        total = AuditEvent.objects.count()
        self.stdout.write(f"bench.report Rows: audit events {total:,}")
