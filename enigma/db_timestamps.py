"""Timestamps read from the database by psycopg's C loader, not Django's Python one.

Django (django/db/backends/postgresql/psycopg_any.py) registers its own loader for
timestamptz, a subclass of psycopg's pure-Python TimestamptzLoader that parses each value
with a regular expression and then sets its time zone. It replaces the C loader that
psycopg[binary] brings, on every connection: every timestamp of every row is parsed in
Python. The busiest pages read a few hundred each (My students' ~90 work requests carry
four or five; the student file's entries, actions and people more), and their parsing was
10-18% of those pages' Python time on the bench school (tests/test_db_timestamps.py
holds the two loaders to the same values).

The C loader gives each value the session's time zone. Django has already set the session
to UTC when a connection is made (init_connection_state), and UTC is the time zone
Django's loader would give (connection.timezone, with USE_TZ and no TIME_ZONE for the
database): so the C loader is used only then, and only with the C implementation there.
Django's cursors ask the loader's `timezone` to decide whether to register their own:
this one says UTC, as Django's would.
"""

from __future__ import annotations

import datetime as dt

import psycopg
from psycopg.adapt import Loader
from psycopg.postgres import types
from psycopg.pq import Format

TIMESTAMPTZ_OID = types["timestamptz"].oid


def _c_loader():
    """psycopg's own timestamptz loader (the C one with psycopg[binary])."""
    return psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


class UtcTimestampLoader(Loader):
    """A timestamptz as an aware datetime in UTC, parsed by psycopg's C loader (a
    C type that cannot be subclassed: each instance takes its `load`)."""

    timezone = dt.UTC  # what Django's create_cursor compares with connection.timezone

    def __init__(self, oid: int, context=None):
        super().__init__(oid, context)
        self.load = _c_loader()(oid, context).load

    def load(self, data):  # replaced in __init__ by the C loader's own
        return _c_loader()(self.oid, self.connection).load(data)


def use_c_timestamps(sender, connection, **kwargs) -> None:
    """connection_created: read the new connection's timestamps with UtcTimestampLoader,
    when the C loader would give what Django's gives (see the module docstring)."""
    if connection.vendor != "postgresql" or psycopg.pq.__impl__ == "python":
        return
    raw = connection.connection
    if connection.timezone != dt.UTC or raw.info.parameter_status("TimeZone") != "UTC":
        return
    raw.adapters.register_loader("timestamptz", UtcTimestampLoader)
