"""Pages whose time went in template rendering rather than SQL (issue 15) keep their
rendering lean as the data grows: no variable looked up in vain in a loop, and dates
formatted once per day or row, not once per cell."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import StudentFactory
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
