"""The purpose of a placement and its areas of need: chosen on the referral (needed to
submit, not to save a draft), renamed by the school but never added to, and the rules a
purpose brings, checked when the deputy head approves and shown where the placement is.

The calendar is Autumn 2026 and "today" is Mon 7 Sep 2026, so a placement from Mon 14
Sep exits Fri 23 Oct.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from enigma.models import AuditEvent, SchoolSettings
from referrals.audit_actions import PURPOSES_RENAMED
from referrals.models import Placement, PriorSupport, ProposedTarget, PurposeName, Referral
from referrals.purposes import purpose_label, purpose_labels, purpose_problems
from referrals.services import decisions
from referrals.services.decisions import PurposeRules
from referrals.services.purposes import rename_purposes
from referrals.services.referral import save_draft, start_referral, submit_referral
from tests.factories import LinkFactory, StudentFactory, TermFactory
from tests.test_referral_form import form_data, full_answers
from tests.test_referral_services import SUPPORT, TARGETS

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
TODAY = dt.date(2026, 9, 7)
SEP_14 = dt.date(2026, 9, 14)
OCT_23 = dt.date(2026, 10, 23)  # the planned exit of a placement from SEP_14


@pytest.fixture(autouse=True)
def autumn_term():
    TermFactory()
    SchoolSettings.load()
    with time_machine.travel(dt.datetime(2026, 9, 7, 9, 0, tzinfo=LONDON), tick=False):
        yield


def refer(referrer, *, purpose="", need_areas=(), **kwargs) -> Referral:
    referral = Referral.objects.create(
        student=StudentFactory(),
        referrer=referrer,
        status=Referral.Status.SUBMITTED,
        submitted_at=timezone.now(),
        reasons="Leaving lessons most days.",
        purpose=purpose,
        need_areas=list(need_areas),
        **kwargs,
    )
    ProposedTarget.objects.create(referral=referral, area="learning", description="Stay in maths")
    PriorSupport.objects.create(referral=referral, team="send", what="Reading", outcome="Some")
    return referral


def url(name, **kwargs) -> str:
    return reverse(f"referrals:{name}", kwargs=kwargs)


def linked_draft(rita):
    student = StudentFactory()
    LinkFactory(student=student, staff=rita, relationship="class_teacher")
    return start_referral(student=student, referrer=rita)


PART_TIME_OK = PurposeRules(
    part_time_agreed_on=dt.date(2026, 9, 4),
    part_time_agreed_by="Mrs Khan, mother",
    part_time_ends=dt.date(2026, 10, 9),
    part_time_review=dt.date(2026, 9, 25),
)


def suspension_ok(decider) -> PurposeRules:
    return PurposeRules(
        suspension_decided_by=decider,
        suspension_reason="Threw a chair in science.",
        suspension_parents_told_on=TODAY,
        suspension_parents_told_how="phone",
    )


# --- the referral form ---------------------------------------------------------------------


def test_a_draft_keeps_no_purpose_but_submitting_asks_for_one_and_a_need_area(rita):
    draft = linked_draft(rita)
    save_draft(referral=draft, by=rita, answers={"reasons": "Leaving lessons"})
    with pytest.raises(ValidationError) as refused:
        submit_referral(referral=draft, by=rita)
    errors = refused.value.message_dict
    assert errors["purpose"] == ["Choose what the placement is for."]
    assert "at least one" in errors["need_areas"][0]


def test_need_areas_are_kept_once_in_the_code_of_practice_order(rita):
    draft = linked_draft(rita)
    save_draft(
        referral=draft,
        by=rita,
        answers={"need_areas": ["sensory_physical", "communication", "sensory_physical"]},
    )
    draft.refresh_from_db()
    assert draft.need_areas == ["communication", "sensory_physical"]


def test_an_unknown_purpose_or_need_area_is_refused_next_to_its_field(rita):
    draft = linked_draft(rita)
    with pytest.raises(ValidationError) as refused:
        save_draft(referral=draft, by=rita, answers={"purpose": "detention", "need_areas": ["x"]})
    assert set(refused.value.message_dict) == {"purpose", "need_areas"}
    draft.refresh_from_db()
    assert draft.purpose == "" and draft.need_areas == []


def test_submitting_the_form_without_them_says_so_next_to_each_and_keeps_the_rest(rita, client_for):
    draft = linked_draft(rita)
    answers = full_answers(purpose="", need_areas=[])
    data = form_data(answers, support=[], targets=[], action="submit")
    data |= form_data({}, support=[vars(SUPPORT[0])], targets=[vars(TARGETS[0])])
    data["action"] = "submit"
    page = client_for(rita).post(url("referral_edit", referral_pk=draft.pk), data)
    assert page.status_code == 200
    form = page.context["form"]
    assert form.errors["purpose"] == ["Choose what the placement is for."]
    assert "need_areas" in form.errors
    body = page.content.decode()
    assert 'id="id_purpose_error"' in body and 'id="id_need_areas_error"' in body
    draft.refresh_from_db()
    assert draft.status == Referral.Status.DRAFT
    assert draft.reasons == "Leaves lessons most days."


def test_submitting_with_a_purpose_and_need_areas_sends_it(rita, client_for):
    draft = linked_draft(rita)
    rows = {
        "support": [{**vars(SUPPORT[0]), "since": "2026-01-05"}],
        "targets": [vars(TARGETS[0])],
    }
    answers = full_answers(purpose="part_time", need_areas=["semh", "cognition"])
    page = client_for(rita).post(
        url("referral_edit", referral_pk=draft.pk), form_data(answers, action="submit", **rows)
    )
    assert page.status_code == 302, page.context["form"].errors
    draft.refresh_from_db()
    assert draft.status == Referral.Status.SUBMITTED
    assert draft.purpose == "part_time"
    assert draft.need_areas == ["cognition", "semh"]
    detail = client_for(rita).get(url("referral_detail", referral_pk=draft.pk)).content.decode()
    assert "Part-time timetable as part of reintegration" in detail
    assert "Cognition and learning; Social, emotional and mental health" in detail


def test_the_form_offers_each_purpose_by_the_schools_name_with_what_it_is_for(
    rita, ada, client_for
):
    rename_purposes(names={"inclusion_support": "Learning base support"}, by=ada)
    draft = linked_draft(rita)
    body = client_for(rita).get(url("referral_edit", referral_pk=draft.pk)).content.decode()
    assert "Learning base support" in body
    assert "Inclusion support" not in body
    assert "Needs parents&#x27; agreement, an end date and a review date" in body
    assert "Social, emotional and mental health" in body


# --- the rules a purpose brings, at approval -------------------------------------------------


def test_a_part_time_placement_cannot_be_approved_without_agreement_and_dates(dee, rita):
    referral = refer(rita, purpose="part_time", need_areas=["semh"])
    with pytest.raises(ValidationError) as refused:
        decisions.approve(referral, by=dee, start=SEP_14)
    assert set(refused.value.message_dict) == {
        "part_time_agreed_on",
        "part_time_agreed_by",
        "part_time_ends",
        "part_time_review",
    }
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SUBMITTED
    assert not Placement.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            {"part_time_ends": OCT_23 + dt.timedelta(days=3)},
            "part_time_ends",
            "within the placement",
        ),
        ({"part_time_ends": dt.date(2026, 9, 11)}, "part_time_ends", "within the placement"),
        ({"part_time_review": dt.date(2026, 10, 9)}, "part_time_review", "before"),
        ({"part_time_review": dt.date(2026, 10, 12)}, "part_time_review", "before"),
        ({"part_time_review": dt.date(2026, 9, 10)}, "part_time_review", "within the placement"),
        ({"part_time_agreed_on": dt.date(2026, 9, 8)}, "part_time_agreed_on", "future"),
        ({"part_time_agreed_by": "  "}, "part_time_agreed_by", "who agreed"),
    ],
)
def test_part_time_dates_must_sit_within_the_placement(dee, rita, change, field, words):
    referral = refer(rita, purpose="part_time")
    rules = PurposeRules(**{**vars_of(PART_TIME_OK), **change})
    with pytest.raises(ValidationError) as refused:
        decisions.approve(referral, by=dee, start=SEP_14, rules=rules)
    errors = refused.value.message_dict
    assert words in errors[field][0]
    assert not Placement.objects.exists()


def vars_of(rules: PurposeRules) -> dict:
    return {name: getattr(rules, name) for name in PurposeRules.__dataclass_fields__}


def test_an_approved_part_time_placement_keeps_its_agreement_and_dates(dee, rita):
    referral = refer(rita, purpose="part_time")
    placement = decisions.approve(referral, by=dee, start=SEP_14, rules=PART_TIME_OK).placement
    placement.refresh_from_db()
    assert placement.part_time_agreed_on == dt.date(2026, 9, 4)
    assert placement.part_time_agreed_by == "Mrs Khan, mother"
    assert placement.part_time_ends == dt.date(2026, 10, 9)
    assert placement.part_time_review == dt.date(2026, 9, 25)
    assert placement.suspension_reason == "" and placement.suspension_decided_by is None


def test_an_internal_suspension_needs_who_decided_why_and_when_parents_were_told(dee, rita):
    referral = refer(rita, purpose="internal_suspension")
    with pytest.raises(ValidationError) as refused:
        decisions.approve(referral, by=dee, start=SEP_14, rules=PART_TIME_OK)
    assert set(refused.value.message_dict) == {
        "suspension_decided_by",
        "suspension_reason",
        "suspension_parents_told_on",
        "suspension_parents_told_how",
    }


def test_only_a_deputy_head_or_the_head_decides_an_internal_suspension(dee, rita, cora):
    referral = refer(rita, purpose="internal_suspension")
    with pytest.raises(ValidationError) as refused:
        decisions.approve(referral, by=dee, start=SEP_14, rules=suspension_ok(cora))
    assert list(refused.value.message_dict) == ["suspension_decided_by"]


def test_an_approved_internal_suspension_keeps_its_decision_and_nothing_else(dee, rita):
    referral = refer(rita, purpose="internal_suspension")
    rules = PurposeRules(**{**vars_of(suspension_ok(dee)), "part_time_agreed_by": "ignored"})
    placement = decisions.approve(referral, by=dee, start=SEP_14, rules=rules).placement
    placement.refresh_from_db()
    assert placement.suspension_decided_by == dee
    assert placement.suspension_reason == "Threw a chair in science."
    assert placement.suspension_parents_told_on == TODAY
    assert placement.suspension_parents_told_how == "phone"
    assert placement.part_time_agreed_by == ""


def test_inclusion_support_brings_no_rules(dee, rita):
    referral = refer(rita, purpose="inclusion_support")
    placement = decisions.approve(referral, by=dee, start=SEP_14).placement
    assert placement.state == Placement.State.SCHEDULED


def test_the_database_refuses_a_review_on_or_after_the_end(dee, rita):
    placement = decisions.approve(
        refer(rita, purpose="part_time"), by=dee, start=SEP_14, rules=PART_TIME_OK
    ).placement
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Placement.objects.filter(pk=placement.pk).update(part_time_review=placement.part_time_ends)


# --- the decision page and the placement page -------------------------------------------------


def test_the_decision_page_asks_for_the_rules_and_says_what_is_missing(dee, rita, client_for):
    referral = refer(rita, purpose="part_time", need_areas=["communication"])
    client = client_for(dee)
    page = client.get(url("referral_decide", referral_pk=referral.pk)).content.decode()
    assert "Part-time timetable as part of reintegration" in page
    assert "Communication and interaction" in page
    assert 'name="part_time_ends"' in page
    assert 'name="suspension_reason"' not in page
    posted = {
        "decision": "approve",
        "start_date": SEP_14.isoformat(),
        "priority": 3,
        "part_time_agreed_by": "Mr Shah, father",
        "part_time_ends": "2026-11-20",
    }
    decide = url("referral_decide", referral_pk=referral.pk)
    response = client.post(decide, posted)
    assert response.status_code == 200
    form = response.context["forms"]["approve"]
    assert set(form.errors) == {"part_time_agreed_on", "part_time_review"}
    assert form.errors["part_time_review"] == ["Give the date the part-time timetable is reviewed."]
    assert form["part_time_agreed_by"].value() == "Mr Shah, father"  # nothing typed is lost
    body = response.content.decode()
    assert 'id="id_part_time_review_error"' in body
    assert "(optional)" not in body.split('id="purpose-rules"')[1].split("</fieldset>")[0]
    response = client.post(
        decide, posted | {"part_time_agreed_on": "2026-09-07", "part_time_review": "2026-09-28"}
    )
    form = response.context["forms"]["approve"]
    assert list(form.errors) == ["part_time_ends"]
    assert form.errors["part_time_ends"] == [
        "The part-time timetable must end within the placement, between Mon 14 Sep 2026 "
        "and Fri 23 Oct 2026."
    ]
    assert 'id="id_part_time_ends_error"' in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SUBMITTED


def test_approving_an_internal_suspension_on_the_page_records_it_and_shows_it(
    dee, rita, client_for
):
    referral = refer(rita, purpose="internal_suspension", need_areas=["semh"])
    client = client_for(dee)
    response = client.post(
        url("referral_decide", referral_pk=referral.pk),
        {
            "decision": "approve",
            "start_date": SEP_14.isoformat(),
            "priority": 3,
            "suspension_decided_by": dee.pk,
            "suspension_reason": "A fight at lunch.",
            "suspension_parents_told_on": "2026-09-07",
            "suspension_parents_told_how": "meeting",
        },
    )
    assert response.status_code == 302
    placement = Placement.objects.get(referral=referral)
    assert placement.suspension_reason == "A fight at lunch."
    decided = client.get(url("referral_decide", referral_pk=referral.pk)).content.decode()
    assert "A fight at lunch." in decided and "Mon 7 Sep 2026 (meeting)" in decided
    shown = client.get(url("placement_detail", placement_pk=placement.pk)).content.decode()
    assert "Internal suspension" in shown
    assert "A fight at lunch." in shown
    assert "Social, emotional and mental health" in shown


def test_the_placement_page_says_when_the_part_time_dates_no_longer_fit(dee, rita):
    placement = decisions.approve(
        refer(rita, purpose="part_time"), by=dee, start=SEP_14, rules=PART_TIME_OK
    ).placement
    assert purpose_problems(placement) == []
    Placement.objects.filter(pk=placement.pk).update(planned_exit=dt.date(2026, 10, 2))
    placement.refresh_from_db()
    (problem,) = purpose_problems(placement)
    assert "Fri 9 Oct 2026, outside the placement" in problem


# --- the school's names for the purposes -----------------------------------------------------


def test_renaming_a_purpose_changes_its_words_everywhere_and_is_audited(ada):
    changes = rename_purposes(names={"internal_suspension": " Reflection  time "}, by=ada)
    assert changes == {
        "internal_suspension": {"old": "Internal suspension", "new": "Reflection time"}
    }
    assert purpose_label("internal_suspension") == "Reflection time"
    (event,) = AuditEvent.objects.filter(action=PURPOSES_RENAMED)
    assert event.actor == ada
    assert event.data == {"changes": changes}


def test_a_blank_name_goes_back_to_the_standard_one(ada):
    rename_purposes(names={"part_time": "Phased return"}, by=ada)
    rename_purposes(names={"part_time": ""}, by=ada)
    assert not PurposeName.objects.exists()
    assert purpose_labels()["part_time"] == "Part-time timetable as part of reintegration"
    assert AuditEvent.objects.filter(action=PURPOSES_RENAMED).count() == 2


def test_saving_the_same_names_writes_no_audit_row(ada):
    rename_purposes(names={"part_time": "Part-time timetable as part of reintegration"}, by=ada)
    assert not AuditEvent.objects.filter(action=PURPOSES_RENAMED).exists()


def test_two_purposes_cannot_share_a_name(ada):
    with pytest.raises(ValidationError) as refused:
        rename_purposes(names={"part_time": "inclusion SUPPORT"}, by=ada)
    assert list(refused.value.message_dict) == ["part_time"]
    assert not PurposeName.objects.exists()


def test_purposes_are_renamed_not_added(ada):
    with pytest.raises(ValidationError):
        rename_purposes(names={"detention": "Detention"}, by=ada)
    assert not PurposeName.objects.exists()


def test_only_the_school_admin_renames_purposes(dee):
    with pytest.raises(ValidationError):
        rename_purposes(names={"part_time": "Phased return"}, by=dee)


def test_the_settings_page_renames_and_shows_errors_next_to_the_box(ada, client_for):
    client = client_for(ada)
    assert "Rename the purposes" in client.get(reverse("school_settings")).content.decode()
    ok = client.post(url("purpose_names"), {"part_time": "Phased return"})
    assert ok.status_code == 302
    assert purpose_label("part_time") == "Phased return"
    page = client.get(url("purpose_names")).content.decode()
    assert 'value="Phased return"' in page
    refused = client.post(
        url("purpose_names"), {"part_time": "Phased return", "inclusion_support": "phased return"}
    )
    assert refused.status_code == 200
    assert "already the name" in refused.context["form"].errors["inclusion_support"][0]


def test_someone_else_cannot_open_the_purposes_page(dee, client_for):
    assert client_for(dee).get(url("purpose_names")).status_code == 403


def test_a_referrals_own_display_of_its_purpose_uses_the_schools_name(ada, rita):
    referral = refer(rita, purpose="part_time")
    assert referral.get_purpose_display() == "Part-time timetable as part of reintegration"
    rename_purposes(names={"part_time": "Phased return"}, by=ada)
    assert referral.get_purpose_display() == "Phased return"
    assert refer(rita).get_purpose_display() == ""


def test_the_approvals_page_names_each_purpose_by_the_schools_name(ada, dee, rita, client_for):
    rename_purposes(names={"internal_suspension": "Reflection time"}, by=ada)
    refer(rita, purpose="internal_suspension", need_areas=["cognition"])
    refer(rita)
    page = client_for(dee).get(url("approvals")).content.decode()
    assert "<dd>Reflection time</dd>" in page and "<dd>Cognition and learning</dd>" in page
    assert "<dd>Not recorded</dd>" in page
