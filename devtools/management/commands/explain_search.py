"""`manage.py explain_search`: EXPLAIN (ANALYZE) the student search on this database (the
bench school's 20,000, say) and say which indexes each search read and how long it took.

Run it with the bench's settings and database, e.g.
`DJANGO_SETTINGS_MODULE=enigma.settings.bench DATABASE_URL=... manage.py explain_search`.
"""

from __future__ import annotations

import re

from django.core.management.base import BaseCommand
from django.db import connection

from enigma.models import Student
from enigma.selectors.students import DIRECTORY_PAGE_SIZE

INDEX = re.compile(r"(?:Index|Index Only|Bitmap Index) Scan (?:Backward )?on (\w+)")
EXECUTION = re.compile(r"Execution Time: ([\d.]+) ms")


def explain(text: str) -> list[str]:
    """The plan of the directory's first page of results for `text`, run for real."""
    qs = Student.objects.search(text).order_by("search_rank", "legal_surname", "pk")
    sql, params = qs[:DIRECTORY_PAGE_SIZE].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return [row[0] for row in cursor.fetchall()]


class Command(BaseCommand):
    help = "EXPLAIN ANALYZE the student search and name the indexes it reads."

    def add_arguments(self, parser):
        parser.add_argument("queries", nargs="*", help="what to search for")
        parser.add_argument("--plans", action="store_true", help="print the whole plans")

    def handle(self, *args, queries, plans, **options):
        if not queries:
            upn = Student.objects.order_by("pk").values_list("upn", flat=True).first() or ""
            queries = ["smith", "smi", "jo smith", "smith jo", upn.lower()]
        self.stdout.write(f"{Student.objects.count():,} students")
        for text in queries:
            lines = explain(text)
            plan = "\n".join(lines)
            indexes = sorted(set(INDEX.findall(plan)))
            ms = EXECUTION.search(plan)
            found = Student.objects.search(text).count()
            seq = " SEQ SCAN!" if "Seq Scan" in plan else ""
            self.stdout.write(
                f"{text!r}: {found} found, {ms.group(1) if ms else '?'} ms; "
                f"indexes: {', '.join(indexes) or 'none'}{seq}"
            )
            if plans:
                self.stdout.write(plan)
