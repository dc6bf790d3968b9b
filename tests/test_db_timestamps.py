"""Timestamps are read by psycopg's C loader (enigma.db_timestamps), and it reads every
value as Django's own loader did: the same instant, in UTC, with the same tzinfo."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import psycopg
import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.pq import Format

from enigma.db_timestamps import TIMESTAMPTZ_OID, UtcTimestampLoader, use_c_timestamps

pytestmark = pytest.mark.django_db


def test_a_connection_reads_timestamps_with_the_c_loader():
    connection.ensure_connection()
    adapters = connection.connection.adapters
    assert adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT) is UtcTimestampLoader
    with connection.cursor() as cursor:
        cursor.execute("SELECT '2026-11-03 08:45:00.5-05:00'::timestamptz")
        (value,) = cursor.fetchone()
    assert value == dt.datetime(2026, 11, 3, 13, 45, 0, 500000, tzinfo=dt.UTC)
    assert value.tzinfo is dt.UTC
    if psycopg.pq.__impl__ != "python":
        loader = UtcTimestampLoader(TIMESTAMPTZ_OID, connection.connection)
        assert type(loader.load.__self__) is psycopg.adapters.get_loader(
            TIMESTAMPTZ_OID, Format.TEXT
        )


def _read(text: str, *, django_loader: bool):
    raw = connection.connection
    with raw.cursor() as cursor:
        if django_loader:
            register_tzloader(dt.UTC, cursor)
        cursor.execute("SELECT %s::timestamptz", [text])
        return cursor.fetchone()[0]


timestamps = st.datetimes(
    min_value=dt.datetime(1, 1, 2),  # noqa: DTZ001 (hypothesis takes naive bounds)
    max_value=dt.datetime(9999, 12, 30),  # noqa: DTZ001
    timezones=st.just(dt.UTC),
)
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: dt.timedelta(minutes=m))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(timestamps, offsets)
def test_every_timestamp_reads_as_djangos_loader_read_it(at, offset):
    connection.ensure_connection()
    text = at.astimezone(dt.timezone(offset)).isoformat()
    ours, djangos = _read(text, django_loader=False), _read(text, django_loader=True)
    assert ours == djangos == at
    assert ours.tzinfo is djangos.tzinfo is dt.UTC


@pytest.mark.parametrize("text", ["infinity", "-infinity"])
def test_what_neither_can_read_fails_alike(text):
    connection.ensure_connection()
    for django_loader in (False, True):
        with pytest.raises(psycopg.DataError):
            _read(text, django_loader=django_loader)


def test_other_time_zones_keep_djangos_loader():
    """A database given its own TIME_ZONE (connection.timezone not UTC), or a session in
    another zone: Django's loader stays."""
    registered = []
    adapters = SimpleNamespace(register_loader=lambda *args: registered.append(args))

    def wrapper(timezone, session_zone):
        info = SimpleNamespace(parameter_status=lambda name: session_zone)
        raw = SimpleNamespace(adapters=adapters, info=info)
        return SimpleNamespace(vendor="postgresql", timezone=timezone, connection=raw)

    use_c_timestamps(None, wrapper(dt.timezone(dt.timedelta(hours=1)), "UTC"))
    use_c_timestamps(None, wrapper(dt.UTC, "Europe/London"))
    assert registered == []
    use_c_timestamps(None, wrapper(dt.UTC, "UTC"))
    assert registered == [("timestamptz", UtcTimestampLoader)]
