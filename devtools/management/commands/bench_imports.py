"""`manage.py bench_imports`: time a trust-sized MIS import (devtools/import_bench.py)."""

from django.core.management.base import BaseCommand

from devtools import import_bench


class Command(BaseCommand):
    help = (
        "Time previewing and applying 2,000 pupils and their 60,000 timetable rows; "
        "nothing is kept (it all runs in a transaction that is rolled back)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--pupils", type=int, default=2000)
        parser.add_argument("--repeats", type=int, default=3)

    def handle(self, *args, pupils, repeats, **options):
        import_bench.run(pupils=pupils, repeats=max(1, repeats), out=self.stdout.write)
