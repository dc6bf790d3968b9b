"""The referrer's side of a referral, as services: start, save as you go, submit, answer
a request for more information, withdraw. Pages are in test_referral_form.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from enigma.models import StudentStaffLink
from enigma.roles import Role
from records.models import Entry
from referrals.models import Placement, PriorSupport, Referral, ReferralTransition
from referrals.selectors.referral import academic_year, earlier_placements_this_year
from referrals.services.referral import (
    SupportRow,
    TargetRow,
    missing_for_a_decision,
    resubmit_referral,
    save_draft,
    start_referral,
    submit_referral,
    withdraw_referral,
)
from referrals.services.transitions import move_referral
from tests.db import refused
from tests.factories import LinkFactory, StudentFactory, UserFactory

pytestmark = pytest.mark.django_db

R = Referral.Status


def today() -> dt.date:
    return timezone.localdate()


def linked_student(*staff, **kwargs):
    student = StudentFactory(**kwargs)
    for person in staff:
        LinkFactory(student=student, staff=person, relationship="class_teacher")
    return student


COMPLETE_ANSWERS = {
    "reasons": "Leaves lessons most days; says the work is too hard.",
    "concerns": "Eating alone at lunch.",
    "purpose": "inclusion_support",
    "need_areas": ["semh", "cognition"],
    "attendance_percent": "87.5",
    "attendance_note": "Late on Mondays.",
    "parents_consulted": True,
    "parent_view": "Mum thinks a fresh start would help.",
    "consent_given": True,
    "consent_date": None,  # filled in by complete()
    "consent_given_by": "Mrs Khan, mother",
    "consent_method": "phone",
    "student_view": "I want to go back to maths but I get lost.",
    "proposed_start": None,
}
SUPPORT = [
    SupportRow(
        team="send", what="Literacy group", since=dt.date(2026, 1, 5), outcome="Some progress."
    ),
    SupportRow(team="pastoral", what="Weekly mentoring", outcome="Still leaving lessons."),
]
TARGETS = [
    TargetRow(area="learning", description="Stays in a whole maths lesson twice a week."),
    TargetRow(area="social", description="Eats lunch with a friend."),
]


def complete(referral, by, **overrides):
    answers = COMPLETE_ANSWERS | {
        "consent_date": today() - dt.timedelta(days=2),
        "proposed_start": today() + dt.timedelta(days=7),
    }
    return save_draft(
        referral=referral,
        by=by,
        answers=answers | overrides,
        support=SUPPORT,
        targets=TARGETS,
    )


def submitted_referral(referrer, student=None) -> Referral:
    student = student or linked_student(referrer)
    referral = start_referral(student=student, referrer=referrer)
    complete(referral, referrer)
    return submit_referral(referral=referral, by=referrer)


def ask_for_more(referral, by, text="Which lessons does she leave?") -> Referral:
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        locked.info_request = text
        move_referral(locked, R.INFO_REQUESTED, by=by, reason=text, changed=("info_request",))
    return locked


def approved_with_placement(student, referrer, by, *, state="waiting", start=None) -> Placement:
    referral = Referral.objects.create(student=student, referrer=referrer, status=R.APPROVED)
    dates = {}
    if start is not None:
        dates = {
            "start_date": start,
            "planned_exit": start + dt.timedelta(days=41),
            "latest_exit": start + dt.timedelta(days=41),
        }
    return Placement.objects.create(
        referral=referral,
        student=student,
        state=state,
        approved_by=by,
        requested_start=start or today(),
        **dates,
    )


def events(student, code=None):
    qs = Entry.objects.filter(students=student, kind=Entry.Kind.EVENT)
    return qs.filter(event_code=code) if code else qs


# --- starting ------------------------------------------------------------------------------


def test_it_starts_a_draft_logged_but_not_in_the_chronology(rita):
    student = linked_student(rita)
    referral = start_referral(student=student, referrer=rita)
    assert referral.status == R.DRAFT
    assert referral.referrer == rita
    (move,) = referral.transitions.all()
    assert (move.from_status, move.to_status, move.by) == ("", R.DRAFT, rita)
    assert not events(student).exists()


def test_the_referrer_keeps_seeing_the_student_they_referred(rita):
    student = linked_student(rita)
    start_referral(student=student, referrer=rita)
    assert StudentStaffLink.objects.filter(
        student=student, staff=rita, relationship="referrer"
    ).exists()


def test_a_student_with_an_open_referral_cannot_be_referred_again(rita, sam):
    student = linked_student(rita)
    start_referral(student=student, referrer=rita)
    with pytest.raises(ValidationError) as refused:
        start_referral(student=student, referrer=sam)
    message = refused.value.messages[0]
    assert "already has an open referral (draft)" in message
    assert str(rita) in message
    assert Referral.objects.filter(student=student).count() == 1


def test_a_submitted_referral_is_named_as_waiting_for_a_decision(rita, sam):
    referral = submitted_referral(rita)
    with pytest.raises(ValidationError, match="waiting for a decision"):
        start_referral(student=referral.student, referrer=sam)


def test_a_student_with_a_live_placement_cannot_be_referred(rita, dee):
    student = linked_student(rita)
    approved_with_placement(student, rita, dee, state="waiting")
    with pytest.raises(ValidationError, match=r"already has a placement in the .*waiting"):
        start_referral(student=student, referrer=rita)


def test_a_student_whose_placement_ended_can_be_referred_again(rita, dee):
    student = linked_student(rita)
    placement = approved_with_placement(student, rita, dee, state="scheduled", start=today())
    Placement.objects.filter(pk=placement.pk).update(state="ended_early", end_reason="other")
    assert start_referral(student=student, referrer=rita).status == R.DRAFT


def test_a_withdrawn_referral_does_not_block_a_new_one(rita):
    student = linked_student(rita)
    first = start_referral(student=student, referrer=rita)
    withdraw_referral(referral=first, by=rita)
    assert start_referral(student=student, referrer=rita).pk != first.pk


def test_two_people_starting_at_once_meet_the_database_constraint(rita, sam, monkeypatch):
    student = linked_student(rita)
    start_referral(student=student, referrer=rita)
    # As if the check in Python had run before the first referral was committed.
    monkeypatch.setattr("referrals.services.referral.why_not_referable", lambda student: "")
    with pytest.raises(ValidationError, match="already has an open referral"):
        start_referral(student=student, referrer=sam)
    assert Referral.objects.filter(student=student).count() == 1
    assert not StudentStaffLink.objects.filter(student=student, staff=sam).exists()


def test_the_database_refuses_a_second_open_referral_however_it_is_written(rita, sam):
    student = linked_student(rita)
    start_referral(student=student, referrer=rita)
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(student=student, referrer=sam, status=R.SUBMITTED)


def test_a_referrer_cannot_refer_a_student_they_cannot_see(rita):
    with pytest.raises(ValidationError, match="only refer a student you teach or support"):
        start_referral(student=StudentFactory(), referrer=rita)
    assert not Referral.objects.exists()


def test_the_room_team_can_refer_any_student(sam):
    assert start_referral(student=StudentFactory(), referrer=sam).status == R.DRAFT


def test_a_class_teacher_cannot_refer(tom):
    with pytest.raises(ValidationError, match="Only referrers"):
        start_referral(student=linked_student(tom), referrer=tom)


def test_a_student_off_roll_cannot_be_referred(sam):
    student = StudentFactory(on_roll=False, left_on=today())
    with pytest.raises(ValidationError, match="no longer on roll"):
        start_referral(student=student, referrer=sam)


# --- saving as you go ----------------------------------------------------------------------


def test_a_draft_keeps_partial_answers_without_checks(rita):
    referral = start_referral(student=linked_student(rita), referrer=rita)
    save_draft(referral=referral, by=rita, answers={"reasons": "Half a thought"})
    save_draft(referral=referral, by=rita, answers={"attendance_percent": "91.0"})
    referral.refresh_from_db()
    assert referral.reasons == "Half a thought"
    assert str(referral.attendance_percent) == "91.0"
    assert referral.status == R.DRAFT
    assert referral.submitted_at is None
    assert not events(referral.student).exists()


def test_saving_replaces_the_lists_and_leaves_out_blank_rows(rita):
    referral = start_referral(student=linked_student(rita), referrer=rita)
    save_draft(referral=referral, by=rita, support=[*SUPPORT, SupportRow()])
    save_draft(referral=referral, by=rita, targets=[*TARGETS, TargetRow(area="personal")])
    assert [s.what for s in referral.prior_support.order_by("id")] == [
        "Literacy group",
        "Weekly mentoring",
    ]
    assert referral.proposed_targets.count() == 2
    save_draft(referral=referral, by=rita, support=[SupportRow(what="Only this")])
    assert [s.what for s in PriorSupport.objects.filter(referral=referral)] == ["Only this"]


def test_a_list_not_given_is_left_as_it_was(rita):
    referral = start_referral(student=linked_student(rita), referrer=rita)
    save_draft(referral=referral, by=rita, support=SUPPORT)
    save_draft(referral=referral, by=rita, answers={"reasons": "More"}, support=None)
    assert referral.prior_support.count() == 2


def test_attendance_is_a_percentage(rita):
    referral = start_referral(student=linked_student(rita), referrer=rita)
    with pytest.raises(ValidationError) as refused:
        save_draft(referral=referral, by=rita, answers={"attendance_percent": "120"})
    assert "attendance_percent" in refused.value.error_dict


def test_only_the_referrer_saves_the_draft(rita, sam):
    referral = start_referral(student=linked_student(rita), referrer=rita)
    with pytest.raises(ValidationError, match="Only the person who made"):
        save_draft(referral=referral, by=sam, answers={"reasons": "Not mine to write"})
    referral.refresh_from_db()
    assert referral.reasons == ""


def test_a_submitted_referral_can_no_longer_be_changed(rita):
    referral = submitted_referral(rita)
    with pytest.raises(ValidationError, match="waiting for a decision"):
        save_draft(referral=referral, by=rita, answers={"reasons": "Changed my mind"})


def test_an_unknown_answer_is_a_programming_error(rita):
    referral = start_referral(student=linked_student(rita), referrer=rita)
    with pytest.raises(ValueError):
        save_draft(referral=referral, by=rita, answers={"status": "approved"})


# --- submitting ----------------------------------------------------------------------------


def test_a_complete_referral_goes_for_a_decision(rita):
    student = linked_student(rita)
    referral = start_referral(student=student, referrer=rita)
    complete(referral, rita)
    referral = submit_referral(referral=referral, by=rita)
    referral.refresh_from_db()
    assert referral.status == R.SUBMITTED
    assert referral.submitted_at is not None
    moves = list(referral.transitions.values_list("from_status", "to_status", "by"))
    assert moves == [("", R.DRAFT, rita.pk), (R.DRAFT, R.SUBMITTED, rita.pk)]
    (event,) = events(student)
    assert event.event_code == "referral.submitted"
    assert event.author == rita


def test_an_empty_draft_is_told_everything_it_needs(rita):
    referral = start_referral(student=linked_student(rita), referrer=rita)
    with pytest.raises(ValidationError) as refused:
        submit_referral(referral=referral, by=rita)
    errors = refused.value.message_dict
    assert set(errors) == {
        "reasons",
        "purpose",
        "need_areas",
        "prior_support",
        "parents_consulted",
        "consent_given",
        "student_view",
        "proposed_targets",
        "proposed_start",
    }
    assert "still struggling despite that support" in errors["prior_support"][0]
    referral.refresh_from_db()
    assert referral.status == R.DRAFT
    assert not events(referral.student).exists()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"reasons": "  "}, "reasons"),
        ({"parents_consulted": None}, "parents_consulted"),
        ({"parent_view": ""}, "parent_view"),
        ({"consent_given": None}, "consent_given"),
        ({"consent_date": None}, "consent_date"),
        ({"consent_given_by": ""}, "consent_given_by"),
        ({"consent_method": ""}, "consent_method"),
        ({"student_view": ""}, "student_view"),
        ({"proposed_start": None}, "proposed_start"),
    ],
)
def test_each_missing_answer_is_named_by_its_field(rita, overrides, field):
    referral = start_referral(student=linked_student(rita), referrer=rita)
    complete(referral, rita, **overrides)
    with pytest.raises(ValidationError) as refused:
        submit_referral(referral=referral, by=rita)
    assert set(refused.value.message_dict) == {field}


def test_parents_not_consulted_need_no_view_and_no_consent_details(rita):
    referral = start_referral(student=linked_student(rita), referrer=rita)
    complete(
        referral,
        rita,
        parents_consulted=False,
        parent_view="",
        consent_given=False,
        consent_date=None,
        consent_given_by="",
        consent_method="",
    )
    assert submit_referral(referral=referral, by=rita).status == R.SUBMITTED


def test_consent_given_without_consulting_parents_is_questioned(rita):
    referral = start_referral(student=linked_student(rita), referrer=rita)
    referral = complete(referral, rita, parents_consulted=False)
    assert set(missing_for_a_decision(referral)) == {"consent_given"}


def test_a_proposed_start_in_the_past_is_refused(rita):
    referral = start_referral(student=linked_student(rita), referrer=rita)
    complete(referral, rita, proposed_start=today() - dt.timedelta(days=1))
    with pytest.raises(ValidationError) as refused:
        submit_referral(referral=referral, by=rita)
    assert "in the past" in refused.value.message_dict["proposed_start"][0]


def test_a_consent_date_in_the_future_is_refused(rita):
    referral = start_referral(student=linked_student(rita), referrer=rita)
    referral = complete(referral, rita, consent_date=today() + dt.timedelta(days=1))
    assert set(missing_for_a_decision(referral)) == {"consent_date"}


def test_support_needs_what_was_done_and_what_came_of_it(rita):
    referral = start_referral(student=linked_student(rita), referrer=rita)
    referral = complete(referral, rita)
    save_draft(
        referral=referral,
        by=rita,
        support=[SupportRow(team="send", what="Reading group"), SupportRow(outcome="It helped")],
    )
    errors = missing_for_a_decision(referral)
    assert "prior_support" in errors  # no row has both
    assert "prior_support.0.outcome" in errors
    assert "prior_support.1.what" in errors
    assert "prior_support.1.team" in errors


def test_targets_need_an_area(rita):
    referral = start_referral(student=linked_student(rita), referrer=rita)
    referral = complete(referral, rita)
    save_draft(referral=referral, by=rita, targets=[TargetRow(description="Be on time")])
    assert set(missing_for_a_decision(referral)) == {"proposed_targets.0.area"}


def test_only_the_referrer_submits(rita, sam):
    referral = start_referral(student=linked_student(rita), referrer=rita)
    complete(referral, rita)
    with pytest.raises(ValidationError, match="Only the person who made"):
        submit_referral(referral=referral, by=sam)


# --- more information ----------------------------------------------------------------------


def test_a_referral_comes_back_for_more_information_and_goes_again(rita, dee):
    referral = submitted_referral(rita)
    first_sent = referral.submitted_at
    referral = ask_for_more(referral, dee)
    save_draft(
        referral=referral,
        by=rita,
        answers={"concerns": "She leaves maths and science, mostly after break."},
    )
    referral = resubmit_referral(referral=referral, by=rita)
    referral.refresh_from_db()
    assert referral.status == R.SUBMITTED
    assert referral.submitted_at == first_sent  # keeps its place in the queue
    assert referral.concerns.startswith("She leaves maths")
    last = referral.transitions.last()
    assert (last.from_status, last.to_status, last.by) == (R.INFO_REQUESTED, R.SUBMITTED, rita)
    said = list(events(referral.student).order_by("pk").values_list("event_code", "summary"))
    assert [code for code, _ in said] == [
        "referral.submitted",
        "referral.info_requested",
        "referral.submitted",
    ]
    assert said[-1][1].endswith("sent back with the information asked for")


def test_resubmitting_checks_the_same_things(rita, dee):
    referral = ask_for_more(submitted_referral(rita), dee)
    save_draft(referral=referral, by=rita, answers={"student_view": ""})
    with pytest.raises(ValidationError) as refused:
        resubmit_referral(referral=referral, by=rita)
    assert set(refused.value.message_dict) == {"student_view"}


def test_only_a_referral_asked_for_more_is_resubmitted(rita):
    referral = start_referral(student=linked_student(rita), referrer=rita)
    complete(referral, rita)
    with pytest.raises(ValidationError, match="cannot be sent"):
        resubmit_referral(referral=referral, by=rita)


# --- withdrawing ---------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["draft", "submitted", "info_requested"])
def test_the_referrer_withdraws_an_open_referral_saying_why(rita, dee, stage):
    if stage == "draft":
        referral = start_referral(student=linked_student(rita), referrer=rita)
    else:
        referral = submitted_referral(rita)
        if stage == "info_requested":
            referral = ask_for_more(referral, dee)
    withdraw_referral(referral=referral, by=rita, reason="Moved to another school.\r\n")
    referral.refresh_from_db()
    assert referral.status == R.WITHDRAWN
    last = referral.transitions.last()
    assert (last.to_status, last.by, last.reason) == (R.WITHDRAWN, rita, "Moved to another school.")
    assert last.at is not None
    # A draft never reached anyone, so its withdrawal leaves no line in the file.
    expected = 0 if stage == "draft" else 1
    assert events(referral.student, "referral.withdrawn").count() == expected


def test_a_withdrawn_draft_leaves_no_line_in_the_chronology(rita):
    referral = start_referral(student=linked_student(rita), referrer=rita)
    withdraw_referral(referral=referral, by=rita)
    assert not events(referral.student).exists()
    assert referral.transitions.last().to_status == R.WITHDRAWN


def test_the_room_team_may_withdraw_but_not_another_referrer(rita, cora):
    referral = submitted_referral(rita)
    other = UserFactory(roles=[Role.REFERRER])
    with pytest.raises(ValidationError):
        withdraw_referral(referral=referral, by=other)
    withdraw_referral(referral=referral, by=cora, reason="Duplicate")
    assert referral.transitions.last().by == cora


def test_a_decided_referral_cannot_be_withdrawn(rita, dee):
    student = linked_student(rita)
    referral = Referral.objects.create(
        student=student, referrer=rita, status=R.DECLINED, decision_reason="Not now"
    )
    with pytest.raises(ValidationError, match="declined, so it cannot be withdrawn"):
        withdraw_referral(referral=referral, by=rita)


def test_transitions_are_append_only(rita):
    referral = start_referral(student=linked_student(rita), referrer=rita)
    move = referral.transitions.get()
    assert refused("DELETE FROM referrals_referraltransition WHERE id = %s", [move.pk])
    assert ReferralTransition.objects.filter(pk=move.pk).exists()


# --- earlier placements --------------------------------------------------------------------


def test_the_academic_year_runs_september_to_august():
    assert academic_year(dt.date(2026, 8, 31)) == (dt.date(2025, 9, 1), dt.date(2026, 8, 31))
    assert academic_year(dt.date(2026, 9, 1)) == (dt.date(2026, 9, 1), dt.date(2027, 8, 31))


def test_earlier_placements_are_those_started_in_the_same_academic_year(rita, dee):
    student = linked_student(rita)
    last_year = approved_with_placement(
        student, rita, dee, state="scheduled", start=dt.date(2025, 6, 2)
    )
    Placement.objects.filter(pk=last_year.pk).update(state="completed")
    this_year = approved_with_placement(
        student, rita, dee, state="scheduled", start=dt.date(2025, 9, 15)
    )
    Placement.objects.filter(pk=this_year.pk).update(state="completed")
    approved_with_placement(
        StudentFactory(), rita, dee, state="scheduled", start=dt.date(2025, 10, 1)
    )
    found = earlier_placements_this_year(student, on=dt.date(2026, 3, 2))
    assert list(found) == [this_year]
    assert list(earlier_placements_this_year(student, on=dt.date(2025, 7, 1))) == [last_year]
