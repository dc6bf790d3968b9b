"""The deputy head's approvals: the approvals page, deciding a referral (approve, ask
for more information, decline), the waiting list, and who may do what.

The calendar is Autumn 2026 (Wed 2 Sep to Fri 18 Dec, half-term 26 to 30 Oct) and
"today" is Mon 7 Sep 2026, so a six-week placement from Mon 14 Sep exits Fri 23 Oct and
one from Mon 9 Nov exits Fri 18 Dec.
"""

from __future__ import annotations

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enigma import registry
from enigma.models import SchoolSettings
from enigma.roles import Role
from records.services.entries import record_entry
from referrals.models import Placement, PlacementTransition, PriorSupport, ProposedTarget, Referral
from referrals.services import decisions, placements
from tests.db import PAGE_QUERY_BUDGET, queries
from tests.factories import LinkFactory, StudentFactory, TermFactory, UserFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
TODAY = dt.date(2026, 9, 7)
SEP_14 = dt.date(2026, 9, 14)
NOV_9 = dt.date(2026, 11, 9)


@pytest.fixture(autouse=True)
def autumn_term():
    TermFactory()
    SchoolSettings.load()
    with time_machine.travel(dt.datetime(2026, 9, 7, 9, 0, tzinfo=LONDON), tick=False):
        yield


def student(forename="Ava", surname="Stone", **kwargs):
    return StudentFactory(legal_forename=forename, legal_surname=surname, **kwargs)


def refer(pupil, referrer, *, proposed_start=None, **kwargs) -> Referral:
    referral = Referral.objects.create(
        student=pupil,
        referrer=referrer,
        status=Referral.Status.SUBMITTED,
        submitted_at=timezone.now(),
        reasons=kwargs.pop("reasons", "Leaving lessons most days; overwhelmed in class."),
        proposed_start=proposed_start,
        **kwargs,
    )
    ProposedTarget.objects.create(
        referral=referral, area="learning", description="Stay in English for a whole lesson"
    )
    ProposedTarget.objects.create(
        referral=referral, area="social", description="Eat lunch with a friend"
    )
    PriorSupport.objects.create(
        referral=referral, team="send", what="Reading intervention", outcome="Some progress"
    )
    return referral


def fill_room(dee, rita, n=2, start=SEP_14):
    """n approved, scheduled placements from `start` (the room holds 2)."""
    SchoolSettings.objects.update(capacity=2)
    return [
        decisions.approve(refer(student(f"Full{i}", "Room"), rita), by=dee, start=start).placement
        for i in range(n)
    ]


def url(name, **kwargs) -> str:
    return reverse(f"referrals:{name}", kwargs=kwargs)


def decide(client, referral, **data):
    return client.post(url("referral_decide", referral_pk=referral.pk), data)


def text(response) -> str:
    return response.content.decode()


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- approving ---------------------------------------------------------------------------


def test_approving_schedules_the_placement_and_says_its_dates(client_for, dee, rita):
    referral = refer(student(), rita)
    client = client_for(dee)
    response = decide(
        client, referral, decision="approve", start_date="2026-11-09", priority="3", note="Agreed"
    )
    assert response.status_code == 302
    assert response["Location"] == url("approvals")
    placement = Placement.objects.get(referral=referral)
    assert placement.state == Placement.State.SCHEDULED
    assert (placement.start_date, placement.planned_exit) == (NOV_9, dt.date(2026, 12, 18))
    referral.refresh_from_db()
    assert referral.status == Referral.Status.APPROVED
    assert referral.decided_by == dee
    assert referral.decision_reason == "Agreed"
    page = client.get(response["Location"])
    assert page_messages(page) == ["Approved: Ava Stone starts Mon 9 Nov, exit Fri 18 Dec."]
    assert "No referrals are waiting for a decision." in text(page)


def test_the_start_date_defaults_to_the_proposed_start_or_the_next_school_day(
    client_for, dee, rita
):
    client = client_for(dee)
    proposed = refer(student(), rita, proposed_start=NOV_9)
    page = client.get(url("referral_decide", referral_pk=proposed.pk))
    assert page.context["forms"]["approve"]["start_date"].value() == NOV_9
    assert page.context["forms"]["approve"]["priority"].value() == 3
    passed = refer(student("Ben", "Ash"), rita, proposed_start=dt.date(2026, 9, 2))
    page = client.get(url("referral_decide", referral_pk=passed.pk))
    assert page.context["forms"]["approve"]["start_date"].value() == dt.date(2026, 9, 8)


def test_approving_when_the_room_is_full_joins_the_waiting_list(client_for, dee, rita):
    fill_room(dee, rita)
    first = decisions.approve(
        refer(student("Cal", "First"), rita), by=dee, start=SEP_14, priority=2
    ).placement
    assert first.state == Placement.State.WAITING
    referral = refer(student(), rita)
    client = client_for(dee)
    response = decide(client, referral, decision="approve", start_date="2026-09-14", priority="3")
    assert response.status_code == 302
    placement = Placement.objects.get(referral=referral)
    assert placement.state == Placement.State.WAITING
    assert placement.start_date is None
    page = client.get(url("approvals"))
    assert page_messages(page) == [
        "Approved, on the waiting list (position 2): the room is full on Mon 14 Sep. "
        "Ava Stone will be offered the first place that comes free."
    ]
    assert [p.pk for p in page.context["waiting"].rows] == [first.pk, placement.pk]
    assert "<strong>2</strong> on the waiting list" in text(page)


def test_a_start_that_is_not_a_school_day_is_refused_next_to_the_field(client_for, dee, rita):
    referral = refer(student(), rita)
    response = decide(
        client_for(dee),
        referral,
        decision="approve",
        start_date="2026-10-27",  # half-term
        priority="2",
        note="Start after half-term if possible",
    )
    assert response.status_code == 200
    form = response.context["forms"]["approve"]
    assert "is not a school day" in form.errors["start_date"][0]
    html = text(response)
    assert 'id="id_start_date_error"' in html
    assert "Start after half-term if possible</textarea>" in html
    assert form["priority"].value() == "2"
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SUBMITTED


def test_a_start_in_the_past_is_refused(client_for, dee, rita):
    referral = refer(student(), rita)
    response = decide(
        client_for(dee), referral, decision="approve", start_date="2026-09-04", priority="3"
    )
    assert response.status_code == 200
    assert response.context["forms"]["approve"].errors["start_date"] == [
        "The start date has passed; choose today or later."
    ]


# --- declining and asking for information ------------------------------------------------


def test_declining_needs_a_reason(client_for, dee, rita):
    referral = refer(student(), rita)
    client = client_for(dee)
    response = decide(client, referral, decision="decline", reason="   ")
    assert response.status_code == 200
    assert response.context["forms"]["decline"].errors["reason"] == [
        "Say why: the referrer and the file keep the reason."
    ]
    assert 'id="id_reason_error"' in text(response)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SUBMITTED

    too_long = "Needs a specialist assessment first. " * 120
    response = decide(client, referral, decision="decline", reason=too_long)
    assert response.status_code == 200
    assert "reason" in response.context["forms"]["decline"].errors
    assert too_long.strip() in text(response)  # what was typed is kept

    response = decide(client, referral, decision="decline", reason="Needs an EHCP review first.")
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.DECLINED
    assert referral.decision_reason == "Needs an EHCP review first."
    assert page_messages(client.get(url("approvals"))) == [
        "Declined: Ava Stone's referral. The referrer can see the reason."
    ]


def test_asking_for_more_information_sends_it_back(client_for, dee, rita):
    referral = refer(student(), rita)
    client = client_for(dee)
    response = decide(client, referral, decision="information", request="")
    assert response.status_code == 200
    assert response.context["forms"]["information"].errors["request"]
    response = decide(
        client, referral, decision="information", request="What has the SEND team tried?"
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.INFO_REQUESTED
    assert referral.info_request == "What has the SEND team tried?"
    assert not Placement.objects.filter(referral=referral).exists()


def test_an_unknown_decision_is_refused(client_for, dee, rita):
    referral = refer(student(), rita)
    response = decide(client_for(dee), referral, decision="maybe")
    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SUBMITTED


# --- decided meanwhile -------------------------------------------------------------------


def test_a_referral_decided_meanwhile_says_so(client_for, dee, rita):
    referral = refer(student(), rita)
    other_deputy = UserFactory(roles=[Role.DEPUTY_HEAD])
    decisions.decline(referral, by=other_deputy, reason="Not the right provision.")
    client = client_for(dee)
    response = decide(client, referral, decision="approve", start_date="2026-11-09")
    assert response.status_code == 302
    assert response["Location"] == url("approvals")
    assert page_messages(client.get(url("approvals"))) == [
        "Ava Stone's referral is declined: it is no longer waiting for a decision, "
        "so nothing was changed."
    ]
    assert not Placement.objects.filter(referral=referral).exists()
    # The decision page still shows it, with the decision and no forms.
    page = client.get(url("referral_decide", referral_pk=referral.pk))
    assert page.status_code == 200
    assert "Not the right provision." in text(page)
    assert 'name="decision"' not in text(page)


def test_a_decision_racing_another_shows_the_services_message(client_for, dee, rita):
    referral = refer(student(), rita)
    seen = Referral.objects.get(pk=referral.pk)  # as the page loaded it, still submitted
    decisions.request_information(referral, by=dee, request="Attendance figures, please.")
    client = client_for(dee)
    with mock.patch("referrals.views.decisions.selectors.referral_for_decision", return_value=seen):
        response = decide(client, seen, decision="decline", reason="Too late")
    assert response.status_code == 302
    assert page_messages(client.get(url("approvals"))) == [
        "This referral is more information requested: only a referral waiting for a "
        "decision can be declined."
    ]
    referral.refresh_from_db()
    assert referral.status == Referral.Status.INFO_REQUESTED


def test_drafts_are_not_shown_and_unknown_referrals_are_404(client_for, dee, rita):
    draft = Referral.objects.create(student=student(), referrer=rita, reasons="Draft")
    client = client_for(dee)
    assert client.get(url("referral_decide", referral_pk=draft.pk)).status_code == 404
    assert client.get(url("referral_decide", referral_pk=999999)).status_code == 404


# --- who may do what ---------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["cora", "sam", "rita", "tom", "dina", "ada", "nora"])
def test_only_a_deputy_head_decides(persona, personas, client_for):
    referral = refer(student(), personas["rita"])
    client = client_for(personas[persona])
    assert client.get(url("referral_decide", referral_pk=referral.pk)).status_code == 403
    response = decide(client, referral, decision="decline", reason="No")
    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SUBMITTED


@pytest.mark.parametrize("persona", ["cora", "sam", "rita", "tom", "dina", "ada", "nora"])
def test_only_a_deputy_head_keeps_the_waiting_list(persona, personas, client_for):
    dee, rita = personas["dee"], personas["rita"]
    fill_room(dee, rita)
    waiting = decisions.approve(refer(student(), rita), by=dee, start=SEP_14).placement
    client = client_for(personas[persona])
    priority = client.post(url("waiting_priority", placement_pk=waiting.pk), {"priority": "1"})
    remove = client.post(
        url("waiting_remove", placement_pk=waiting.pk), {"end_reason": "left_school"}
    )
    assert (priority.status_code, remove.status_code) == (403, 403)
    waiting.refresh_from_db()
    assert (waiting.state, waiting.priority) == (Placement.State.WAITING, 3)


READERS = [("dee", 200), ("cora", 200), ("sam", 200)]
OTHERS = [("rita", 403), ("tom", 403), ("dina", 403), ("ada", 403), ("nora", 403)]


@pytest.mark.parametrize("persona, status", READERS + OTHERS)
def test_who_reads_the_approvals_page_and_the_waiting_list(persona, status, personas, client_for):
    dee, rita = personas["dee"], personas["rita"]
    referral = refer(student(), rita)
    fill_room(dee, rita)
    decisions.approve(refer(student("Wyn", "Wait"), rita), by=dee, start=SEP_14)
    client = client_for(personas[persona])
    approvals = client.get(url("approvals"))
    waiting = client.get(url("waiting_list"))
    assert (approvals.status_code, waiting.status_code) == (status, status)
    if status == 200:
        decide_link = url("referral_decide", referral_pk=referral.pk)
        # The forms and links to them are for the deputy head only.
        assert (decide_link in text(approvals)) == (persona == "dee")
        assert ('name="priority"' in text(waiting)) == (persona == "dee")
        assert "Wyn Wait" in text(waiting)


def test_the_navigation_and_the_deputy_heads_home_page(client_for, dee, cora):
    links = {link.label: link for link in registry.collected().nav_links_for(dee)}
    assert links["Approvals"].url_name == "referrals:approvals"
    assert "Waiting list" not in links  # reached from Approvals and the Placements board
    assert registry.collected().home_url_name_for(dee) == "referrals:approvals"
    assert client_for(dee).get(reverse("home"))["Location"] == url("approvals")
    approvals = client_for(cora).get(url("approvals"))
    assert f'href="{url("waiting_list")}"' in text(approvals)


# --- the waiting list --------------------------------------------------------------------


def test_changing_a_priority_reorders_the_waiting_list(client_for, dee, rita):
    fill_room(dee, rita)
    first = decisions.approve(refer(student("Ann", "Early"), rita), by=dee, start=SEP_14).placement
    later = decisions.approve(refer(student("Bea", "Later"), rita), by=dee, start=SEP_14).placement
    client = client_for(dee)
    page = client.get(url("waiting_list"))
    assert [(p.pk, p.position) for p in page.context["waiting"]] == [(first.pk, 1), (later.pk, 2)]

    response = client.post(url("waiting_priority", placement_pk=later.pk), {"priority": "1"})
    assert response.status_code == 302
    page = client.get(url("waiting_list"))
    assert [(p.pk, p.position) for p in page.context["waiting"]] == [(later.pk, 1), (first.pk, 2)]
    assert page_messages(page) == ["Priority 1 for Bea Later: now position 1 on the waiting list."]

    response = client.post(url("waiting_priority", placement_pk=later.pk), {"priority": "9"})
    assert response.status_code == 400
    assert f'id="id_priority_{later.pk}_error"' in text(response)


def test_taking_someone_off_the_list_ends_the_placement_early(client_for, dee, rita):
    fill_room(dee, rita)
    waiting = decisions.approve(refer(student(), rita), by=dee, start=SEP_14).placement
    client = client_for(dee)
    url_remove = url("waiting_remove", placement_pk=waiting.pk)

    response = client.post(url_remove, {"end_reason": "other", "note": ""})
    assert response.status_code == 400
    assert f'id="id_note_{waiting.pk}_error"' in text(response)
    waiting.refresh_from_db()
    assert waiting.state == Placement.State.WAITING

    response = client.post(
        url_remove, {"end_reason": "other", "note": "Parents chose a managed move instead."}
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.state == Placement.State.ENDED_EARLY
    assert waiting.end_reason == Placement.EndReason.OTHER
    last = PlacementTransition.objects.filter(placement=waiting).last()
    assert last.reason == "Other. Parents chose a managed move instead."
    page = client.get(url("waiting_list"))
    assert page_messages(page) == ["Ava Stone has been taken off the waiting list."]
    assert list(page.context["waiting"]) == []


def test_a_placement_no_longer_waiting_is_not_changed_from_the_list(client_for, dee, rita):
    scheduled = fill_room(dee, rita)[0]
    client = client_for(dee)
    response = client.post(
        url("waiting_remove", placement_pk=scheduled.pk), {"end_reason": "left_school"}
    )
    assert response.status_code == 302
    scheduled.refresh_from_db()
    assert scheduled.state == Placement.State.SCHEDULED
    assert page_messages(client.get(url("waiting_list"))) == [
        "Full0 Room is no longer on the waiting list (scheduled)."
    ]
    response = client.post(url("waiting_priority", placement_pk=scheduled.pk), {"priority": "1"})
    assert response.status_code == 302
    assert page_messages(client.get(url("waiting_list"))) == [
        "Only a placement on the waiting list has a priority."
    ]


# --- the student's context ---------------------------------------------------------------


def _end_early(referral, dee, **kwargs):
    placement = decisions.approve(referral, by=dee, start=SEP_14, **kwargs).placement
    return placements.end_early(placement, by=dee, end_reason="other", note="Moved house")


def test_an_earlier_placement_this_academic_year_is_flagged(client_for, dee, rita):
    pupil = student()
    _end_early(refer(pupil, rita), dee)
    referral = refer(pupil, rita)
    fresh = refer(student("Fay", "Fresh"), rita)
    client = client_for(dee)
    page = client.get(url("referral_decide", referral_pk=referral.pk))
    assert "Earlier placement this academic year" in text(page)
    assert [p.state for p in page.context["earlier"]] == [Placement.State.ENDED_EARLY]
    assert "Mon 14 Sep 2026 to" in text(page)
    page = client.get(url("referral_decide", referral_pk=fresh.pk))
    assert "Earlier placement" not in text(page)
    approvals = client.get(url("approvals"))
    flags = {r.pk: r.earlier_this_year for r in approvals.context["pending"].rows}
    assert flags == {referral.pk: True, fresh.pk: False}


def test_a_placement_last_academic_year_is_not_flagged(client_for, dee, rita):
    pupil = student()
    old = Referral.objects.create(
        student=pupil, referrer=rita, status=Referral.Status.APPROVED, reasons="Last year"
    )
    Placement.objects.create(
        referral=old,
        student=pupil,
        state=Placement.State.COMPLETED,
        approved_by=dee,
        approved_at=dt.datetime(2026, 2, 20, 10, tzinfo=LONDON),
        requested_start=dt.date(2026, 3, 2),
        start_date=dt.date(2026, 3, 2),
        planned_exit=dt.date(2026, 4, 10),
        latest_exit=dt.date(2026, 4, 10),
    )
    referral = refer(pupil, rita)
    page = client_for(dee).get(url("referral_decide", referral_pk=referral.pk))
    assert page.context["earlier"] == []
    assert "Earlier placement" not in text(page)


def test_the_approvals_page_shows_each_referral_with_its_context(client_for, dee, rita, cora):
    pupil = student(sen_status="E", pupil_premium=True, looked_after=True, tutor_group="9R")
    LinkFactory(student=pupil, staff=rita, relationship="referrer")
    referral = refer(pupil, rita, proposed_start=NOV_9, consent_given=True, consent_given_by="Mum")
    for _ in range(2):
        record_entry(author=cora, students=[pupil], kind="concern", summary="Walked out")
    record_entry(author=cora, students=[pupil], kind="positive", summary="Great day")
    record_entry(
        author=cora,
        students=[pupil],
        kind="incident",
        summary="Long ago",
        occurred_at=timezone.now() - dt.timedelta(weeks=8),
    )
    older = refer(student("Old", "First"), rita)
    Referral.objects.filter(pk=older.pk).update(submitted_at=timezone.now() - dt.timedelta(days=3))
    page = client_for(dee).get(url("approvals"))
    assert [r.pk for r in page.context["pending"].rows] == [older.pk, referral.pk]
    card = page.context["pending"].rows[1]
    assert card.recent_concerns == 2
    html = text(page)
    for shown in (
        "EHC plan",
        "Pupil premium",
        "Looked after",
        "Year 9, 9R",
        "Mon 9 Nov 2026",
        "2 in the last six weeks",
        "Stay in English for a whole lesson",
        "Reading intervention",
        "Leaving lessons most days",
        "<strong>2</strong> referrals waiting for a decision",
    ):
        assert shown in html, shown
    assert "Walked out" not in html  # a number only, never an entry's content


# --- capacity and query counts -----------------------------------------------------------


def test_the_capacity_table_counts_places_by_week(client_for, dee, rita):
    SchoolSettings.objects.update(capacity=2)
    decisions.approve(refer(student("One", "Placed"), rita), by=dee, start=SEP_14)
    page = client_for(dee).get(url("approvals"))
    weeks = page.context["capacity"].weeks
    assert len(weeks) == 8
    rows = [(w["week_of"], w["taken"], w["free"]) for w in weeks]
    assert rows[:3] == [
        (dt.date(2026, 9, 7), 0, 2),
        (dt.date(2026, 9, 14), 1, 1),
        (dt.date(2026, 9, 21), 1, 1),
    ]
    html = text(page)
    assert "Taken (of 2)" in html
    assert "1 of 2" in html
    assert "<strong>2</strong> of 2 places free this week" in html

    decisions.approve(refer(student("Two", "Placed"), rita), by=dee, start=SEP_14)
    page = client_for(dee).get(url("approvals"))
    assert [w["free"] for w in page.context["capacity"].weeks[:2]] == [2, 0]
    assert "Full" in text(page)


def test_the_capacity_table_marks_half_term(client_for, dee):
    with time_machine.travel(dt.datetime(2026, 10, 19, 9, 0, tzinfo=LONDON), tick=False):
        page = client_for(dee).get(url("approvals"))
    weeks = page.context["capacity"].weeks
    assert (weeks[1]["week_of"], weeks[1]["free"]) == (dt.date(2026, 10, 26), None)
    assert "No school days" in text(page)


def _finished_placement(pupil, rita, dee):
    """A placement of `pupil` that ran earlier this academic year."""
    referral = Referral.objects.create(
        student=pupil, referrer=rita, status=Referral.Status.APPROVED, reasons="Earlier"
    )
    Placement.objects.create(
        referral=referral,
        student=pupil,
        state=Placement.State.COMPLETED,
        approved_by=dee,
        requested_start=dt.date(2026, 9, 2),
        start_date=dt.date(2026, 9, 2),
        planned_exit=dt.date(2026, 9, 4),
        latest_exit=dt.date(2026, 9, 4),
    )


def _add_pending(n, rita, dee, cora):
    for i in range(n):
        pupil = student(f"Pupil{i}", "Many")
        record_entry(author=cora, students=[pupil], kind="concern", summary="Upset")
        if i % 2:
            _finished_placement(pupil, rita, dee)
        refer(pupil, rita)


def test_the_approvals_page_runs_the_same_queries_for_1_or_10_referrals(
    client_for, dee, rita, cora
):
    SchoolSettings.objects.update(capacity=2)
    client = client_for(dee)
    _add_pending(1, rita, dee, cora)
    fill_room(dee, rita)
    decisions.approve(refer(student("Wyn", "Wait"), rita), by=dee, start=SEP_14)
    small = queries(client, url("approvals"))
    assert small <= PAGE_QUERY_BUDGET
    _add_pending(9, rita, dee, cora)
    decisions.approve(refer(student("Xan", "Wait"), rita), by=dee, start=SEP_14)
    assert client.get(url("approvals")).context["pending"].total == 10
    assert queries(client, url("approvals")) == small
    waiting_small = queries(client, url("waiting_list"))
    assert waiting_small <= PAGE_QUERY_BUDGET
    decisions.approve(refer(student("Yas", "Wait"), rita), by=dee, start=SEP_14)
    assert queries(client, url("waiting_list")) == waiting_small


def test_approving_loads_the_calendar_once_and_says_where_it_waits(client_for, dee, rita):
    """approve() returns the first full day and the waiting position it worked out, so
    the decision does not load the calendar again to say them."""
    fill_room(dee, rita)
    referral = refer(student("Wyn", "Wait"), rita)
    client = client_for(dee)
    with CaptureQueriesContext(connection) as ctx:
        client.post(
            url("referral_decide", referral_pk=referral.pk),
            {"decision": "approve", "start_date": SEP_14.isoformat(), "priority": 3, "note": ""},
        )
    assert len([q for q in ctx.captured_queries if 'FROM "enigma_term"' in q["sql"]]) == 1
    shown = client.get(url("approvals")).content.decode()
    assert "Approved, on the waiting list (position 1): the room is full on Mon 14 Sep." in shown


# --- before approving: what the start date would do ---------------------------------------


def _outlook_html(response) -> str:
    return text(response).split('id="start-outlook"')[1].split("</div>")[0]


def test_before_approving_a_start_in_a_full_week_says_so_and_the_earliest_that_fits(
    client_for, dee, rita
):
    fill_room(dee, rita)  # both places taken from Mon 14 Sep to Fri 23 Oct
    referral = refer(student(), rita, proposed_start=SEP_14)
    shown = _outlook_html(client_for(dee).get(url("referral_decide", referral_pk=referral.pk)))
    assert "The start falls in a full week" in shown
    assert "the week of Mon 14 Sep 2026 (first on Mon 14 Sep 2026)" in shown
    assert "joins the waiting list" in shown
    # Half-term is 26 to 30 Oct: the first start whose every school day has a place.
    assert "Earliest start when the whole placement fits: Mon 2 Nov 2026" in shown
    assert "to Fri 11 Dec 2026" in shown


def test_before_approving_a_start_with_a_place_throughout_says_it_is_scheduled(
    client_for, dee, rita
):
    fill_room(dee, rita)
    referral = refer(student(), rita, proposed_start=NOV_9)
    shown = _outlook_html(client_for(dee).get(url("referral_decide", referral_pk=referral.pk)))
    assert "A place is free on every school day" in shown
    assert "30 school days, to Fri 18 Dec 2026" in shown
    assert "Earliest start" not in shown and "full week" not in shown


def test_before_approving_a_start_shortened_by_the_summer_says_how_many_days(client_for, dee, rita):
    TermFactory(
        name="Summer 2027",
        starts_on=dt.date(2027, 6, 1),
        ends_on=dt.date(2027, 7, 21),
        half_term_starts_on=None,
        half_term_ends_on=None,
    )
    start = dt.date(2027, 6, 28)
    last = dt.date(2027, 7, 21)
    weekdays = sum(
        1 for n in range((last - start).days + 1) if (start + dt.timedelta(n)).weekday() < 5
    )
    referral = refer(student(), rita, proposed_start=start)
    shown = _outlook_html(client_for(dee).get(url("referral_decide", referral_pk=referral.pk)))
    assert f"It would run {weekdays} of 30 school days, ending Wed 21 Jul 2027" in shown
    assert weekdays == 18


def test_the_outlook_follows_the_start_date_as_it_changes(client_for, dee, rita):
    fill_room(dee, rita)
    client = client_for(dee)
    full = client.get(url("start_outlook"), {"start_date": "2026-09-21"}, HTTP_HX_REQUEST="true")
    assert "full week" in text(full) and "Mon 2 Nov 2026" in text(full)
    free = client.get(url("start_outlook"), {"start_date": "2026-11-02"}, HTTP_HX_REQUEST="true")
    assert "A place is free on every school day" in text(free)
    weekend = client.get(url("start_outlook"), {"start_date": "2026-11-07"})
    assert "Sat 7 Nov 2026 is not a school day" in text(weekend)
    assert "Enter a real start date" in text(client.get(url("start_outlook"), {"start_date": "x"}))
    posted = decide(client, refer(student(), rita), decision="approve", start_date="2026-11-02")
    assert "A place is free on every school day" in _outlook_html(posted)  # the typed date


def test_the_outlook_reads_a_fixed_number_of_queries(client_for, dee, rita):
    fill_room(dee, rita, n=1)
    client = client_for(dee)
    check = {"start_date": "2026-09-14"}
    few = queries(client, url("start_outlook"), check)
    fill_room(dee, rita, n=2)  # full now: the earliest start is searched
    many = queries(client, url("start_outlook"), check)
    assert many <= few + 1  # the search reads the places once


def test_the_approvals_page_shows_the_oldest_and_the_waiting_list_is_paged(
    client_for, dee, rita, cora, monkeypatch
):
    monkeypatch.setattr("referrals.selectors.decisions.PENDING_SHOWN", 3)
    monkeypatch.setattr("referrals.selectors.decisions.WAITING_PAGE_SIZE", 2)
    SchoolSettings.objects.update(capacity=2)
    client = client_for(dee)
    _add_pending(5, rita, dee, cora)
    fill_room(dee, rita)
    waiting = [
        decisions.approve(refer(student(f"W{i}", "Wait"), rita), by=dee, start=SEP_14)
        for i in range(3)
    ]
    page = client.get(url("approvals"))
    pending = page.context["pending"]
    assert (len(pending.rows), pending.total, pending.more) == (3, 5, 2)
    assert "The oldest 3 are shown; 2 more wait behind them." in text(page)
    assert "<strong>5</strong> referrals waiting for a decision" in text(page)
    assert page.context["waiting"].total == 3
    second = client.get(url("waiting_list"), {"page": 2})
    assert [(p.position) for p in second.context["waiting"]] == [3]
    assert len(waiting) == 3
