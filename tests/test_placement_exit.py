"""A placement's life after approval: starting, bringing the exit forward (reviews
replanned, never past the limit), ending early, the exit (only after the signed-off exit
review; follow-up checks planned on school days; a place freed early offered to the
waiting list), the follow-up checks, and an event in the chronology for each step."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from enigma.models import SchoolSettings
from enigma.school_calendar import SchoolCalendar
from records.models import Entry
from referrals.models import FollowUp, Placement, PlacementTransition, Review
from referrals.services import placements
from tests.referrals_helpers import (
    D,
    at,
    completed_placement,
    hold,
    hold_all_reviews,
    make_placement,
)

pytestmark = pytest.mark.django_db
P = Placement.State
EXIT = D(2026, 10, 16)  # the planned exit of a placement starting 7 September


@pytest.fixture
def placement(dee, rita):
    return make_placement(approver=dee, referrer=rita, started=True)


def codes(placement) -> list[str]:
    return list(
        Entry.objects.filter(links__student=placement.student, kind="event")
        .order_by("occurred_at", "id")
        .values_list("event_code", flat=True)
    )


def complete(placement, by, *, on=EXIT, **kwargs):
    kwargs.setdefault("outcome", Placement.Outcome.FULL)
    kwargs.setdefault("exit_summary", "Back in all lessons.")
    with at(on, 15):
        return placements.complete(
            placement, by=by, exit_day=kwargs.pop("exit_day", on), today=on, **kwargs
        )


# --- starting -------------------------------------------------------------------------


def test_a_placement_cannot_start_before_its_start_date(dee, rita, cora):
    placement = make_placement(approver=dee, referrer=rita)
    with at(D(2026, 9, 4)), pytest.raises(ValidationError) as refused:
        placements.start(placement, by=cora)
    assert refused.value.messages == ["It starts on Mon 7 Sep 2026, not before."]
    with at(D(2026, 9, 7)):
        placements.start(placement, by=cora)
    placement.refresh_from_db()
    assert placement.state == P.ACTIVE
    assert codes(placement)[-1] == "placement.active"


# --- the exit date --------------------------------------------------------------------


def test_bringing_the_exit_forward_replans_the_reviews_still_to_hold(placement, cora, dee):
    first = placement.reviews.get(number=1)
    hold(first, cora)
    with at(D(2026, 9, 15)):
        placements.bring_exit_forward(
            placement, by=dee, new_exit=D(2026, 10, 2), reason="Ready sooner than planned."
        )
    placement.refresh_from_db()
    assert placement.planned_exit == D(2026, 10, 2) and placement.latest_exit == EXIT
    assert list(placement.reviews.order_by("number").values_list("due_on", "kind", "held_on")) == [
        (D(2026, 9, 14), "weekly", D(2026, 9, 14)),
        (D(2026, 9, 21), "midpoint", None),
        (D(2026, 9, 28), "weekly", None),
        (D(2026, 10, 2), "exit", None),
    ]
    moved = placement.transitions.last()
    assert (moved.from_state, moved.to_state, moved.by) == (P.ACTIVE, P.ACTIVE, dee)
    assert moved.reason == "Ready sooner than planned."
    assert codes(placement)[-1] == "placement.changed"


def test_the_exit_can_never_move_past_the_limit(placement, dee):
    with at(D(2026, 9, 15)), pytest.raises(ValidationError) as refused:
        placements.bring_exit_forward(
            placement, by=dee, new_exit=D(2026, 10, 19), reason="More time"
        )
    assert refused.value.message_dict["new_exit"] == [
        "The exit can never be after Fri 16 Oct 2026: a placement lasts at most 6 school weeks."
    ]


# --- ending early ---------------------------------------------------------------------


def test_ending_early_needs_a_reason(placement, dee):
    with pytest.raises(ValidationError) as refused:
        placements.end_early(placement, by=dee, end_reason="")
    assert "end_reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        placements.end_early(placement, by=dee, end_reason="other", note=" ")
    assert refused.value.message_dict == {"note": ["Say what happened."]}
    placement.refresh_from_db()
    assert placement.state == P.ACTIVE


def test_ending_early_records_why_and_drops_the_reviews_still_to_hold(placement, cora, dee):
    hold(placement.reviews.get(number=1), cora)
    with at(D(2026, 9, 16)):
        placements.end_early(placement, by=dee, end_reason="escalated", note="Moved to the PRU.")
    placement.refresh_from_db()
    assert placement.state == P.ENDED_EARLY and placement.actual_exit == D(2026, 9, 16)
    assert list(placement.reviews.values_list("number", flat=True)) == [1]
    assert placement.transitions.last().reason == "Escalated to other provision. Moved to the PRU."
    assert codes(placement)[-1] == "placement.ended_early"


# --- the exit -------------------------------------------------------------------------


def test_the_exit_needs_the_exit_review_held(placement, cora):
    with pytest.raises(ValidationError) as refused:
        complete(placement, cora)
    assert refused.value.messages == [
        "The exit review has not been held yet (due Fri 16 Oct 2026). Hold it, and have the "
        "SENCO sign it off, before the placement is completed."
    ]


def test_the_exit_needs_the_exit_review_signed_off(placement, cora):
    for review in placement.reviews.order_by("number"):
        hold(review, cora)
    with pytest.raises(ValidationError) as refused:
        complete(placement, cora)
    assert refused.value.messages == [
        "The exit review was held on Fri 16 Oct 2026 and is waiting for the SENCO's sign-off. "
        "The placement can be completed once it is signed off."
    ]
    placement.refresh_from_db()
    assert placement.state == P.ACTIVE and not placement.follow_ups.exists()


def test_completing_records_the_outcome_and_plans_follow_ups_on_school_days(placement, cora, sam):
    hold_all_reviews(placement, cora, sam)
    complete(
        placement,
        cora,
        outcome=Placement.Outcome.PARTIAL,
        exit_summary="Back in most lessons; science still from the room.",
    )
    placement.refresh_from_db()
    assert placement.state == P.COMPLETED and placement.actual_exit == EXIT
    assert placement.outcome == "partial"
    assert placement.exit_summary == "Back in most lessons; science still from the room."
    # 2 and 6 school weeks after Friday 16 October, skipping the half-term week.
    checks = list(placement.follow_ups.values_list("weeks_after", "due_on"))
    assert checks == [(2, D(2026, 11, 6)), (6, D(2026, 12, 4))]
    calendar = SchoolCalendar.from_db()
    assert all(calendar.is_school_day(due) for _, due in checks)
    done = placement.transitions.last()
    assert (done.from_state, done.to_state, done.by) == (P.ACTIVE, P.COMPLETED, cora)
    event = Entry.objects.filter(
        links__student=placement.student, event_code="placement.completed"
    ).get()
    assert event.summary == "Placement in the Enigma room completed: partly back in lessons"
    assert "science still from the room" in event.account


def test_follow_up_weeks_come_from_the_school_settings(placement, cora, sam):
    SchoolSettings.load()
    SchoolSettings.objects.update(follow_up_weeks=[3])
    hold_all_reviews(placement, cora, sam)
    complete(placement, cora)
    assert list(placement.follow_ups.values_list("weeks_after", "due_on")) == [(3, D(2026, 11, 13))]


def test_the_exit_day_is_a_school_day_no_later_than_the_planned_exit(placement, cora, sam):
    hold_all_reviews(placement, cora, sam)
    with pytest.raises(ValidationError) as refused:
        complete(placement, cora, on=D(2026, 10, 19))
    assert refused.value.message_dict["exit_day"] == [
        "The planned exit is Fri 16 Oct 2026; a placement cannot end after it."
    ]
    with pytest.raises(ValidationError) as refused:
        complete(placement, cora, on=D(2026, 10, 16), exit_day=D(2026, 10, 20))
    assert refused.value.message_dict["exit_day"] == ["The exit day cannot be in the future."]
    with pytest.raises(ValidationError) as refused:
        complete(placement, cora, on=D(2026, 10, 16), exit_day=D(2026, 10, 11))
    assert refused.value.message_dict["exit_day"] == ["Sun 11 Oct 2026 is not a school day."]


def test_the_outcome_and_summary_are_needed(placement, cora, sam):
    hold_all_reviews(placement, cora, sam)
    with pytest.raises(ValidationError) as refused:
        complete(placement, cora, outcome="", exit_summary="")
    assert set(refused.value.message_dict) == {"outcome", "exit_summary"}


def test_a_place_freed_by_an_early_exit_goes_to_the_waiting_list(dee, rita, cora, sam):
    SchoolSettings.load()
    SchoolSettings.objects.update(capacity=1)
    first = make_placement(approver=dee, referrer=rita, started=True)
    waiting = make_placement(approver=dee, referrer=rita, start=D(2026, 9, 14))
    assert waiting.state == P.WAITING
    reviews = list(first.reviews.order_by("number"))
    for review in reviews[:-1]:
        hold(review, cora)
    exit_review = reviews[-1]
    assert exit_review.kind == Review.Kind.EXIT
    early = D(2026, 10, 14)  # two school days before the planned exit
    hold(exit_review, cora, on=early)
    with at(early, 15):
        placements.sign_off(exit_review, by=sam)
    complete(first, cora, on=early)
    waiting.refresh_from_db()
    assert waiting.state == P.SCHEDULED
    assert waiting.start_date == D(2026, 10, 15)  # the next school day, not 19 October
    offer = waiting.transitions.last()
    assert (offer.from_state, offer.to_state) == (P.WAITING, P.SCHEDULED)
    assert waiting.reviews.exists()


# --- follow-up checks -----------------------------------------------------------------

ANSWERS = {"in_class_full_time": True, "suspended_or_excluded": False}


@pytest.fixture
def completed(dee, rita, cora, sam):
    return completed_placement(approver=dee, referrer=rita, coordinator=cora, senco=sam)


def test_a_follow_up_is_recorded_once_from_its_due_date(completed, cora):
    check = completed.follow_ups.get(weeks_after=2)  # due Friday 6 November
    with at(D(2026, 11, 5)), pytest.raises(ValidationError) as refused:
        placements.record_follow_up(check, by=cora, result="sustained", **ANSWERS)
    assert refused.value.messages == ["This check is due on Fri 6 Nov 2026; record it from then."]
    with at(D(2026, 11, 6)):
        placements.record_follow_up(
            check, by=cora, result="sustained", note="In every lesson.", **ANSWERS
        )
    check.refresh_from_db()
    assert (check.result, check.recorded_by, check.note) == ("sustained", cora, "In every lesson.")
    with at(D(2026, 11, 9)), pytest.raises(ValidationError) as refused:
        placements.record_follow_up(check, by=cora, result="returned", **ANSWERS)
    assert refused.value.messages == [
        f"This check was already recorded on Fri 6 Nov 2026 by {cora}: sustained."
    ]
    event = Entry.objects.filter(links__student=completed.student, event_code="placement.follow_up")
    assert event.get().summary == (
        "Follow-up 2 school weeks after the placement: sustained; back in class full time; "
        "not suspended or excluded since"
    )


def test_a_follow_up_result_is_one_of_the_three_and_other_says_what(completed, cora):
    check = completed.follow_ups.first()
    with at(check.due_on):
        with pytest.raises(ValidationError) as refused:
            placements.record_follow_up(check, by=cora, result="great", **ANSWERS)
        assert "result" in refused.value.message_dict
        with pytest.raises(ValidationError) as refused:
            placements.record_follow_up(check, by=cora, result="other", **ANSWERS)
        assert refused.value.message_dict == {"note": ["Say what was found."]}
    assert FollowUp.objects.filter(recorded_at__isnull=False).count() == 0


def test_a_follow_up_asks_both_questions_and_keeps_the_answers(completed, cora):
    check = completed.follow_ups.first()
    with at(check.due_on):
        with pytest.raises(ValidationError) as refused:
            placements.record_follow_up(
                check,
                by=cora,
                result="sustained",
                in_class_full_time=None,
                suspended_or_excluded=None,
            )
        assert set(refused.value.message_dict) == {"in_class_full_time", "suspended_or_excluded"}
        assert not FollowUp.objects.filter(recorded_at__isnull=False).exists()
        placements.record_follow_up(
            check,
            by=cora,
            result="returned",
            in_class_full_time=False,
            suspended_or_excluded=True,
        )
    check.refresh_from_db()
    assert (check.in_class_full_time, check.suspended_or_excluded) == (False, True)
    assert check.answers == "back in class full time: no; suspended or excluded since: yes"


# --- the chronology -------------------------------------------------------------------


def test_every_step_is_in_the_transition_log_and_the_chronology(completed):
    moves = list(completed.transitions.values_list("from_state", "to_state"))
    assert moves == [("", P.SCHEDULED), (P.SCHEDULED, P.ACTIVE), (P.ACTIVE, P.COMPLETED)]
    assert all(t.by_id and t.at for t in PlacementTransition.objects.filter(placement=completed))
    assert codes(completed) == [
        "referral.approved",
        "placement.scheduled",
        "placement.active",
        *["placement.review_held"] * 3,
        "placement.review_signed_off",
        *["placement.review_held"] * 2,
        "placement.review_held",
        "placement.review_signed_off",
        "placement.completed",
    ]
