"""`manage.py bench_timetables`: name the plan `make bench` times (the active placement
with the longest plan) as "bench.plan_placement=<pk>". The demo seed has already given
every live placement its timetable, plan, register and work."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from referrals.models import Placement


class Command(BaseCommand):
    help = "Print the placement whose plan the benchmark times."

    def handle(self, *args, **options):
        placement = (
            Placement.objects.filter(state__in=[Placement.State.ACTIVE, Placement.State.SCHEDULED])
            .annotate(cells=Count("plan_cells"))
            .filter(cells__gt=0)
            .order_by("-cells", "pk")
            .first()
        )
        if placement is None:
            raise CommandError("No live placement has a plan: run seed_demo first.")
        self.stdout.write(f"bench.plan_placement={placement.pk}")
        self.stdout.write(
            f"bench.report plan of placement {placement.pk}: {placement.cells} lessons"
        )
