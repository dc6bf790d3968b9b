"""`manage.py seed_bench_history`: ten academic years of placements and about 25
chronology entries per pupil for the bench school, written with COPY (see
devtools/bench_school.py). Run after seed_demo; a second run adds nothing.

Prints "bench.report ..." lines that `make bench` shows: the time and rows of each step,
and the size of the main tables.
"""

from django.core.management.base import BaseCommand, CommandError

from devtools.bench_school import HistoryOptions, row_counts, seed_history, summarise
from enigma.models import Student


class Command(BaseCommand):
    help = "Give the bench school ten years of history (placements, chronologies) by COPY."

    def add_arguments(self, parser):
        defaults = HistoryOptions()
        parser.add_argument("--years", type=int, default=defaults.years)
        parser.add_argument("--placements-per-year", type=int, default=defaults.placements_per_year)
        parser.add_argument(
            "--entries-per-pupil",
            type=float,
            default=defaults.entries_per_pupil,
            help="chronology links per pupil on average, placement events included",
        )
        parser.add_argument("--seed", type=int, default=defaults.seed)

    def handle(self, *args, years, placements_per_year, entries_per_pupil, seed, **options):
        if years < 1 or placements_per_year < 0 or entries_per_pupil < 0:
            raise CommandError("--years must be at least 1; the other sizes at least 0.")
        options = HistoryOptions(
            years=years,
            placements_per_year=placements_per_year,
            entries_per_pupil=entries_per_pupil,
            seed=seed,
        )
        try:
            report = seed_history(
                options, out=lambda line: self.stdout.write(f"bench.report   {line}")
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        if report.skipped:
            self.stdout.write("bench.report History already there: nothing added.")
        else:
            self.stdout.write(f"bench.report History seeded in {report.seconds:.1f} s.")
        for line in summarise(row_counts(), Student.objects.count()):
            self.stdout.write(f"bench.report Rows: {line}")
