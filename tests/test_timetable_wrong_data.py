"""Wrong data found in the room's day (issue 13), each pinned down: Enter in a register
note keeps the mark chosen, "Needs attention" is sent again with each mark, a lesson is
marked only once it has started, a lesson that has started (or is on the register) never
changes in the plan, and "week n of a placement" means the same on every page.
The browser half of each is in tests/browser/test_wrong_data.py."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from referrals import dates
from tests.factories import StudentFactory
from tests.referrals_helpers import make_placement
from tests.timetable_helpers import give_timetable
from timetables.models import Mode, PlanCell, RegisterMark
from timetables.services import plans as services_plan
from timetables.services import register as services_register

pytestmark = pytest.mark.django_db
D = dt.date
START = D(2026, 9, 7)
DAY = D(2026, 9, 9)  # a Wednesday in week 1


def at(day: dt.date, hour: int, minute: int = 0):
    import time_machine
    from django.utils import timezone

    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
    return time_machine.travel(moment, tick=False)


def _placement(dee, rita, *, start=START, forename="Maya", surname="Quennell"):
    student = StudentFactory(legal_forename=forename, legal_surname=surname)
    give_timetable(student)
    return make_placement(approver=dee, referrer=rita, student=student, start=start, started=True)


def _cell(placement, period: str, day=DAY, mode=Mode.ROOM) -> PlanCell:
    cell = placement.plan_cells.select_related("period").get(date=day, period__name=period)
    if cell.mode != mode:
        PlanCell.objects.filter(pk=cell.pk).update(mode=mode)
        cell.refresh_from_db()
    return cell


def _row_form(html: str, cell: PlanCell) -> str:
    start = html.index(f'id="register-{cell.pk}"')
    return html[start : html.index("</form>", start)]


# --- 1. Enter in the note ---------------------------------------------------------------


def test_the_register_rows_default_button_keeps_the_mark_chosen(dee, rita, cora, client_for):
    """Enter in a text box clicks the form's first submit button: it must name no status,
    so the mark already chosen (current_status) is kept."""
    placement = _placement(dee, rita)
    cell = _cell(placement, "P2")
    client = client_for(cora)
    with at(DAY, 10, 5):
        client.post(reverse("timetables:register_mark", args=[cell.pk]), {"status": "absent"})
        html = client.get(reverse("timetables:today"), {"period": cell.period_id}).content
    form = _row_form(html.decode(), cell)
    first_button = re.search(r"<button[^>]*>", form).group(0)
    assert 'type="submit"' in first_button
    assert "name=" not in first_button, f"the default button sets a status: {first_button}"
    assert 'name="current_status" value="absent"' in form

    # What the browser sends on Enter: the note and the current status, no button's status.
    with at(DAY, 10, 6):
        response = client.post(
            reverse("timetables:register_mark", args=[cell.pk]),
            {"current_status": "absent", "note": "Not seen since registration"},
            headers={"HX-Request": "true"},
        )
    mark = RegisterMark.objects.get(placement=placement, date=DAY, period=cell.period)
    assert (mark.status, mark.note) == ("absent", "Not seen since registration")
    assert b"Record as a concern" in response.content


# --- 2. "Needs attention" after each mark ---------------------------------------------


def test_marking_sends_needs_attention_again_without_the_student_marked(
    dee, rita, cora, client_for
):
    maya = _placement(dee, rita)
    leo = _placement(dee, rita, forename="Leo", surname="Adebayo")
    maya_cell, leo_cell = _cell(maya, "P1"), _cell(leo, "P1")
    client = client_for(cora)
    with at(DAY, 10, 5):  # P1 is over, nobody marked
        page = client.get(reverse("timetables:today")).context["page"]
        assert {a.due.cell.pk for a in page.alerts} >= {maya_cell.pk, leo_cell.pk}
        response = client.post(
            reverse("timetables:register_mark", args=[maya_cell.pk]),
            {"status": "present"},
            headers={"HX-Request": "true"},
        )
    html = response.content.decode()
    start = html.index('<div id="needs-attention" hx-swap-oob="true">')
    # Only "Needs attention": "The day" (sent after it) names Maya with her new mark.
    oob = html[start : html.index('<div id="the-day" hx-swap-oob="true">', start)]
    assert "Leo Adebayo" in oob
    assert f"#register-{maya_cell.pk}" not in oob, "Maya is marked: no link to her row"
    assert "Maya Quennell" not in oob
    # Each status button has an id, so htmx puts focus back on the one pressed.
    assert f'id="status-{maya_cell.pk}-present"' in html


# --- 3. Not before the lesson starts; never after it started ----------------------------


def test_a_lesson_cannot_be_marked_before_it_starts(dee, rita, cora, client_for):
    placement = _placement(dee, rita)
    cell = _cell(placement, "P5")  # 14:00 to 15:00
    with at(DAY, 13, 19), pytest.raises(ValidationError, match="P5 starts at 14:00"):
        services_register.mark(placement, DAY, cell.period, by=cora, status="present")
    client = client_for(cora)
    url = reverse("timetables:register_mark", args=[cell.pk])
    with at(DAY, 13, 19):
        response = client.post(url, {"status": "present"}, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert b"its register opens when the lesson starts" in response.content
        response = client.post(url, {"status": "present"})
        assert response.status_code == 302
        page = client.get(reverse("timetables:today"), {"period": cell.period_id})
    assert not RegisterMark.objects.filter(placement=placement).exists()
    html = page.content.decode()
    assert "The register opens when P5 starts at 14:00." in html
    assert f'id="status-{cell.pk}-present"' not in html, "no buttons before the lesson"
    with at(DAY, 14, 0):
        services_register.mark(placement, DAY, cell.period, by=cora, status="present")
    assert RegisterMark.objects.get(placement=placement).status == "present"


def test_a_lesson_that_has_started_is_locked_in_the_plan(dee, rita, cora, client_for):
    placement = _placement(dee, rita)
    started, later = _cell(placement, "P2", mode=Mode.CLASS), _cell(placement, "P3")
    with at(DAY, 10, 5), pytest.raises(ValidationError, match="P2 on Wed 9 Sep 2026 has started"):
        services_plan.set_cell(started, Mode.ROOM, by=cora)
    assert PlanCell.objects.get(pk=started.pk).mode == Mode.CLASS
    with at(DAY, 10, 5):
        assert services_plan.set_cell(later, Mode.CLASS, by=cora).applied
        page = client_for(cora).get(reverse("timetables:plan", args=[placement.pk]))
    html = page.content.decode()
    assert f'id="cell-button-{started.pk}"' not in html
    locked = html[html.index(f'id="cell-{started.pk}"') :]
    assert "Locked" in locked[: locked.index("</div>")]
    assert f'id="cell-button-{later.pk}"' in html


def test_a_lesson_on_the_register_is_locked_and_a_whole_week_leaves_it_alone(dee, rita, cora):
    placement = _placement(dee, rita)
    marked = _cell(placement, "P4", day=DAY + dt.timedelta(days=1))  # tomorrow's P4
    # A mark made before the register waited for the lesson (older data): still history.
    RegisterMark.objects.create(
        placement=placement,
        date=marked.date,
        period=marked.period,
        status="present",
        recorded_by=cora,
    )
    with at(DAY, 10, 5), pytest.raises(ValidationError, match="is on the register"):
        services_plan.set_cell(marked, Mode.CLASS, by=cora)
    today_p1 = _cell(placement, "P1")
    today_p5 = _cell(placement, "P5")
    with at(DAY, 10, 5):
        assert services_plan.set_week(placement, START, in_class={"Art"}, by=cora) is None
    modes = dict(
        PlanCell.objects.filter(pk__in=[marked.pk, today_p1.pk, today_p5.pk]).values_list(
            "pk", "mode"
        )
    )
    assert modes[marked.pk] == Mode.ROOM, "on the register: left alone"
    assert modes[today_p1.pk] == Mode.ROOM, "started: left alone"
    assert modes[today_p5.pk] == (Mode.CLASS if today_p5.subject == "Art" else Mode.ROOM)


# --- 4. Week n of a placement ----------------------------------------------------------


def test_school_weeks_are_fives_of_school_days_from_the_start_skipping_half_term(dee):
    from tests.referrals_helpers import autumn_term

    autumn_term()
    calendar = dates.calendar_for(D(2026, 10, 14))
    exit_day = dates.placement_dates(D(2026, 10, 14), calendar=calendar).planned_exit
    assert exit_day == D(2026, 12, 1)
    weeks = dates.school_weeks(D(2026, 10, 14), exit_day, calendar)
    assert [(w[0], w[-1]) for w in weeks] == [
        (D(2026, 10, 14), D(2026, 10, 20)),  # a Wednesday start: week 1 runs to Tuesday
        (D(2026, 10, 21), D(2026, 11, 3)),  # half-term (26-30 Oct) is not a week
        (D(2026, 11, 4), D(2026, 11, 10)),
        (D(2026, 11, 11), D(2026, 11, 17)),
        (D(2026, 11, 18), D(2026, 11, 24)),
        (D(2026, 11, 25), D(2026, 12, 1)),
    ]
    number = lambda day: dates.week_number(D(2026, 10, 14), day, calendar)  # noqa: E731
    assert [number(d) for d in (D(2026, 10, 14), D(2026, 10, 20), D(2026, 10, 21))] == [1, 1, 2]
    assert number(D(2026, 10, 28)) == 2, "a half-term day belongs to the week before it"
    assert number(D(2026, 11, 3)) == 2
    assert number(D(2026, 11, 4)) == 3
    assert number(exit_day) == 6


def test_every_page_counts_the_same_weeks_after_a_mid_week_start_and_half_term(
    dee, rita, cora, client_for
):
    placement = _placement(dee, rita, start=D(2026, 10, 14))
    client = client_for(cora)
    with at(D(2026, 11, 2), 10):  # back from half-term: the 9th school day, week 2
        detail = client.get(reverse("referrals:placement_detail", args=[placement.pk]))
        panel = client.get(reverse("timetables:plan_panel", args=[placement.pk]))
        plan = client.get(reverse("timetables:plan", args=[placement.pk]))
        board = client.get(reverse("referrals:placements_board"))
    assert "Now in week 2 of 6" in detail.content.decode()
    text = panel.content.decode()
    assert "This week (week 2)" in text
    assert "Next step (week 3, from Wed 4 Nov 2026)" in text
    weeks = plan.context["page"].weeks
    assert [w.number for w in weeks] == [1, 2, 3, 4, 5, 6]
    assert weeks[0].first == placement.start_date, "week 1 starts on the start date"
    assert weeks[-1].last == placement.planned_exit
    assert weeks[-1].percent_in_class == 100 and weeks[0].percent_in_class < 100
    assert "Week 1: Wed 14 Oct 2026 to Tue 20 Oct 2026" in plan.content.decode()
    assert "Week 7" not in plan.content.decode()
    assert "Week 2 of 6" in board.content.decode()
