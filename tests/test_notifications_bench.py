"""`manage.py bench_sweep`, which `make bench` runs: history topped up once, the sweep
timed twice (the second run finds nothing new)."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from devtools.demo.school import seed_staff
from referrals.models import Placement
from tests.factories import StudentFactory, TermFactory

pytestmark = pytest.mark.django_db


def test_the_sweep_is_timed_against_a_history_and_reports_it():
    TermFactory()
    seed_staff("a-password-for-the-demo-staff")
    StudentFactory.create_batch(12)
    out = io.StringIO()
    with time_machine.travel(dt.datetime(2026, 9, 5, 9, 0, tzinfo=ZoneInfo("Europe/London"))):
        call_command("bench_sweep", history=10, stdout=out)
        call_command("bench_sweep", history=10, stdout=out)
    lines = out.getvalue().splitlines()
    assert Placement.objects.filter(state="completed").count() == 10
    assert "(10 added now)" in lines[0] and "(0 added now)" in lines[1]
    # Sat 5 Sep: the sweep is for the next school day, Mon 7 Sep.
    assert lines[0].startswith("bench.report Reminders sweep for Mon 7 Sep 2026")
    assert "again, 0 new" in lines[1]
