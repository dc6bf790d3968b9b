from django.core.management.base import BaseCommand

from notifications import delivery, sweep


class Command(BaseCommand):
    help = (
        "Create the reminders due today (catching up) and send every row that is due, in "
        "this process; with --digests, send the daily digests too. For running without "
        "Redis (the demo) or from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--digests", action="store_true")

    def handle(self, *args, digests=False, **options):
        created = sweep.sweep(deliver=False)
        outcomes = [delivery.deliver(pk) for pk in delivery.due_rows()]
        sent = outcomes.count(delivery.SENT)
        self.stdout.write(f"created={len(created)} due={len(outcomes)} sent={sent}")
        if digests:
            people = delivery.due_digests()
            done = [delivery.deliver_digest(user_id) for user_id in people]
            self.stdout.write(f"digests={done.count(delivery.SENT)}")
