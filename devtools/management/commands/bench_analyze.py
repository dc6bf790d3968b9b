"""`manage.py bench_analyze`: ANALYZE the bench database after its bulk load, so the
planner works from the tables' real sizes from the first request on (autovacuum would
get there, in its own time). ANALYZE needs a table's owner: it runs as the database
owner when DATABASE_OWNER_URL is set (`make bench` passes it), else as itself, and
PostgreSQL skips the tables it may not analyze."""

from django.core.management.base import BaseCommand
from django.db import connection

from enigma.db_roles import as_owner


class Command(BaseCommand):
    help = "ANALYZE the database (as its owner when one is configured)."

    def handle(self, *args, **options):
        with as_owner(connection) as owner, owner.cursor() as cursor:
            cursor.execute("ANALYZE")
