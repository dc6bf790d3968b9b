"""SQL compiled once a process (enigma.compiled) runs as a prepared statement, planned once
per connection, and is still logged and counted as every query is; with
DATABASE_PREPARED_STATEMENTS off it runs through Django's own cursor, unprepared."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enigma.compiled import fetch_prepared

pytestmark = pytest.mark.django_db


def _prepared(text: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement = %s", [text])
        return cursor.fetchone()[0]


def test_compiled_sql_is_prepared_once_and_counted():
    with CaptureQueriesContext(connection) as ctx:
        assert fetch_prepared("default", "SELECT %s::int + 1 AS answer", [41]) == [(42,)]
        assert fetch_prepared("default", "SELECT %s::int + 1 AS answer", [1]) == [(2,)]
    assert len(ctx.captured_queries) == 2
    assert _prepared("SELECT $1::int + 1 AS answer") == 1
    # Logged with its values, as Django logs its own queries.
    assert [q["sql"] for q in ctx.captured_queries] == [
        "SELECT 41::int + 1 AS answer",
        "SELECT 1::int + 1 AS answer",
    ]


def test_without_prepared_statements_django_runs_it(settings):
    settings.ENIGMA_PREPARED_STATEMENTS = False
    with CaptureQueriesContext(connection) as ctx:
        assert fetch_prepared("default", "SELECT %s::int * 2 AS twice", [21]) == [(42,)]
    assert len(ctx.captured_queries) == 1
    assert _prepared("SELECT $1::int * 2 AS twice") == 0
