"""The records pages at scale (issue 15): the shortcuts their queries take give the same
answers as the plain questions they replace."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from records.models import Category
from records.selectors import chronology as selectors
from records.services.entries import record_entry
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


def test_the_safeguarding_queue_counts_recent_days_in_school_time(personas):
    """'Recorded in the last 14 days' starts at midnight here, not in UTC: in summer
    (UTC+1) an entry recorded at 00:30 on the first day is in, one at 23:30 the evening
    before is out (the queue compares recorded_at with that midnight, on an index)."""
    dina = personas["dina"]
    safeguarding = Category.objects.get(name="Safeguarding")
    today = dt.date(2026, 7, 20)
    first_day = today - dt.timedelta(days=selectors.SAFEGUARDING_RECENT_DAYS)
    times = {
        "Just in": dt.datetime.combine(first_day, dt.time(0, 30), LONDON),
        "Just out": dt.datetime.combine(first_day, dt.time(0, 30), LONDON) - dt.timedelta(hours=1),
    }
    for summary, when in times.items():
        with time_machine.travel(when, tick=False):
            record_entry(
                author=dina,
                students=[StudentFactory()],
                kind="concern",
                category=safeguarding,
                summary=summary,
            )
    recent, _actions = selectors.safeguarding_queue(dina, today=today)
    assert [e.summary for e in recent] == ["Just in"]
    assert timezone.localtime(recent[0].recorded_at).date() == first_day
