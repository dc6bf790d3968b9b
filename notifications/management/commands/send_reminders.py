from django.core.management.base import BaseCommand

from notifications import delivery, sweep


class Command(BaseCommand):
    help = (
        "Create the reminders due today (catching up) and send them; with --digests, "
        "send the daily digests too. For running without Redis (the demo) or from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--digests", action="store_true")

    def handle(self, *args, digests=False, **options):
        created = sweep.sweep(deliver=False)
        queued = delivery.dispatch_due()
        self.stdout.write(f"created={len(created)} queued={len(queued)}")
        if digests:
            self.stdout.write(f"digests={delivery.send_digests()}")
