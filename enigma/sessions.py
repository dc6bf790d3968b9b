"""The session store: Django's database sessions, the row read by SQL compiled once.

Every signed-in request reads its session's row first. Django's store builds that
query through the ORM on every request (a queryset, a lookup, its compilation); here
the same query is compiled once a process (enigma.compiled) and run prepared, with the
request's key and the time put in. What is read, and what happens when no live row
is found (the key is dropped, so a new session starts), are Django's; creating,
saving and deleting sessions are Django's own code.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from enigma.compiled import CompiledQuery

# Stand-ins: a key no session has (real keys are 32 lower-case letters and digits),
# and a moment before any session.
_KEY = "stand-in session key"
_NOW = dt.datetime(1901, 2, 3, tzinfo=dt.UTC)


@functools.cache
def _live_session() -> CompiledQuery:
    # The query django.contrib.sessions.backends.db.SessionStore._get_session_from_db runs.
    return CompiledQuery(
        Session.objects.filter(session_key=_KEY, expire_date__gt=_NOW).values_list(
            "session_key", "session_data", "expire_date"
        ),
        {"key": _KEY, "now": _NOW},
    )


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        rows = _live_session().tuples({"key": self.session_key, "now": timezone.now()})
        if not rows:
            self._session_key = None
            return None
        key, data, expires = rows[0]
        return self.model(session_key=key, session_data=data, expire_date=expires)
