"""The placement pages as the room team uses them: the placement page, its forms and the
refusals they show, the coordinator's Placements board, the SENCO's Reviews page, the
placement panel on a student's file, the links and home pages, and query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from enigma import registry
from enigma.capabilities import Capability, roles_with
from enigma.models import AuditEvent, SchoolSettings, Term
from enigma.roles import ALL_ROLES, Role
from referrals.models import FollowUp, Placement, Referral
from referrals.services import placements
from tests.db import PAGE_QUERY_BUDGET, queries
from tests.factories import LinkFactory, StudentFactory
from tests.referrals_helpers import (
    D,
    at,
    completed_placement,
    hold,
    make_placement,
)

pytestmark = pytest.mark.django_db
P = Placement.State
TODAY = D(2026, 9, 30)  # a Wednesday in week 4 of a placement that started 7 September


def url(name, **kwargs) -> str:
    return reverse(f"referrals:{name}", kwargs=kwargs)


def detail(placement) -> str:
    return url("placement_detail", placement_pk=placement.pk)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def placement(dee, rita):
    return make_placement(approver=dee, referrer=rita, started=True)


# --- the placement page ---------------------------------------------------------------


def test_the_placement_page_shows_dates_targets_reviews_measures_and_timeline(
    placement, cora, sam, client_for
):
    for review in placement.reviews.order_by("number")[:3]:
        hold(review, cora)
    with at(D(2026, 9, 7)):
        placements.record_measures(placement, by=cora, stage="entry", wellbeing=3)
    with at(TODAY):
        response = client_for(cora).get(detail(placement))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Week 4 of 6" in html
    assert "Mon 7 Sep 2026" in html and "Fri 16 Oct 2026" in html
    assert "a placement lasts at most 6 school weeks" in html
    assert "Attend maths and English lessons" in html and "Some progress" in html
    assert "Awaiting sign-off" in html and "Mid-point review 3" in html
    assert "Overdue" not in html
    page = response.context["page"]
    assert page.entry.wellbeing == 3 and page.exit is None
    assert [len(row.cells) for row in page.targets] == [3, 3]
    assert "Scheduled → active" in html
    assert url("review_hold", review_pk=placement.reviews.get(number=4).pk) in html
    assert url("placement_complete", placement_pk=placement.pk) in html
    # Reading a placement is in the audit log.
    assert AuditEvent.objects.filter(
        action="referrals.placement_viewed", student=placement.student
    ).exists()
    assert "isolation" not in html.lower()


def test_an_overdue_review_is_flagged_on_the_placement_page(placement, cora, client_for):
    with at(TODAY):
        html = client_for(cora).get(detail(placement)).content.decode()
    assert "tag--overdue" in html


def test_readers_who_do_not_change_placements_see_no_actions(placement, dina, client_for):
    with at(TODAY):
        response = client_for(dina).get(detail(placement))
    html = response.content.decode()
    assert response.status_code == 200
    assert url("placement_complete", placement_pk=placement.pk) not in html
    assert url("placement_end_early", placement_pk=placement.pk) not in html


def test_the_page_says_why_the_exit_was_brought_forward(placement, dee, cora, client_for):
    with at(D(2026, 9, 15)):
        placements.bring_exit_forward(
            placement, by=dee, new_exit=D(2026, 10, 2), reason="Settled back quickly."
        )
    with at(TODAY):
        html = client_for(cora).get(detail(placement)).content.decode()
    assert "The exit was brought forward from the limit: Settled back quickly." in html
    assert "Exit date changed" in html


def test_a_placement_cut_short_by_the_summer_says_so(dee, rita, cora, client_for):
    Term.objects.create(
        name="Summer 2027",
        starts_on=D(2027, 4, 12),
        ends_on=D(2027, 7, 21),
        half_term_starts_on=D(2027, 5, 31),
        half_term_ends_on=D(2027, 6, 4),
    )
    summer = make_placement(approver=dee, referrer=rita, start=D(2027, 7, 5))
    assert summer.shortened_by_summer and summer.latest_exit == D(2027, 7, 21)
    with at(D(2027, 7, 5)):
        client = client_for(cora)
        html = client.get(detail(summer)).content.decode()
        assert "the last school day before the summer holiday" in html
        response = client.post(
            url("placement_exit_forward", placement_pk=summer.pk),
            {"new_exit": "2027-07-23", "reason": "More time"},
        )
    assert response.status_code == 200
    assert response.context["form"].errors["new_exit"] == [
        "The exit can never be after Wed 21 Jul 2027, the last school day before the summer "
        "holiday: a placement never runs across the summer."
    ]


# --- actions and their refusals -------------------------------------------------------


def test_starting_before_the_start_date_is_refused_with_the_reason(dee, rita, cora, client_for):
    scheduled = make_placement(approver=dee, referrer=rita)
    with at(D(2026, 9, 4)):
        client = client_for(cora)
        html = client.get(detail(scheduled)).content.decode()
        assert "It starts on Mon 7 Sep 2026." in html
        response = client.post(url("placement_start", placement_pk=scheduled.pk), follow=True)
    assert messages_of(response) == ["It starts on Mon 7 Sep 2026, not before."]
    scheduled.refresh_from_db()
    assert scheduled.state == P.SCHEDULED
    with at(D(2026, 9, 7)):
        client = client_for(cora)
        assert "Start the placement" in client.get(detail(scheduled)).content.decode()
        response = client.post(url("placement_start", placement_pk=scheduled.pk))
    assert response.status_code == 302
    scheduled.refresh_from_db()
    assert scheduled.state == P.ACTIVE


def test_moving_the_exit_past_the_limit_names_the_limit_and_why(placement, cora, client_for):
    with at(TODAY):
        response = client_for(cora).post(
            url("placement_exit_forward", placement_pk=placement.pk),
            {"new_exit": "2026-10-23", "reason": "Needs longer"},
        )
    assert response.status_code == 200
    assert response.context["form"].errors["new_exit"] == [
        "The exit can never be after Fri 16 Oct 2026: a placement lasts at most 6 school weeks."
    ]
    assert "Needs longer" in response.content.decode()  # what was typed stays
    placement.refresh_from_db()
    assert placement.planned_exit == D(2026, 10, 16)


def test_bringing_the_exit_forward_through_the_form(placement, dee, client_for):
    with at(TODAY):
        response = client_for(dee).post(
            url("placement_exit_forward", placement_pk=placement.pk),
            {"new_exit": "2026-10-09", "reason": "Ready sooner"},
            follow=True,
        )
    assert response.redirect_chain[-1][0] == detail(placement)
    placement.refresh_from_db()
    assert placement.planned_exit == D(2026, 10, 9)
    assert placement.reviews.get(kind="exit").due_on == D(2026, 10, 9)


def test_ending_early_without_a_reason_is_refused_next_to_the_field(placement, cora, client_for):
    with at(TODAY):
        response = client_for(cora).post(
            url("placement_end_early", placement_pk=placement.pk), {"note": "Left suddenly"}
        )
    assert response.status_code == 200
    assert response.context["form"].errors["end_reason"] == ["Choose why the placement ends early."]
    assert "Left suddenly" in response.content.decode()
    with at(TODAY):
        response = client_for(cora).post(
            url("placement_end_early", placement_pk=placement.pk), {"end_reason": "other"}
        )
    assert response.context["form"].errors["note"] == ["Say what happened."]
    with at(TODAY):
        response = client_for(cora).post(
            url("placement_end_early", placement_pk=placement.pk),
            {"end_reason": "left_school", "note": "Moved away."},
        )
    assert response.status_code == 302
    placement.refresh_from_db()
    assert placement.state == P.ENDED_EARLY


def review_post(placement, **overrides) -> dict:
    data = {"engagement": "good", "next_step": "Back in science from Monday."}
    for t in placement.targets.filter(active=True):
        data[f"rating_{t.pk}"] = "some"
        data[f"wording_{t.pk}"] = t.description
    data.update(overrides)
    return data


def test_holding_a_review_through_the_form(placement, cora, sam, client_for):
    review = placement.reviews.get(number=1)
    maths = placement.targets.first()
    with at(D(2026, 9, 14)):
        client = client_for(cora)
        page = client.get(url("review_hold", review_pk=review.pk))
        assert page.status_code == 200 and "Eat lunch with a friend" in page.content.decode()
        missing = review_post(placement, next_step="")
        del missing[f"rating_{maths.pk}"]
        missing["student_view"] = "It helps to have a quiet start."
        response = client.post(url("review_hold", review_pk=review.pk), missing)
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert errors[f"rating_{maths.pk}"] == ["Rate progress on this target."]
        assert errors["next_step"] == ["Write the next reintegration step agreed at the review."]
        assert "It helps to have a quiet start." in response.content.decode()
        response = client.post(
            url("review_hold", review_pk=review.pk),
            review_post(
                placement,
                staff_present=[sam.pk],
                new_area_1="social",
                new_description_1="Join a lunchtime club",
            ),
        )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.held_by == cora and set(review.staff_present.all()) == {cora, sam}
    assert placement.targets.filter(description="Join a lunchtime club", active=True).exists()


def test_holding_a_review_too_early_says_from_when(placement, cora, client_for):
    review = placement.reviews.get(number=1)
    with at(D(2026, 9, 8)):
        client = client_for(cora)
        page = client.get(url("review_hold", review_pk=review.pk)).content.decode()
        assert "this one from Thu 10 Sep 2026" in page
        response = client.post(url("review_hold", review_pk=review.pk), review_post(placement))
    assert response.status_code == 200
    assert "so from Thu 10 Sep 2026, not before" in response.content.decode()


def test_a_held_review_sends_the_form_back_to_the_placement(placement, cora, client_for):
    review = placement.reviews.get(number=1)
    hold(review, cora)
    with at(TODAY):
        response = client_for(cora).get(url("review_hold", review_pk=review.pk), follow=True)
    assert messages_of(response) == ["This review was held on Mon 14 Sep 2026."]


def test_sign_off_is_for_the_senco_and_only_for_held_mid_point_and_exit_reviews(
    placement, cora, sam, dee, client_for
):
    weekly = placement.reviews.get(number=1)
    midpoint = placement.reviews.get(kind="midpoint")
    with at(TODAY):
        assert client_for(dee).get(url("review_sign_off", review_pk=midpoint.pk)).status_code == 403
        response = client_for(sam).get(url("review_sign_off", review_pk=midpoint.pk), follow=True)
    assert response.redirect_chain[-1][0] == detail(placement)
    assert messages_of(response) == [
        "The mid-point review has not been held yet (due Mon 28 Sep 2026). It can be signed "
        "off once the coordinator has held it."
    ]
    for review in placement.reviews.order_by("number")[:3]:
        hold(review, cora)
    with at(TODAY):
        client = client_for(sam)
        response = client.get(url("review_sign_off", review_pk=weekly.pk), follow=True)
        assert messages_of(response) == [
            "A weekly review does not need the SENCO's sign-off: only the mid-point and exit "
            "reviews do."
        ]
        page = client.get(url("review_sign_off", review_pk=midpoint.pk))
        assert page.status_code == 200 and "Back in maths from Monday." in page.content.decode()
        response = client.post(
            url("review_sign_off", review_pk=midpoint.pk), {"note": "Keep going."}
        )
    assert response.status_code == 302
    midpoint.refresh_from_db()
    assert midpoint.signed_off_by == sam and midpoint.sign_off_note == "Keep going."


def test_the_exit_flow_refuses_until_the_exit_review_is_signed_off(
    placement, cora, sam, client_for
):
    for review in placement.reviews.order_by("number"):
        hold(review, cora)
    exit_post = {
        "outcome": "full",
        "exit_summary": "Back in every lesson.",
        "exit_day": "2026-10-16",
    }
    with at(D(2026, 10, 16), 15):
        client = client_for(cora)
        page = client.get(url("placement_complete", placement_pk=placement.pk)).content.decode()
        assert "is waiting for the SENCO's sign-off" in page
        response = client.post(url("placement_complete", placement_pk=placement.pk), exit_post)
        assert response.status_code == 200
        assert "is waiting for the SENCO's sign-off" in " ".join(
            response.context["form"].non_field_errors()
        )
        assert "Back in every lesson." in response.content.decode()
        placements.sign_off(placement.reviews.get(kind="exit"), by=sam)
        response = client.post(url("placement_complete", placement_pk=placement.pk), exit_post)
    assert response.status_code == 302
    placement.refresh_from_db()
    assert placement.state == P.COMPLETED and placement.follow_ups.count() == 2


def test_measures_through_the_form(placement, cora, client_for):
    measures = url("placement_measures", placement_pk=placement.pk)
    with at(D(2026, 10, 16)):
        client = client_for(cora)
        response = client.post(measures + "?stage=exit", {"wellbeing": "12"})
        assert response.context["form"].errors["wellbeing"] == ["The self-rating is from 0 to 10."]
        response = client.post(measures + "?stage=exit", {"wellbeing": "7"})
        assert response.status_code == 302
        again = client.get(measures + "?stage=exit", follow=True)
        assert messages_of(again)[-1].startswith("Exit measures were taken on Fri 16 Oct 2026")
        assert client.get(measures + "?stage=halfway").status_code == 404
    assert placement.measures.get(stage="exit").wellbeing == 7


def test_a_follow_up_is_recorded_once_through_the_form(dee, rita, cora, sam, client_for):
    completed = completed_placement(approver=dee, referrer=rita, coordinator=cora, senco=sam)
    check = completed.follow_ups.get(weeks_after=2)
    with at(check.due_on):
        client = client_for(cora)
        response = client.post(
            url("follow_up_record", follow_up_pk=check.pk),
            {"result": "sustained", "in_class_full_time": "yes", "suspended_or_excluded": "no"},
        )
        assert response.status_code == 302
        response = client.get(url("follow_up_record", follow_up_pk=check.pk), follow=True)
    assert messages_of(response)[-1] == "This check was already recorded: sustained."


def test_a_follow_up_without_its_answers_says_which_and_keeps_what_was_chosen(
    dee, rita, cora, sam, client_for
):
    completed = completed_placement(approver=dee, referrer=rita, coordinator=cora, senco=sam)
    check = completed.follow_ups.get(weeks_after=2)
    forename = completed.student.forename
    with at(check.due_on):
        client = client_for(cora)
        response = client.post(
            url("follow_up_record", follow_up_pk=check.pk),
            {"result": "returned", "suspended_or_excluded": "yes"},
        )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "in_class_full_time": [f"Select yes if {forename} is back in class full time."]
    }
    html = response.content.decode()
    assert 'id="id_in_class_full_time_error"' in html
    assert 'value="yes" id="id_suspended_or_excluded_0" required checked' in html
    check.refresh_from_db()
    assert check.recorded_at is None
    with at(check.due_on):
        client.post(
            url("follow_up_record", follow_up_pk=check.pk),
            {"result": "returned", "in_class_full_time": "no", "suspended_or_excluded": "yes"},
        )
        page = client.get(url("placement_detail", placement_pk=completed.pk)).content.decode()
    assert "Back in class full time: no; suspended or excluded since: yes." in page
    assert "Referred to the room again since the exit: no" in page


# --- the boards -----------------------------------------------------------------------


def grow(n, *, dee, rita, cora, sam):
    """n of everything the boards list: active placements (half with reviews held up to
    the mid-point, awaiting sign-off; half with a review overdue), scheduled ones, waiting
    ones and follow-up checks due."""
    SchoolSettings.load()
    SchoolSettings.objects.update(capacity=40)
    for i in range(n):
        active = make_placement(approver=dee, referrer=rita, started=True)
        if i % 2 == 0:
            for review in active.reviews.order_by("number")[:3]:
                hold(review, cora)
        make_placement(approver=dee, referrer=rita, start=D(2026, 10, 19))
        referral = Referral.objects.create(
            student=StudentFactory(), referrer=rita, status=Referral.Status.APPROVED
        )
        waiting = Placement.objects.create(
            referral=referral,
            student=referral.student,
            state=P.WAITING,
            priority=1 + i % 5,
            approved_by=dee,
            requested_start=D(2026, 10, 5),
        )
        FollowUp.objects.create(placement=waiting, weeks_after=2, due_on=TODAY)


def test_the_placements_board(dee, rita, cora, sam, client_for):
    grow(2, dee=dee, rita=rita, cora=cora, sam=sam)
    with at(TODAY):
        response = client_for(cora).get(url("placements_board"))
    assert response.status_code == 200
    board = response.context["board"]
    assert len(board.active) == 2 and {str(r.week) for r in board.active} == {"week 4 of 6"}
    assert sorted(r.review_overdue for r in board.active) == [False, True]
    assert len(board.scheduled) == 2 and len(board.waiting) == 2
    assert [p.priority for p in board.waiting] == sorted(p.priority for p in board.waiting)
    assert board.exits_this_week == [] and len(board.follow_ups_due) == 2
    html = response.content.decode()
    assert "Week 4 of 6" in html and "tag--overdue" in html
    with at(D(2026, 10, 14)):
        board = client_for(cora).get(url("placements_board")).context["board"]
    assert len(board.exits_this_week) == 2


def test_the_reviews_page(dee, rita, cora, sam, client_for):
    grow(2, dee=dee, rita=rita, cora=cora, sam=sam)
    with at(TODAY):
        response = client_for(sam).get(url("reviews_board"))
    board = response.context["board"]
    assert board.due_by == D(2026, 10, 7)
    assert [(r.number, r.due_on) for r in board.due] == [(4, D(2026, 10, 5))] * 2
    assert [r.number for r in board.overdue] == [1, 2, 3]
    assert [(r.kind, r.held_by) for r in board.awaiting_sign_off] == [("midpoint", cora)]
    html = response.content.decode()
    assert "Read and sign off" in html and "Overdue" in html


@pytest.mark.parametrize("name,persona", [("placements_board", "cora"), ("reviews_board", "sam")])
def test_board_queries_do_not_grow_with_the_data(name, persona, personas, client_for):
    people = {k: personas[k] for k in ("dee", "rita", "cora", "sam")}
    grow(1, **people)
    with at(TODAY):
        client = client_for(personas[persona])
        small = queries(client, url(name))
    assert small <= PAGE_QUERY_BUDGET
    grow(9, **people)
    with at(TODAY):
        client = client_for(personas[persona])
        big = queries(client, url(name))
    assert big == small


def test_placement_page_queries_do_not_grow_with_reviews(dee, rita, cora, client_for):
    fresh = make_placement(approver=dee, referrer=rita, started=True)
    busy = make_placement(approver=dee, referrer=rita, started=True)
    for review in busy.reviews.order_by("number")[:5]:
        hold(review, cora)
    with at(D(2026, 10, 13)):
        client = client_for(cora)
        assert queries(client, detail(fresh)) == queries(client, detail(busy))


# --- the panel on the student's file -------------------------------------------------


def test_the_room_team_sees_the_live_placement_and_earlier_ones(
    dee, rita, cora, sam, tom, client_for
):
    student = StudentFactory()
    earlier = completed_placement(
        approver=dee, referrer=rita, coordinator=cora, senco=sam, student=student
    )
    live = make_placement(
        approver=dee, referrer=rita, student=student, start=D(2026, 11, 2), started=True
    )
    assert live.previous == earlier
    panel = url("student_placements", pk=student.pk)
    with at(D(2026, 11, 11)):
        html = client_for(cora).get(panel).content.decode()
    assert detail(live) in html and detail(earlier) in html
    assert "week 2 of 6" in html and "Next review" in html and "tag--overdue" in html
    assert "fully back in lessons" in html
    LinkFactory(student=student, staff=tom)
    with at(D(2026, 11, 11)):
        html = client_for(tom).get(panel).content.decode()
    assert "Active" in html and "Mon 2 Nov 2026" in html
    assert detail(live) not in html and "fully back in lessons" not in html
    assert "Next review" not in html


def test_a_class_teacher_not_linked_to_the_student_gets_404(placement, tom, nora, client_for):
    panel = url("student_placements", pk=placement.student.pk)
    assert client_for(tom).get(panel).status_code == 404
    assert client_for(nora).get(panel).status_code == 403


def test_a_student_with_no_placements(cora, client_for):
    student = StudentFactory()
    html = client_for(cora).get(url("student_placements", pk=student.pk)).content.decode()
    assert "No placements." in html


# --- links and home pages -------------------------------------------------------------


def test_links_home_pages_and_the_panel_are_registered():
    contributed = registry.collected()
    links = {link.url_name: roles_with(link.capability) for link in contributed.nav_links}
    assert links["referrals:placements_board"] == {
        Role.COORDINATOR,
        Role.DEPUTY_HEAD,
        Role.SENCO,
        Role.DSL,
    }
    assert links["referrals:reviews_board"] == {Role.SENCO}
    homes = [(h.capability, h.url_name) for h in contributed.home_pages]
    assert (Capability.RUN_ROOM, "referrals:placements_board") in homes
    assert (Capability.SIGN_OFF_REVIEW, "referrals:reviews_board") in homes
    assert roles_with(Capability.RUN_ROOM) == {Role.COORDINATOR}
    assert roles_with(Capability.SIGN_OFF_REVIEW) == {Role.SENCO}
    panels = {p.url_name: roles_with(p.capability) for p in contributed.student_panels}
    assert panels["referrals:student_placements"] == ALL_ROLES


def test_a_target_left_without_wording_must_be_dropped(placement, cora, client_for):
    review = placement.reviews.get(number=1)
    lunch = placement.targets.get(description="Eat lunch with a friend")
    with at(D(2026, 9, 14)):
        client = client_for(cora)
        response = client.post(
            url("review_hold", review_pk=review.pk),
            review_post(placement, **{f"wording_{lunch.pk}": " "}),
        )
        assert response.context["form"].errors[f"wording_{lunch.pk}"] == [
            "A target needs its wording, or tick to drop it."
        ]
        response = client.post(
            url("review_hold", review_pk=review.pk),
            review_post(placement, **{f"wording_{lunch.pk}": "", f"drop_{lunch.pk}": "on"}),
        )
    assert response.status_code == 302
    lunch.refresh_from_db()
    assert not lunch.active and lunch.description == "Eat lunch with a friend"


def test_the_panel_queries_do_not_grow_with_earlier_placements(dee, rita, cora, client_for):
    student = StudentFactory()
    make_placement(approver=dee, referrer=rita, student=student, start=D(2026, 11, 2))

    def earlier(n):
        for _ in range(n):
            referral = Referral.objects.create(
                student=student, referrer=rita, status=Referral.Status.APPROVED
            )
            Placement.objects.create(
                referral=referral,
                student=student,
                state=P.COMPLETED,
                approved_by=dee,
                requested_start=D(2026, 9, 7),
                start_date=D(2026, 9, 7),
                planned_exit=D(2026, 10, 16),
                latest_exit=D(2026, 10, 16),
                actual_exit=D(2026, 10, 16),
                outcome=Placement.Outcome.FULL,
            )

    panel = url("student_placements", pk=student.pk)
    earlier(1)
    with at(D(2026, 11, 11)):
        small = queries(client_for(cora), panel)
    earlier(9)
    with at(D(2026, 11, 11)):
        big = queries(client_for(cora), panel)
    assert big == small
