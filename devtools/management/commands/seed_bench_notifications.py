"""`manage.py seed_bench_notifications`: ten years of the bench school's reminders and
alerts, read and sent, streamed with COPY (devtools/bench_notifications.py). Run after
seed_demo; a second run adds nothing. Prints a "bench.report ..." line for `make bench`."""

from django.core.management.base import BaseCommand, CommandError

from devtools.bench_notifications import NotificationHistoryOptions, seed_notification_history
from notifications.models import Notification


class Command(BaseCommand):
    help = "Give the bench school ten years of notifications by COPY."

    def add_arguments(self, parser):
        defaults = NotificationHistoryOptions()
        parser.add_argument("--notifications", type=int, default=defaults.notifications)
        parser.add_argument("--years", type=int, default=defaults.years)
        parser.add_argument("--seed", type=int, default=defaults.seed)

    def handle(self, *args, notifications, years, seed, **options):
        if notifications < 0 or years < 1:
            raise CommandError("--notifications must be at least 0 and --years at least 1.")
        options = NotificationHistoryOptions(notifications=notifications, years=years, seed=seed)
        try:
            added = seed_notification_history(
                options, out=lambda line: self.stdout.write(f"bench.report   {line}")
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        if not added:
            self.stdout.write("bench.report Notification history already there: nothing added.")
        total = Notification.objects.count()
        self.stdout.write(f"bench.report Rows: notifications {total:,}")
