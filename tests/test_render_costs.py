"""Pages whose time went in template rendering rather than SQL (issue 15) keep their
rendering lean as the data grows: no variable looked up in vain in a loop, and dates
formatted once per day or row, not once per cell."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format

from enigma.formatting import day_text
from enigma.links import pk_url
from tests.factories import NonSchoolDayFactory, StudentFactory, TermFactory
from tests.referrals_helpers import at, make_placement
from tests.render_costs import render_costs
from tests.timetable_helpers import give_timetable

pytestmark = pytest.mark.django_db
D = dt.date


def test_the_plan_editor_formats_each_day_once_and_misses_no_variable(
    dee, rita, cora, client_for, monkeypatch
):
    student = StudentFactory()
    give_timetable(student)
    placement = make_placement(
        approver=dee, referrer=rita, student=student, start=D(2026, 9, 7), started=True
    )
    cells = placement.plan_cells.count()
    days = placement.plan_cells.values("date").distinct().count()
    assert cells >= 100 and days >= 25
    # Halfway through: past lessons are locked (each says why, naming its day), later
    # ones are buttons (each names its day for a screen reader).
    with at(D(2026, 9, 30), 10):
        costs, response = render_costs(
            client_for(cora), reverse("timetables:plan", args=[placement.pk]), monkeypatch
        )
    assert response.context["can_edit"]
    text = response.content.decode()
    assert "Mon 7 Sep" in text and ", Wed 30 Sep P" in text
    assert not costs.misses, costs.misses
    # Two formats a day (the column's heading and the locked lessons' reason), a few for
    # the page's headings: not one or two per lesson.
    assert costs.date_formats <= 2 * days + 20, (costs.date_formats, cells, days)


def test_the_calendar_names_each_day_once_and_reverses_no_link_per_row(
    ada, client_for, monkeypatch
):
    TermFactory()
    days = [
        NonSchoolDayFactory(date=D(2026, 9, 1) + dt.timedelta(days=7 * n), description=f"Day {n}")
        for n in range(15)
    ]
    reversed_names = []
    import django.urls.base as urls_base

    real_reverse = urls_base.reverse

    def counting_reverse(viewname, *args, **kwargs):
        reversed_names.append(viewname)
        return real_reverse(viewname, *args, **kwargs)

    monkeypatch.setattr("enigma.links.reverse", counting_reverse)
    costs, response = render_costs(client_for(ada), reverse("calendar_overview"), monkeypatch)
    text = response.content.decode()
    for day in days:
        assert f'<th scope="row">{day_text(day.date)}' in text
        assert reverse("calendar_day_delete", args=[day.pk]) in text
        assert f'Delete<span class="visually-hidden"> {day_text(day.date)}</span>' in text
    assert "Tue 1 Sep 2026" in text and "Mon 26 Oct 2026 to Fri 30 Oct 2026" in text
    assert not costs.misses, costs.misses
    # A day's words are kept from the first request: none formatted again, where each row
    # formatted its date three times and each term four.
    assert costs.date_formats <= 2, costs.date_formats
    # One reverse per kind of link (the second request's), not two per row.
    assert len(reversed_names) == 8, reversed_names


def test_pk_url_makes_the_same_links_as_reverse():
    edit = pk_url("calendar_day_edit")
    for pk in (1, 7, 42, 2147483646, 10**12):
        assert edit(pk) == reverse("calendar_day_edit", args=[pk])
    with pytest.raises(NoReverseMatch):
        pk_url("calendar_overview")


def test_day_text_is_the_house_date_format_for_dates_and_datetimes():
    day = D(2026, 11, 3)
    assert day_text(day) == "Tue 3 Nov 2026" == day_text(day)
    assert day_text(day) == date_format(day, "D j M Y")
    moment = dt.datetime(2026, 11, 3, 23, 30, tzinfo=dt.UTC)
    assert day_text(moment) == date_format(moment, "D j M Y")


def test_local_days_say_what_the_date_and_time_filters_say():
    """enigma.formatting.LocalDays looks the time zone and language up once; its words
    must be the template filters' {{ value|date }} and {{ value|time:"H:i" }}, across
    the clocks changing and midnight in London, for naive times and plain dates."""
    from django.template import Context, Template
    from django.utils import timezone, translation

    from enigma.formatting import LocalDays

    shown = Template("{{ v|date }}|{{ v|time:'H:i' }}")
    london = timezone.get_default_timezone()
    values = [
        dt.datetime(2026, 7, 20, 23, 30, tzinfo=dt.UTC),  # BST: the next day, 00:30
        dt.datetime(2026, 3, 29, 0, 59, tzinfo=dt.UTC),  # GMT, a minute before the change
        dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC),  # BST, the change
        dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC),  # BST, the last half hour
        dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC),  # GMT again
        dt.datetime(2026, 11, 2, 9, 5, tzinfo=london),
        dt.datetime(2026, 11, 2, 23, 59),  # noqa: DTZ001 - naive: as it is
    ]
    days = LocalDays()
    for value in values:
        assert f"{days.day(value)}|{days.time(value)}" == shown.render(Context({"v": value}))
    for value in (D(2026, 1, 1), D(2027, 2, 28)):
        assert days.day(value) == Template("{{ v|date }}").render(Context({"v": value}))
    # Made in another time zone, it keeps that one (as the filters would, there).
    with timezone.override(dt.UTC), translation.override("en-gb"):
        utc = LocalDays()
        assert utc.time(values[0]) == "23:30" and utc.day(values[0]) == "Mon 20 Jul 2026"
    assert days.time(values[0]) == "00:30" and days.day(values[0]) == "Tue 21 Jul 2026"
