"""The oversight figures kept in the cache: counted afresh after their time, never shared
between viewers with different rights, and the page says when they were counted."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enigma.models import Term
from oversight.selectors import _cache_key, figures_for
from referrals.models import Referral
from tests import test_oversight as school

LONDON = timezone.get_default_timezone()
TODAY = school.TODAY


@pytest.fixture
def calendar(db):
    """The terms of tests/test_oversight.py's school."""
    for name, start, end, hs, he in school.TERMS:
        Term.objects.create(
            name=name, starts_on=start, ends_on=end, half_term_starts_on=hs, half_term_ends_on=he
        )


@pytest.fixture
def kept(settings):
    settings.OVERSIGHT_FIGURES_FRESH_FOR = 600
    cache.clear()
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, tzinfo=LONDON), tick=False) as clock:
        yield clock
    cache.clear()


def received(result) -> int:
    """Referrals received this period: the total row of "by who referred"."""
    total = result.tables["referrals_source"].rows[-1]
    assert total[0] == "Total"
    return total[1].value


def one_more_referral(rita):
    student = school.StudentFactory()
    Referral.objects.create(
        student=student,
        referrer=rita,
        status=Referral.Status.SUBMITTED,
        reasons="Struggling despite support.",
        submitted_at=timezone.now() - dt.timedelta(days=1),
    )


def test_a_kept_copy_is_counted_afresh_after_its_time(kept, calendar, rita, dee):
    school.build_school(rita, dee)
    now, before = school.this_year()
    first = figures_for(dee, now, before, today=TODAY)
    one_more_referral(rita)
    kept.shift(dt.timedelta(minutes=9))
    again = figures_for(dee, now, before, today=TODAY)
    assert received(again) == received(first)
    assert again.as_at == first.as_at
    kept.shift(dt.timedelta(minutes=2))  # eleven minutes: past the ten
    fresh = figures_for(dee, now, before, today=TODAY)
    assert received(fresh) == received(first) + 1
    assert fresh.as_at == first.as_at + dt.timedelta(minutes=11)


def test_viewers_with_other_rights_never_share_a_copy(kept, calendar, rita, dee, sam):
    assert dee.roles != sam.roles
    school.build_school(rita, dee)
    now, before = school.this_year()
    deputy = figures_for(dee, now, before, today=TODAY)
    one_more_referral(rita)
    # Counted for the SENCO, not read from the deputy head's copy...
    assert received(figures_for(sam, now, before, today=TODAY)) == received(deputy) + 1
    # ...while the deputy head's copy stands until its time is up.
    assert received(figures_for(dee, now, before, today=TODAY)) == received(deputy)
    assert _cache_key(dee, now, before, 3, TODAY) != _cache_key(sam, now, before, 3, TODAY)


def test_the_key_changes_with_the_period_threshold_and_day(kept, calendar):
    now, before = school.this_year()
    term = school.periods.for_dates(school.D(2026, 9, 2), school.D(2026, 12, 18))
    keys = {
        _cache_key(None, now, before, 3, TODAY),
        _cache_key(None, term, before, 3, TODAY),
        _cache_key(None, now, before, 5, TODAY),
        _cache_key(None, now, before, 3, TODAY + dt.timedelta(days=1)),
    }
    assert len(keys) == 4


def test_the_page_and_report_say_when_the_figures_were_counted(
    kept, calendar, rita, dee, client_for
):
    school.build_school(rita, dee)
    client = client_for(dee)
    page = client.get(reverse("oversight:overview"), {"period": "year:2026/27"})
    said = "Figures as at Tue 1 Dec 2026 at 10:00; counted afresh every 10 minutes"
    assert said in page.content.decode()
    kept.shift(dt.timedelta(minutes=3))
    report = client.get(reverse("oversight:report"), {"period": "year:2026/27"})
    assert said in report.content.decode()  # the same copy, counted at 10:00
    with CaptureQueriesContext(connection) as read_from_the_copy:
        again = client.get(reverse("oversight:overview"), {"period": "year:2026/27"})
    assert again.status_code == 200
    assert len(read_from_the_copy) <= 12, [q["sql"][:100] for q in read_from_the_copy]


def test_counted_on_every_request_when_the_copy_is_off(settings, calendar, rita, dee):
    settings.OVERSIGHT_FIGURES_FRESH_FOR = 0
    now, before = school.this_year()
    first = figures_for(dee, now, before, today=TODAY)
    one_more_referral(rita)
    assert received(figures_for(dee, now, before, today=TODAY)) == received(first) + 1
    assert first.fresh_for == 0


def source_table(response) -> str:
    """The page's "by who referred" table, as drawn."""
    text = response.content.decode()
    start = text.index('id="table-referrals_source"')
    return text[start : text.index("</table>", start)]


def test_the_drawn_tables_follow_the_copy_they_came_from(
    kept, calendar, rita, dee, sam, client_for
):
    school.build_school(rita, dee)
    url, period = reverse("oversight:overview"), {"period": "year:2026/27"}
    deputy, senco = client_for(dee), client_for(sam)
    before = source_table(deputy.get(url, period))
    one_more_referral(rita)
    after = source_table(senco.get(url, period))  # other rights: counted and drawn afresh
    assert after != before
    kept.shift(dt.timedelta(minutes=5))
    assert source_table(deputy.get(url, period)) == before  # the deputy head's copy stands
    kept.shift(dt.timedelta(minutes=6))
    assert source_table(deputy.get(url, period)) == after  # past its time: counted again


def test_a_report_without_names_never_reads_the_copy_that_names_pupils(
    kept, calendar, rita, dee, client_for
):
    school.build_school(rita, dee)
    client = client_for(dee)
    one = school.Placement.objects.filter(actual_exit=school.D(2026, 10, 16)).first()
    url = reverse("oversight:report")
    named = client.get(url, {"period": "year:2026/27", "names": "on"}).content.decode()
    assert one.student.name in named
    plain = client.get(url, {"period": "year:2026/27"}).content.decode()
    assert one.student.legal_surname not in plain
    assert "Each placement that ended" not in plain
