"""`manage.py start_placements`: the daily round on demand (the beat runs it each morning)."""

from django.core.management.base import BaseCommand

from referrals.tasks import daily_placements


class Command(BaseCommand):
    help = "Offer freed places to the waiting list and start placements due today."

    def handle(self, *args, **options):
        done = daily_placements()
        self.stdout.write(
            f"Offered {len(done['offered'])} place(s); started {len(done['started'])} placement(s)."
        )
