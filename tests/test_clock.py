"""ENIGMA_TEST_TODAY (tests/clock.py): the whole suite can run on any day."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone

from tests import clock

ROOT = Path(__file__).resolve().parent.parent


def test_a_date_alone_means_ten_in_the_morning_in_london():
    assert clock.parse("2027-08-14") == dt.datetime(2027, 8, 14, 10, tzinfo=clock.LONDON)
    # Summer time or not, the wall clock in London is what is meant.
    assert clock.parse("2026-12-31").utcoffset() == dt.timedelta(0)
    assert clock.parse("2027-08-14").utcoffset() == dt.timedelta(hours=1)


def test_a_time_or_an_exact_moment_may_be_given():
    assert clock.parse("2027-03-09T15:30") == dt.datetime(2027, 3, 9, 15, 30, tzinfo=clock.LONDON)
    moment = dt.datetime(2027, 3, 9, 23, 59, 59, 500, tzinfo=dt.UTC)
    assert clock.parse(moment.isoformat()) == moment


@pytest.mark.parametrize("value", ["tomorrow", "14/08/2027", "2027-02-30", "2027-08-14T25:00"])
def test_anything_else_is_refused_with_the_forms_it_takes(value):
    with pytest.raises(ValueError, match="use YYYY-MM-DD"):
        clock.parse(value)


def test_the_clock_agrees_with_enigma_test_today_or_the_real_date():
    """Run by the suite on whatever day it is given (and by the next test on a chosen one)."""
    real = clock.real_time()
    value = os.environ.get(clock.VARIABLE)
    expected = clock.parse(value).timestamp() if value else real
    now = timezone.localtime()
    # Ticking: it may have moved on since the session started, but by less than the run.
    # (Seconds since the epoch: subtracting datetimes in one zone ignores a change of
    # summer time between them.)
    assert 0 <= now.timestamp() - expected < 3 * 3600
    assert dt.date.today() == timezone.localdate() == now.date()  # noqa: DTZ011
    assert abs(time.time() - now.timestamp()) < 1
    # What a subprocess is given to keep the same clock (tests/notifications_worker.py).
    assert abs(clock.offset_seconds() - (now.timestamp() - real)) < 1


@pytest.mark.parametrize(
    ("value", "header"),
    [
        # Both Saturdays years ahead, one in summer time and one not (so one differs from
        # the real clock's, whenever this runs); at 00:30 in summer it is still Friday in
        # UTC, where date.today() must not go.
        ("2031-07-12T00:30", "Sat 12 Jul 2031 00:30"),
        ("2031-02-15T09:05", "Sat 15 Feb 2031 09:05"),
    ],
)
def test_the_session_travels_before_any_fixture_and_says_so_in_the_header(value, header):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            f"{__file__}::test_the_clock_agrees_with_enigma_test_today_or_the_real_date",
        ],
        cwd=ROOT,
        env={**os.environ, clock.VARIABLE: value},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"test date: {header} Europe/London, ticking" in result.stdout
    assert "1 passed" in result.stdout
