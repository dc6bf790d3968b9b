"""Deciding referrals: the room's capacity on every school day, the waiting list and its
offer, forbidden moves refused, and two approvals at once never overfilling the room."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connections

from enigma.models import SchoolSettings
from records.models import Entry
from referrals import places
from referrals.models import Placement, PlacementTransition, ProposedTarget, Referral
from referrals.services import decisions, placements, scheduling
from tests.factories import StudentFactory, TermFactory

D = dt.date
LONDON = ZoneInfo("Europe/London")
TODAY = D(2026, 9, 3)  # a Thursday in the autumn term


@pytest.fixture
def term(db):
    return TermFactory()


@pytest.fixture
def room(db):
    SchoolSettings.load()
    SchoolSettings.objects.update(capacity=2, placement_weeks=6)
    return SchoolSettings.load()


def submitted(referrer, student=None):
    referral = Referral.objects.create(
        student=student or StudentFactory(),
        referrer=referrer,
        status=Referral.Status.SUBMITTED,
        reasons="Struggling in lessons despite support.",
    )
    ProposedTarget.objects.create(referral=referral, area="learning", description="Attend maths")
    return referral


@pytest.fixture
def today():
    with time_machine.travel(dt.datetime(2026, 9, 3, 10, 0, tzinfo=LONDON), tick=False):
        yield TODAY


def test_approval_schedules_when_a_place_is_free(term, room, today, rita, dee):
    placement = decisions.approve(submitted(rita), by=dee, start=D(2026, 9, 7)).placement
    assert placement.state == Placement.State.SCHEDULED
    assert (placement.start_date, placement.planned_exit) == (D(2026, 9, 7), D(2026, 10, 16))
    assert placement.latest_exit == placement.planned_exit
    assert placement.referral.status == Referral.Status.APPROVED
    assert placement.referral.decided_by == dee
    assert [t.description for t in placement.targets.all()] == ["Attend maths"]
    assert placement.reviews.count() == 6 and placement.reviews.last().kind == "exit"
    codes = set(
        Entry.objects.filter(links__student=placement.student).values_list("event_code", flat=True)
    )
    assert {"referral.approved", "placement.scheduled"} <= codes


def test_the_room_never_holds_more_than_capacity_on_any_day(term, room, today, rita, dee):
    first = decisions.approve(submitted(rita), by=dee, start=D(2026, 9, 7)).placement
    second = decisions.approve(submitted(rita), by=dee, start=D(2026, 9, 21)).placement
    # Starting 14 Sep overlaps both from 21 Sep: the room (capacity 2) is full then.
    third = decisions.approve(submitted(rita), by=dee, start=D(2026, 9, 14)).placement
    assert first.state == second.state == Placement.State.SCHEDULED
    assert third.state == Placement.State.WAITING and third.start_date is None
    reason = third.transitions.get().reason
    assert reason.startswith("The room is full on Mon 21 Sep 2026.")
    # Starting after the first one ends fits.
    fourth = decisions.approve(submitted(rita), by=dee, start=D(2026, 10, 19)).placement
    assert fourth.state == Placement.State.SCHEDULED


def test_only_a_submitted_referral_can_be_decided(term, room, today, rita, dee):
    referral = submitted(rita)
    decisions.decline(referral, by=dee, reason="Support plan to try first")
    for decide in (
        lambda: decisions.approve(referral, by=dee, start=D(2026, 9, 7)).placement,
        lambda: decisions.decline(referral, by=dee, reason="again"),
        lambda: decisions.request_information(referral, by=dee, request="more"),
    ):
        with pytest.raises(ValidationError, match="This referral is declined"):
            decide()


def test_decline_needs_a_reason_and_info_requests_go_back_to_the_referrer(
    term, room, today, rita, dee
):
    referral = submitted(rita)
    with pytest.raises(ValidationError, match="Say why"):
        decisions.decline(referral, by=dee, reason="  ")
    decisions.request_information(referral, by=dee, request="What has the SEND team tried?")
    referral.refresh_from_db()
    assert referral.status == Referral.Status.INFO_REQUESTED
    assert referral.info_request == "What has the SEND team tried?"
    transition = referral.transitions.get()
    assert (transition.by, transition.to_status) == (dee, "info_requested")


def test_start_dates_in_the_past_or_on_holidays_are_refused(term, room, today, rita, dee):
    with pytest.raises(ValidationError, match="has passed"):
        decisions.approve(submitted(rita), by=dee, start=D(2026, 9, 2))
    with pytest.raises(ValidationError, match="not a school day"):
        decisions.approve(submitted(rita), by=dee, start=D(2026, 10, 27))


def test_waiting_list_order_is_priority_then_approval_time(term, room, today, rita, dee):
    for start in (D(2026, 9, 7), D(2026, 9, 7)):
        decisions.approve(submitted(rita), by=dee, start=start)
    a = decisions.approve(submitted(rita), by=dee, start=D(2026, 9, 7), priority=3).placement
    b = decisions.approve(submitted(rita), by=dee, start=D(2026, 9, 7), priority=3).placement
    c = decisions.approve(submitted(rita), by=dee, start=D(2026, 9, 7), priority=1).placement
    assert list(places.waiting_list()) == [c, a, b]
    decisions.set_priority(b, by=dee, priority=2)
    assert list(places.waiting_list()) == [c, b, a]


def test_a_freed_place_is_offered_to_the_head_of_the_list(term, room, today, rita, dee):
    holding = [
        decisions.approve(submitted(rita), by=dee, start=D(2026, 9, 7)).placement for _ in range(2)
    ]
    head = decisions.approve(submitted(rita), by=dee, start=D(2026, 9, 7), priority=1).placement
    second = decisions.approve(submitted(rita), by=dee, start=D(2026, 9, 7), priority=2).placement
    placements.end_early(
        holding[0], by=dee, end_reason=Placement.EndReason.LEFT_SCHOOL, note="Moved away"
    )
    head.refresh_from_db()
    second.refresh_from_db()
    assert head.state == Placement.State.SCHEDULED
    assert head.start_date == D(2026, 9, 7)  # the earliest school day it fits from
    # The next place frees only on 19 Oct: not within a school week, so no offer yet.
    assert second.state == Placement.State.WAITING
    offered = head.transitions.order_by("at", "id").last()
    assert offered.reason.startswith("A place came free")


def test_the_head_of_the_list_is_not_jumped(term, room, today, rita, dee):
    """If the head cannot fit, nobody behind it is scheduled in its place."""
    decisions.approve(submitted(rita), by=dee, start=D(2026, 9, 7))
    decisions.approve(submitted(rita), by=dee, start=D(2026, 9, 7))
    head = decisions.approve(submitted(rita), by=dee, start=D(2026, 9, 7), priority=1).placement
    behind = decisions.approve(submitted(rita), by=dee, start=D(2026, 9, 8), priority=2).placement
    # Had behind asked to start on 19 Oct, when both places free, it would fit; but the
    # head asked for 7 Sep and fits nowhere near it: nobody is offered a place before it.
    Placement.objects.filter(pk=behind.pk).update(requested_start=D(2026, 10, 19))
    assert scheduling.offer_free_places(by=dee) == []
    head.refresh_from_db()
    behind.refresh_from_db()
    assert head.state == behind.state == Placement.State.WAITING


def test_forbidden_moves_are_refused_with_a_clear_message(term, room, today, rita, dee, cora):
    placement = decisions.approve(submitted(rita), by=dee, start=D(2026, 9, 7)).placement
    with pytest.raises(ValidationError, match="starts on Mon 7 Sep 2026, not before"):
        placements.start(placement, by=cora, today=TODAY)
    with pytest.raises(ValidationError, match="never be after Fri 16 Oct 2026"):
        placements.bring_exit_forward(
            placement, by=cora, new_exit=D(2026, 10, 19), reason="More time"
        )
    placements.end_early(placement, by=cora, end_reason="escalated")
    with pytest.raises(ValidationError, match="already ended early"):
        placements.end_early(placement, by=cora, end_reason="other", note="x")
    with pytest.raises(ValidationError, match="Only a scheduled placement can start"):
        placements.start(placement, by=cora, today=D(2026, 9, 7))
    with pytest.raises(ValidationError, match="Choose why"):
        placements.end_early(
            decisions.approve(submitted(rita), by=dee, start=D(2026, 9, 8)).placement,
            by=cora,
            end_reason="",
        )


def test_the_exit_can_be_brought_forward_and_reviews_follow(term, room, today, rita, dee, cora):
    placement = decisions.approve(submitted(rita), by=dee, start=D(2026, 9, 7)).placement
    placements.bring_exit_forward(
        placement, by=cora, new_exit=D(2026, 10, 2), reason="Doing well: back in all lessons"
    )
    placement.refresh_from_db()
    assert placement.planned_exit == D(2026, 10, 2)
    assert placement.latest_exit == D(2026, 10, 16)  # the limit stays
    reviews = list(placement.reviews.values_list("due_on", "kind"))
    assert reviews[-1] == (D(2026, 10, 2), "exit")
    assert all(due <= D(2026, 10, 2) for due, _ in reviews)
    log = PlacementTransition.objects.filter(placement=placement).last()
    assert (log.from_state, log.to_state, log.by) == ("scheduled", "scheduled", cora)


def test_the_daily_start_is_safe_to_run_twice(term, room, rita, dee, cora):
    with time_machine.travel(dt.datetime(2026, 9, 3, 10, 0, tzinfo=LONDON), tick=False):
        placement = decisions.approve(submitted(rita), by=dee, start=D(2026, 9, 7)).placement
    with time_machine.travel(dt.datetime(2026, 9, 7, 7, 0, tzinfo=LONDON), tick=False):
        assert placements.start_due(by=cora) == [placement]
        assert placements.start_due(by=cora) == []
    placement.refresh_from_db()
    assert placement.state == Placement.State.ACTIVE
    assert placement.transitions.filter(to_state="active").count() == 1


def test_a_second_open_referral_or_live_placement_is_refused_by_the_database(
    term, room, today, rita, dee
):
    from django.db import IntegrityError, transaction

    referral = submitted(rita)
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(student=referral.student, referrer=rita)
    placement = decisions.approve(referral, by=dee, start=D(2026, 9, 7)).placement
    again = Referral.objects.create(
        student=placement.student, referrer=rita, status=Referral.Status.SUBMITTED
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        decisions.approve(again, by=dee, start=D(2026, 9, 14))


# --- two approvers at once ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_simultaneous_approvals_never_overfill_the_room(rita, dee):
    TermFactory()
    SchoolSettings.load()
    SchoolSettings.objects.update(capacity=3)
    referrals = [submitted(rita) for _ in range(8)]
    ready = threading.Barrier(len(referrals))
    errors: list[BaseException] = []

    def decide(referral):
        try:
            with time_machine.travel(dt.datetime(2026, 9, 3, 10, 0, tzinfo=LONDON), tick=False):
                ready.wait(timeout=20)
                decisions.approve(referral, by=dee, start=D(2026, 9, 7))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(r,)) for r in referrals]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    states = sorted(Placement.objects.values_list("state", flat=True))
    assert states.count("scheduled") == 3
    assert states.count("waiting") == 5


def test_the_daily_round_offers_then_starts_as_the_automatic_account(term, room, rita, dee):
    from enigma.services.accounts import system_user
    from referrals.tasks import daily_placements

    with time_machine.travel(dt.datetime(2026, 9, 3, 10, 0, tzinfo=LONDON), tick=False):
        placement = decisions.approve(submitted(rita), by=dee, start=D(2026, 9, 7)).placement
    with time_machine.travel(dt.datetime(2026, 9, 7, 6, 45, tzinfo=LONDON), tick=False):
        assert daily_placements() == {"offered": [], "started": [placement.pk]}
        assert daily_placements() == {"offered": [], "started": []}
    started = placement.transitions.get(to_state="active")
    assert started.by == system_user()
    assert not system_user().is_active and not system_user().has_usable_password()
