"""The reintegration plan: the default plan across a half-term and a two-week cycle, a
lesson moved by the coordinator (and its work request), room occupancy warnings, and the
no-subject-dropped rule at the exit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.template import engines
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape

from enigma.models import SchoolSettings
from records.models import Entry
from referrals.models import Placement
from referrals.services import placements
from tests.db import queries
from tests.factories import StudentFactory
from tests.referrals_helpers import at, hold_all_reviews, make_placement
from tests.timetable_helpers import give_timetable
from timetables.models import (
    ExitOverride,
    Mode,
    PlanCell,
    TimetableSettings,
    WorkRequest,
    monday_of,
)
from timetables.selectors import coverage
from timetables.services import plans

pytestmark = pytest.mark.django_db
D = dt.date
AFTER_HALF_TERM_START = D(2026, 10, 12)  # six school weeks with half-term (26-30 Oct) inside


def _placement(dee, rita, *, start=AFTER_HALF_TERM_START, started=False, teacher=None, **kw):
    student = StudentFactory()
    give_timetable(student, teacher=teacher, **kw)
    return make_placement(
        approver=dee, referrer=rita, student=student, start=start, started=started
    )


def _weeks(placement):
    by_week: dict = {}
    for cell in placement.plan_cells.all():
        by_week.setdefault(monday_of(cell.date), []).append(cell)
    return dict(sorted(by_week.items()))


def test_the_default_plan_rises_to_fully_in_class_by_the_exit_week_across_half_term(dee, rita):
    rule = TimetableSettings.load()
    rule.subjects_first = ["english"]
    rule.save()
    placement = _placement(dee, rita)
    assert placement.state == Placement.State.SCHEDULED
    assert placement.planned_exit == D(2026, 11, 27)

    weeks = _weeks(placement)
    # Six school weeks, none in half-term, 25 lessons each (a lesson per period).
    assert list(weeks) == [
        D(2026, 10, 12),
        D(2026, 10, 19),
        D(2026, 11, 2),
        D(2026, 11, 9),
        D(2026, 11, 16),
        D(2026, 11, 23),
    ]
    assert not PlanCell.objects.filter(date__range=(D(2026, 10, 26), D(2026, 10, 30))).exists()
    assert all(len(cells) == 25 for cells in weeks.values())
    shares = [sum(c.mode == Mode.CLASS for c in cells) for cells in weeks.values()]
    assert shares == sorted(shares), "the share in class never falls"
    assert shares[0] < 25 * 0.5, "week 1 is mostly in the room"
    assert shares[-1] == 25, "every lesson in class in the exit week"
    # English goes back first (the school's rule), whole subject at a time.
    week_one = weeks[D(2026, 10, 12)]
    assert {c.subject for c in week_one if c.mode == Mode.CLASS} == {"English"}
    # Each room lesson has a work request to its teacher; class lessons have none.
    rooms = placement.plan_cells.filter(mode=Mode.ROOM).count()
    assert rooms > 0
    assert WorkRequest.objects.filter(placement=placement, status="requested").count() == rooms


def test_a_two_week_timetable_follows_week_a_and_b_and_half_term_does_not_turn_the_cycle(dee, rita):
    rule = TimetableSettings.load()
    rule.weeks_in_cycle = 2
    rule.week_a_starts = D(2026, 9, 7)
    rule.save()
    week_b = dict.fromkeys(range(1, 6), ("Drama",) * 5)
    placement = _placement(dee, rita, week_b=week_b)
    letters = {}
    for monday, cells in _weeks(placement).items():
        letters[monday] = "B" if {c.subject for c in cells} == {"Drama"} else "A"
    # 7 Sep is A; 12 Oct is the 6th school week after it (B); half-term does not count,
    # so 19 Oct (A) is followed by 2 Nov (B).
    assert letters == {
        D(2026, 10, 12): "B",
        D(2026, 10, 19): "A",
        D(2026, 11, 2): "B",
        D(2026, 11, 9): "A",
        D(2026, 11, 16): "B",
        D(2026, 11, 23): "A",
    }


def test_moving_a_lesson_keeps_its_work_request_in_step(dee, rita, cora, tom):
    placement = _placement(dee, rita, teacher=tom)
    cell = placement.plan_cells.filter(mode=Mode.CLASS, date=D(2026, 11, 24)).first()
    with at(D(2026, 10, 13)):
        change = plans.set_cell(cell, Mode.ROOM, by=cora)
    assert change.applied
    request = WorkRequest.objects.get(placement=placement, date=cell.date, period=cell.period)
    assert (request.status, request.teacher, request.subject) == ("requested", tom, cell.subject)

    with at(D(2026, 10, 13)):
        plans.set_cell(cell, Mode.ONE_TO_ONE, by=cora)
    request.refresh_from_db()
    assert request.status == "cancelled", "a one-to-one is not that lesson's work"

    with at(D(2026, 10, 13)):
        plans.set_cell(cell, Mode.ROOM, by=cora)
    request.refresh_from_db()
    assert request.status == "requested"
    cell.refresh_from_db()
    assert cell.changed_by == cora


def test_a_lesson_that_has_passed_cannot_be_changed(dee, rita, cora):
    placement = _placement(dee, rita)
    cell = placement.plan_cells.get(date=D(2026, 10, 12), period__name="P1")
    with at(D(2026, 10, 14)), pytest.raises(ValidationError, match="has passed"):
        plans.set_cell(cell, Mode.CLASS, by=cora)


def test_the_room_warns_before_a_change_overfills_a_lesson_and_changes_nothing(dee, rita, cora):
    first = _placement(dee, rita)
    second = _placement(dee, rita)
    day = D(2026, 11, 25)  # exit week: both fully in class by default
    cell_1 = first.plan_cells.get(date=day, period__name="P2")
    cell_2 = second.plan_cells.get(date=day, period__name="P2")
    SchoolSettings.objects.update(capacity=1)
    with at(D(2026, 10, 13)):
        assert plans.set_cell(cell_1, Mode.ROOM, by=cora).applied
        refused = plans.set_cell(cell_2, Mode.ROOM, by=cora)
    assert not refused.applied
    assert "would hold 2 students" in refused.warning and "capacity is 1" in refused.warning
    cell_2.refresh_from_db()
    assert cell_2.mode == Mode.CLASS
    with at(D(2026, 10, 13)):
        forced = plans.set_cell(cell_2, Mode.ROOM, by=cora, confirm_overfill=True)
    assert forced.applied and forced.warning


def test_one_to_one_spaces_are_counted_separately(dee, rita, cora):
    first, second = _placement(dee, rita), _placement(dee, rita)
    day = D(2026, 11, 25)
    with at(D(2026, 10, 13)):
        plans.set_cell(first.plan_cells.get(date=day, period__name="P3"), Mode.ONE_TO_ONE, by=cora)
        refused = plans.set_cell(
            second.plan_cells.get(date=day, period__name="P3"), Mode.ONE_TO_ONE, by=cora
        )
    assert not refused.applied
    assert "one-to-one space" in refused.warning


def test_bringing_the_exit_forward_drops_later_lessons_and_replans_to_end_in_class(dee, rita, cora):
    placement = _placement(dee, rita, started=True)
    with at(D(2026, 10, 14)):
        placements.bring_exit_forward(
            placement, by=dee, new_exit=D(2026, 11, 13), reason="Doing well."
        )
    placement.refresh_from_db()
    assert not placement.plan_cells.filter(date__gt=D(2026, 11, 13)).exists()
    assert not WorkRequest.objects.filter(
        placement=placement, date__gt=D(2026, 11, 13), status="requested"
    ).exists()
    last_week = placement.plan_cells.filter(date__gte=D(2026, 11, 9))
    assert last_week.count() == 25
    assert set(last_week.values_list("mode", flat=True)) == {Mode.CLASS}


def test_ending_early_cancels_the_rest_of_the_plan(dee, rita):
    placement = _placement(dee, rita, started=True)
    with at(D(2026, 10, 20)):
        placements.end_early(
            placement, by=dee, end_reason=Placement.EndReason.LEFT_SCHOOL, today=D(2026, 10, 20)
        )
    assert not placement.plan_cells.filter(date__gt=D(2026, 10, 20)).exists()
    assert not WorkRequest.objects.filter(
        placement=placement, date__gt=D(2026, 10, 20), status__in=["requested", "set"]
    ).exists()


# --- no subject dropped ----------------------------------------------------------------


def _all_in_room(placement, cora, *, except_subject=None):
    PlanCell.objects.filter(placement=placement).exclude(subject=except_subject or "").update(
        mode=Mode.ROOM
    )


def test_the_exit_is_held_back_while_a_subject_was_never_attended_in_class(dee, rita, cora, sam):
    placement = _placement(dee, rita, started=True)
    PlanCell.objects.filter(placement=placement, subject="Art").update(mode=Mode.ROOM)
    assert coverage.subjects_missed(placement, placement.planned_exit) == ["Art"]
    hold_all_reviews(placement, cora, sam)
    exit_day = placement.planned_exit
    with at(exit_day, 15), pytest.raises(ValidationError) as refused:
        placements.complete(
            placement,
            by=cora,
            outcome=Placement.Outcome.FULL,
            exit_summary="Back in lessons.",
            exit_day=exit_day,
            today=exit_day,
        )
    assert "Art was never attended in class" in " ".join(refused.value.messages)
    placement.refresh_from_db()
    assert placement.state == Placement.State.ACTIVE

    with pytest.raises(ValidationError, match="Only the SENCO"):
        plans.allow_exit_without(placement, by=cora, reason="x", until=exit_day)
    with pytest.raises(ValidationError):
        plans.allow_exit_without(placement, by=sam, reason="  ", until=exit_day)
    with at(exit_day, 14):
        plans.allow_exit_without(
            placement,
            by=sam,
            reason="Art is taught in a block after the exit; catch-up agreed.",
            until=exit_day,
        )
    override = ExitOverride.objects.get(placement=placement)
    assert (override.subjects, override.by) == (["Art"], sam)
    assert Entry.objects.filter(
        students=placement.student, event_code="placement.exit_override"
    ).exists()
    with at(exit_day, 15):
        placements.complete(
            placement,
            by=cora,
            outcome=Placement.Outcome.FULL,
            exit_summary="Back in lessons.",
            exit_day=exit_day,
            today=exit_day,
        )
    placement.refresh_from_db()
    assert placement.state == Placement.State.COMPLETED


def test_the_plan_page_shows_the_senco_s_exit_override_and_is_404_for_no_placement(
    dee, rita, cora, sam, client_for
):
    """The plan page reads its placement, student, exit override and its author in one
    row (timetables.selectors.plans.plan_placement_for): the override's subjects, reason,
    day and author are shown as before, with no query more than without one."""
    placement = _placement(dee, rita, started=True)
    PlanCell.objects.filter(placement=placement, subject="Art").update(mode=Mode.ROOM)
    client = client_for(cora)
    url = reverse("timetables:plan", args=[placement.pk])
    exit_day = placement.planned_exit
    with at(exit_day, 13):
        before = queries(client, url)
    with at(exit_day, 13):
        plans.allow_exit_without(
            placement, by=sam, reason="Art is taught <after> the exit.", until=exit_day
        )
    with at(exit_day, 13):  # (the same hour: the session times out after a quiet hour)
        after = queries(client, url)
        html = client.get(url).content.decode()
    override = ExitOverride.objects.get(placement=placement)
    assert (
        f"The SENCO ({escape(str(sam))}) allowed the exit without Art on "
        f"{date_format(timezone.localtime(override.at))}: "
        "“Art is taught &lt;after&gt; the exit.”"
    ) in html
    assert escape(placement.student.name) in html
    assert after == before
    missing = reverse("timetables:plan", args=[Placement.objects.order_by("-pk")[0].pk + 1])
    with at(exit_day, 13):
        assert client.get(missing).status_code == 404


def test_in_class_instead_on_the_register_counts_as_attending(dee, rita, cora):
    from timetables.services import register

    placement = _placement(dee, rita, started=True)
    PlanCell.objects.filter(placement=placement, subject="Art").update(mode=Mode.ROOM)
    cell = placement.plan_cells.filter(subject="Art").order_by("date").first()
    with at(cell.date, 15):
        register.mark(
            placement, cell.date, cell.period, by=cora, status="in_class", today=cell.date
        )
    assert coverage.subjects_missed(placement, placement.planned_exit) == []


def test_a_placement_with_no_timetable_has_an_empty_plan_until_one_is_added(dee, rita, cora):
    student = StudentFactory()
    placement = make_placement(approver=dee, referrer=rita, student=student)
    assert placement.plan_cells.count() == 0
    give_timetable(student)
    with at(D(2026, 9, 3)):
        added = plans.generate_plan(placement, by=cora)
    assert added == 30 * 5
    with at(D(2026, 9, 3)):
        assert plans.generate_plan(placement, by=cora) == 0


# The plan cell's markup as its template wrote it (tests/golden/plan_cell.html) before the
# grid moved to the plan_cell tag (timetables/templatetags/timetables_plan.py): the tag
# must write the same, byte for byte, in every state a lesson can be in, for the grid and
# for a cell's htmx reply.
OLD_CELL_TEMPLATE = (Path(__file__).parent / "golden" / "plan_cell.html").read_text()


def _cell_states():
    base = {
        "pk": 1234,
        "mode": "room",
        "mode_label": "In the room",
        "subject": "Maths & <Stats>",
        "day_label": "Mon 3 Nov",
        "period_name": "P1",
        "editable": True,
        "locked": "",
        "upcoming": True,
        "full": False,
        "room_count": 3,
        "capacity": 6,
        "work_missing": False,
        "work_status": "",
    }
    yield base
    yield {**base, "mode": Mode.CLASS, "mode_label": "In class"}
    yield {**base, "mode": Mode.ONE_TO_ONE, "full": True, "room_count": 7}
    yield {**base, "editable": False, "locked": 'It started on Mon 3 Nov 2026 "8:50"'}
    yield {**base, "editable": False, "locked": "On the register", "upcoming": False}
    yield {**base, "work_missing": True, "work_status": "requested"}
    yield {**base, "work_status": "set"}
    yield {**base, "mode": "class", "work_status": "set", "upcoming": False}


@pytest.mark.parametrize("state", list(_cell_states()))
@pytest.mark.parametrize(
    "extra",
    [
        {"can_edit": True, "warning": "", "error": "", "focus": False},
        {"can_edit": False, "warning": "", "error": "", "focus": False},
        {"can_edit": True, "warning": "The room is full <then>.", "wanted": "room"},
        {"can_edit": True, "error": "Not now & never.", "focus": True},
    ],
)
def test_plan_cell_tag_writes_what_the_cell_template_wrote(state, extra):
    django_engine = engines["django"]
    context = {"view": SimpleNamespace(**state), "csrf_token": "a-token", **extra}
    old = django_engine.from_string(OLD_CELL_TEMPLATE).render(context)
    new = django_engine.from_string("{% load timetables_plan %}{% plan_cell %}").render(context)
    assert new == old
    form = (extra["can_edit"] and state["editable"]) or extra.get("warning")
    assert ("csrfmiddlewaretoken" in new) == bool(form)


# A week's rows of the grid as the plan page wrote them (tests/golden/plan_rows.html, the
# body of its <tbody>, each cell by the plan_cell tag) before the plan_rows tag.
OLD_ROWS_TEMPLATE = (Path(__file__).parent / "golden" / "plan_rows.html").read_text()


@pytest.mark.parametrize("can_edit", [True, False])
def test_plan_rows_tag_writes_what_the_week_template_wrote(can_edit):
    states = [SimpleNamespace(**state) for state in _cell_states()]
    periods = [
        SimpleNamespace(name="P<1> & co", starts_at=dt.time(8, 50)),
        SimpleNamespace(name="Lunch", starts_at=dt.time(12, 5)),
        SimpleNamespace(name="P5", starts_at=dt.time(14, 0)),
    ]
    week = SimpleNamespace(
        rows=[
            (periods[0], [states[0], None, states[1], states[2], states[3]]),
            (periods[1], [None, states[4], states[5], None, None]),
            (periods[2], [states[6], states[7], None, states[0], states[3]]),
        ]
    )
    django_engine = engines["django"]
    context = {"week": week, "can_edit": can_edit, "csrf_token": "a-token"}
    old = django_engine.from_string(OLD_ROWS_TEMPLATE).render(context)
    new = django_engine.from_string("{% load timetables_plan %}{% plan_rows week %}")
    assert new.render(context) == old
    assert old.count("<tr>") == 3 and old.count("<td></td>") == 5
    assert ("csrfmiddlewaretoken" in old) == can_edit


@pytest.mark.parametrize("bound", [False, True])
def test_the_whole_week_forms_fields_are_written_as_includes_field_html_writes(bound):
    """The plan editor writes its whole-week forms' fields with work_field (as My students
    does): the same markup as includes/field.html for a list of tick boxes, a select, a
    text area and a tick box, with errors and values."""
    from timetables.forms.plans import WeekForm

    data = {"w-in_class": ["Art", "Nope"], "w-note": "x" * 1001, "w-confirm": "on"}
    form = WeekForm(
        data if bound else None,
        subjects=["Art", "Maths & <Stats>"],
        initial={"in_class": ["Art"]},
        prefix="w",
    )
    form.fields["review"].choices = [("", "Not at a review"), (3, "Review 1 <mid-point>")]
    if bound:
        assert not form.is_valid() and form.errors
    django_engine = engines["django"]
    for field in form:
        old = django_engine.from_string('{% include "includes/field.html" %}')
        new = django_engine.from_string("{% load timetables_work %}{% work_field field %}")
        assert new.render({"field": field}) == old.render({"field": field})
