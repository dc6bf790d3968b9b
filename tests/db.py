"""Helpers that ask PostgreSQL directly: is a statement refused (and why), how many queries
a page runs, and a connection as the database's owner."""

from contextlib import contextmanager

from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from enigma import db_roles

# SQLSTATEs: a privilege the role lacks; an exception raised by a trigger.
INSUFFICIENT_PRIVILEGE = "42501"
RAISED_BY_TRIGGER = "P0001"


def refused(sql: str, params=()) -> bool:
    """Whether the database refuses a statement (rolled back either way)."""
    return refusal(sql, params) is not None


def refusal(sql: str, params=()) -> str | None:
    """The SQLSTATE with which the database refuses a statement from the application's
    connection, or None if it runs (inside a savepoint, rolled back either way)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            transaction.set_rollback(True)
    except DatabaseError as exc:
        return getattr(exc.__cause__, "sqlstate", None) or "unknown"
    return None


@contextmanager
def owner_cursor():
    """A psycopg cursor signed in as the database's owner (the role migrations run as), in a
    transaction of its own that commits when the block ends without error.

    It is another connection: it sees only committed rows, so use it from transactional
    tests (django_db(transaction=True)).
    """
    owner = db_roles.owner_connection(connection)
    try:
        owner.ensure_connection()
        with owner.connection.transaction(), owner.connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '10s'")  # never hang on the test's locks
            yield cursor
    finally:
        owner.close()


def owner_refusal(sql: str, params=()) -> str | None:
    """As refusal(), for a statement run (and rolled back) as the owner."""
    import psycopg

    class _Undo(Exception):
        pass

    try:
        with owner_cursor() as cursor:
            cursor.execute(sql, params)
            raise _Undo
    except _Undo:
        return None
    except psycopg.Error as exc:
        return exc.sqlstate or "unknown"


# The most queries a page may run (issue 15); a page that needs more says why in the
# bench's TARGETS (devtools/benchmark.py).
PAGE_QUERY_BUDGET = 12


def queries(client, url, params=None) -> int:
    """The queries one GET of a page runs, after a warm-up request (the first also fills
    per-session caches). The page must answer 200."""
    client.get(url, params or {})
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def migrate_records(target: str | None = None) -> None:
    """Migrate records back to `target`, or every app forward again. Back to a records
    migration unapplies the apps that depend on it (disclosure's room records); forward
    again means every app, or the next flush finds tables gone."""
    from django.core.management import call_command

    if target:
        call_command("migrate", "records", target, verbosity=0)
    else:
        call_command("migrate", verbosity=0)
