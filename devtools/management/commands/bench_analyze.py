"""`manage.py bench_analyze`: ANALYZE the bench database after its bulk load, so the
planner works from the tables' real sizes from the first request on (autovacuum would
get there, in its own time). ANALYZE needs a table's owner: it runs as the database
owner when DATABASE_OWNER_URL is set (`make bench` passes it), else as itself, and
PostgreSQL skips the tables it may not analyze.

First it rewrites the open actions' two tables (records.OpenAction, OpenActionStudent)
at their real size. The history's load inserts every one of its 72,000 actions open
and then, copying their completions, deletes the 71,000 done: the tables are left at
~600 pages for ~760 rows, and every read of them scans the empty pages. A school's
own, written an action at a time over the years, reuses the space its vacuum frees.
Only the owner may rewrite them; as another role, PostgreSQL skips them with a warning."""

from django.core.management.base import BaseCommand
from django.db import connection

from enigma.db_roles import as_owner
from enigma.models import AuditEvent
from records.models import OpenAction, OpenActionStudent

CHURNED = (OpenAction, OpenActionStudent)


class Command(BaseCommand):
    help = "ANALYZE the database (as its owner when one is configured)."

    def handle(self, *args, **options):
        with as_owner(connection) as owner, owner.cursor() as cursor:
            for model in CHURNED:
                cursor.execute(f'VACUUM (FULL) "{model._meta.db_table}"')
            # The audit log's ten years arrive in one COPY: vacuumed, as a school's own
            # would have been by autovacuum over the years, so that index-only scans of
            # it read no rows (the visibility map is set).
            cursor.execute(f'VACUUM "{AuditEvent._meta.db_table}"')
            cursor.execute("ANALYZE")
