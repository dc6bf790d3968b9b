"""The suite's clock: ENIGMA_TEST_TODAY moves it for the whole pytest session.

`ENIGMA_TEST_TODAY=2027-08-14 make test` runs every test as if it were 10:00 (Europe/London)
on Sat 14 Aug 2027; `2027-08-14T15:30` gives the time too. The travel starts before any
fixture or test runs and ticks, so Django's timezone.now()/localdate(), date.today() and
time.time() all agree and move on as the suite runs; a test's own time_machine.travel()
nests inside it. What time-machine cannot move is kept out of the tests' way:
PostgreSQL's clock (no default, trigger or query of ours reads now() or CURRENT_DATE: every
timestamp comes from Python), Chromium's clock (no browser test compares dates with it),
and other processes: a subprocess that must agree with the test (the Celery worker in
tests/notifications_worker.py) is given `offset_seconds()` and calls `travel_by()`.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from zoneinfo import ZoneInfo

import time_machine

VARIABLE = "ENIGMA_TEST_TODAY"
LONDON = ZoneInfo("Europe/London")
SCHOOL_TIME = dt.time(10, 0)  # mid-morning of a school day, unless the variable says

_session: time_machine.travel | None = None


def parse(value: str) -> dt.datetime:
    """ENIGMA_TEST_TODAY's moment: a date (at 10:00), or a date and time, in Europe/London
    unless it carries its own UTC offset. Raises ValueError with the accepted forms."""
    text = value.strip()
    try:
        if len(text) == 10:
            moment = dt.datetime.combine(dt.date.fromisoformat(text), SCHOOL_TIME)
        else:
            moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{VARIABLE}={value!r} is not a date: use YYYY-MM-DD (10:00 that day) or "
            "YYYY-MM-DDTHH:MM (Europe/London)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LONDON)
    return moment


def start_session() -> dt.datetime | None:
    """Travel (ticking) to ENIGMA_TEST_TODAY's moment for the rest of the process; return
    it, or None when the variable is unset and the real clock is kept."""
    global _session
    value = os.environ.get(VARIABLE, "").strip()
    if not value:
        return None
    moment = parse(value)
    # A timestamp, not a datetime: time-machine sets TZ to a datetime's zone (UTC for a
    # UTC one), which would move date.today() and localtime() off Django's Europe/London.
    _session = time_machine.travel(moment.timestamp(), tick=True)
    _session.start()
    return moment


def stop_session() -> None:
    global _session
    if _session is not None:
        _session.stop()
        _session = None


def offset_seconds() -> float:
    """How far this process's clock (session travel and any test travel) is from the real
    one, for a subprocess that must keep the same time."""
    return time.time() - real_time()


def real_time() -> float:
    """The machine's clock, whatever travel is in force."""
    hatch = time_machine.escape_hatch
    return hatch.time.time() if hatch.is_travelling() else time.time()


def travel_by(seconds: float) -> None:
    """In a subprocess: keep the parent's clock (see offset_seconds), ticking, until exit."""
    if seconds:
        time_machine.travel(real_time() + seconds, tick=True).start()


def describe(moment: dt.datetime | None) -> str:
    """The report header's line: the date the suite runs on, and how it was chosen."""
    if moment is None:
        today = dt.datetime.now(LONDON)
        return (
            f"test date: {today:%a} {today.day} {today:%b %Y} (the real clock; "
            f"{VARIABLE}=YYYY-MM-DD moves it)"
        )
    local = moment.astimezone(LONDON)
    return (
        f"test date: {local:%a} {local.day} {local:%b %Y} {local:%H:%M} Europe/London, "
        f"ticking ({VARIABLE}={os.environ[VARIABLE].strip()})"
    )
