"""Helpers that ask PostgreSQL directly: is a statement refused, how many queries a page runs."""

from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext


def refused(sql: str, params=()) -> bool:
    """Whether the database refuses a statement (rolled back either way)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError:
        return True
    return False


def queries(client, url, params=None) -> int:
    """The queries one GET of a page runs, after a warm-up request (the first also fills
    per-session caches). The page must answer 200."""
    client.get(url, params or {})
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)
