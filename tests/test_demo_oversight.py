"""The demo school gives every oversight chart and table something true to show.

Kept apart from tests/test_oversight.py so that it runs early in the suite: in the full
run, after the input walk, seeding the demo under a frozen clock hung until the test's
timeout (seen twice in CI, never alone); the cause is not yet found (see the session's note).
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine

from enigma.models import Student
from oversight import periods
from oversight.selectors import figures
from tests.test_oversight import D, row


@pytest.mark.django_db
def test_the_demo_gives_every_chart_something_true_to_show():
    from django.core.management import call_command

    from oversight.views import _charts

    moment = dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        call_command("seed_demo", stdout=io.StringIO(), students=120)
        now = periods.current(D(2026, 11, 23))
        result = figures(now, periods.last_year(now), today=D(2026, 11, 23))
    drawn = _charts(result)
    for name in ("trend", "outcomes", "ratios"):
        solid = [b for b in drawn[name].bars if "hidden" not in b["cls"] and b["w"] > 1]
        assert solid, f"the {name} chart has no bar to show"
    # Groups beside all pupils: some above 1, some below, and the not recorded counted.
    ratios = [row["ratio"].value for row in result.ratios_chart if row["ratio"].value]
    assert any(r > 1 for r in ratios) and any(r < 1 for r in ratios)
    table = result.tables["disproportionality"]
    assert row(table, "Ethnicity (major group)", "Not recorded")[2].value > 0
    assert len(set(Student.objects.values_list("ethnicity", flat=True))) > 5
    purposes = result.tables["referrals_purpose"]
    assert sum(1 for r in purposes.rows[:-1] if r[1].value) >= 2
    assert result.tables["reintegration"].rows, "the plan's weeks are counted"
    assert result.tables["work_department"].rows, "work set by department"

    def figure(table, label, column):
        return row(result.tables[table], label)[column].value

    # A year earlier has its history: two placements completed, their checks recorded.
    assert figure("placements", "Completed", 1) == 2
    assert figure("placements", "Completed", 2) == 2
    assert figure("outcomes", "Placements that ended", 2) == 2
    follow = "follow_ups"
    assert figure(follow, "Placements: suspended or excluded since exit, at any check", 2) == 1
    assert figure(follow, "Placements: referred again since exit", 2) == 1
    assert figure(follow, "Placements: not back in class full time at some check", 2) == 1
    assert (
        sum(
            r[2].value for r in result.tables[follow].rows if "back in class full time: yes" in r[0]
        )
        == 2
    )
    # Force: two uses this year (one injuring a pupil, three pupils involved), one a year earlier.
    assert figure("force", "Uses of reasonable force", 1) == 2
    assert figure("force", "Uses of reasonable force", 2) == 1
    assert figure("force", "A pupil was injured", 1) == 1
    # Leavers' child-protection files: one confirmed in time, one late.
    cp = "cp_transfers"
    assert figure(cp, "Confirmed by the next school within 5 school days", 1) == 1
    assert figure(cp, "Not confirmed and late", 1) == 1
