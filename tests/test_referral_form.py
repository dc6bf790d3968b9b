"""The referral pages as a referrer uses them: choosing a student, the long form (save as
you go, submit, nothing lost on an error), coming back for more information, withdrawing,
and who may see which referral."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from records.models import Entry
from referrals.models import Referral
from referrals.services.referral import start_referral
from tests.factories import LinkFactory, StudentFactory, UserFactory
from tests.naughty import SCRIPT, SUSPECTS
from tests.test_referral_services import (
    approved_with_placement,
    ask_for_more,
    linked_student,
    submitted_referral,
)

pytestmark = pytest.mark.django_db

R = Referral.Status


def today() -> dt.date:
    return timezone.localdate()


def url(name, referral=None, **kwargs) -> str:
    if referral is not None:
        kwargs["referral_pk"] = referral.pk
    return reverse(f"referrals:{name}", kwargs=kwargs)


def _yes_no(value) -> str:
    return {True: "true", False: "false", None: ""}[value]


def form_data(answers=None, support=(), targets=(), action="save") -> dict:
    """What the form posts: the answers, then the rows of both lists."""
    data = {"action": action}
    for name, value in (answers or {}).items():
        if isinstance(value, bool) or value is None:
            value = _yes_no(value)
        data[name] = [str(v) for v in value] if isinstance(value, list) else str(value)
    for prefix, rows in (("support", support), ("targets", targets)):
        data |= {
            f"{prefix}-TOTAL_FORMS": str(len(rows)),
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
        for i, row in enumerate(rows):
            data |= {f"{prefix}-{i}-{k}": str(v) for k, v in row.items()}
    return data


def full_answers(**overrides) -> dict:
    return {
        "reasons": "Leaves lessons most days.",
        "concerns": "",
        "purpose": "inclusion_support",
        "need_areas": ["semh", "communication"],
        "attendance_percent": "88.0",
        "attendance_note": "",
        "parents_consulted": True,
        "parent_view": "Dad is worried and wants to help.",
        "consent_given": True,
        "consent_date": (today() - dt.timedelta(days=1)).isoformat(),
        "consent_given_by": "Mr Shah, father",
        "consent_method": "meeting",
        "student_view": "Maths is too loud.",
        "proposed_start": (today() + dt.timedelta(days=7)).isoformat(),
    } | overrides


SUPPORT_ROWS = [
    {"team": "send", "what": "Reading group", "since": "2026-01-05", "outcome": "Reads more."},
    {"team": "", "what": "", "since": "", "outcome": ""},
]
TARGET_ROWS = [
    {"area": "learning", "description": "Stays in maths for a whole lesson."},
    {"area": "social", "description": ""},
]


@pytest.fixture
def draft(rita):
    return start_referral(student=linked_student(rita), referrer=rita)


# --- choosing a student --------------------------------------------------------------------


def test_a_referrer_chooses_from_their_own_students(rita, client_for):
    mine = linked_student(rita)
    StudentFactory()
    page = client_for(rita).get(url("referral_start"))
    assert page.status_code == 200
    assert list(page.context["students"]) == [mine]


def test_the_room_team_searches_before_any_student_is_listed(sam, client_for):
    student = StudentFactory(legal_surname="Quartermaine")
    client = client_for(sam)
    assert client.get(url("referral_start")).context["students"] is None
    found = client.get(url("referral_start"), {"q": "quartermaine"}).context["students"]
    assert list(found) == [student]


def test_students_already_referred_say_so_in_the_list(rita, client_for):
    student = linked_student(rita)
    start_referral(student=student, referrer=rita)
    page = client_for(rita).get(url("referral_start"))
    assert "Already referred" in page.content.decode()


def test_starting_makes_a_draft_and_opens_the_form(rita, client_for):
    student = linked_student(rita)
    client = client_for(rita)
    confirm = client.get(url("referral_start"), {"student": student.pk})
    assert confirm.status_code == 200
    assert escape(student.name) in confirm.content.decode()
    response = client.post(url("referral_start"), {"student": student.pk})
    referral = Referral.objects.get(student=student)
    assert response.status_code == 302
    assert response["Location"] == url("referral_edit", referral)
    assert referral.status == R.DRAFT and referral.referrer == rita


def test_a_referrer_cannot_refer_a_student_they_cannot_see(rita, client_for):
    hidden = StudentFactory()
    client = client_for(rita)
    assert client.get(url("referral_start"), {"student": hidden.pk}).status_code == 404
    assert client.post(url("referral_start"), {"student": hidden.pk}).status_code == 404
    assert not Referral.objects.exists()


def test_a_second_referral_is_refused_naming_the_open_one(rita, sam, client_for):
    referral = submitted_referral(rita)
    page = client_for(sam).post(url("referral_start"), {"student": referral.student.pk})
    assert page.status_code == 200
    text = page.content.decode()
    assert "already has an open referral (waiting for a decision)" in text
    assert Referral.objects.filter(student=referral.student).count() == 1


def test_a_live_placement_is_named_when_refusing(rita, dee, client_for):
    student = linked_student(rita)
    approved_with_placement(student, rita, dee, state="waiting")
    page = client_for(rita).get(url("referral_start"), {"student": student.pk})
    assert "already has a placement" in page.content.decode()
    assert "Start the referral" not in page.content.decode()


def test_starting_again_returns_to_your_own_draft(rita, draft, client_for):
    response = client_for(rita).post(url("referral_start"), {"student": draft.student.pk})
    assert response["Location"] == url("referral_edit", draft)


# --- the form ------------------------------------------------------------------------------


def test_the_form_has_its_sections_and_the_student_record(rita, client_for):
    student = linked_student(rita, sen_status="E", pupil_premium=True, tutor_group="9K")
    referral = start_referral(student=student, referrer=rita)
    page = client_for(rita).get(url("referral_edit", referral))
    text = page.content.decode()
    for legend in [
        "About the student",
        "Reasons and concerns",
        "Support already given",
        "Attendance",
        "Parents and carers",
        "The student’s view",
        "Proposed targets",
        "Proposed start",
    ]:
        assert f"<legend>{legend}</legend>" in text
    assert "EHC plan" in text and "9K" in text
    assert len(page.context["support"].forms) == 3
    areas = [f.initial.get("area") for f in page.context["targets"].forms]
    assert areas == ["personal", "social", "learning", "behavioural"]
    assert "Save draft" in text and "Submit for a decision" in text


def test_save_draft_keeps_partial_answers_and_writes_no_event(rita, draft, client_for):
    data = form_data(
        {"reasons": "Only a start\r\non two lines", "parents_consulted": False},
        support=[{"team": "pastoral", "what": "Mentoring", "since": "", "outcome": ""}],
        targets=TARGET_ROWS,
    )
    response = client_for(rita).post(url("referral_edit", draft), data)
    assert response.status_code == 302
    assert response["Location"] == url("referral_edit", draft)
    draft.refresh_from_db()
    assert draft.status == R.DRAFT
    assert draft.reasons == "Only a start\non two lines"
    assert draft.parents_consulted is False
    assert [s.what for s in draft.prior_support.all()] == ["Mentoring"]
    assert [t.description for t in draft.proposed_targets.all()] == [
        "Stays in maths for a whole lesson."
    ]
    assert not Entry.objects.filter(students=draft.student).exists()
    again = client_for(rita).get(url("referral_edit", draft)).content.decode()
    assert "Only a start" in again and "Mentoring" in again


def test_an_answer_typed_wrongly_is_marked_and_nothing_is_lost(rita, draft, client_for):
    data = form_data(
        {"reasons": "Kept safe", "attendance_percent": "about ninety"},
        support=[{"team": "send", "what": "Speech therapy", "since": "31/02/2026", "outcome": ""}],
        targets=TARGET_ROWS,
    )
    page = client_for(rita).post(url("referral_edit", draft), data)
    assert page.status_code == 200
    assert "attendance_percent" in page.context["form"].errors
    assert page.context["support"].forms[0].errors["since"]
    text = page.content.decode()
    assert "about ninety" in text and "Speech therapy" in text and "Kept safe" in text
    draft.refresh_from_db()
    assert draft.reasons == "Kept safe"  # what read correctly is saved
    assert draft.attendance_percent is None


def test_submitting_an_incomplete_referral_says_what_is_needed_next_to_each_field(
    rita, draft, client_for
):
    data = form_data(
        full_answers(reasons="", student_view="", consent_given_by=""),
        support=[{"team": "send", "what": "Reading group", "since": "", "outcome": ""}],
        targets=TARGET_ROWS,
        action="submit",
    )
    page = client_for(rita).post(url("referral_edit", draft), data)
    assert page.status_code == 200
    form, support = page.context["form"], page.context["support"]
    assert set(form.errors) == {"reasons", "student_view", "consent_given_by"}
    assert "still struggling despite that support" in support.non_form_errors()[0]
    assert support.forms[0].errors["outcome"]
    text = page.content.decode()
    assert 'id="id_reasons_error"' in text
    assert "Dad is worried and wants to help." in text  # what was typed stays
    assert "Reading group" in text
    draft.refresh_from_db()
    assert draft.status == R.DRAFT
    assert draft.parent_view == "Dad is worried and wants to help."  # and is saved
    assert not Entry.objects.filter(students=draft.student).exists()


def test_spare_blank_rows_are_never_marked_as_errors(rita, draft, client_for):
    """A list with nothing in it is marked as a whole (its message, a bar beside it), not
    by reddening every input of its spare blank rows."""
    blank = {"team": "", "what": "", "since": "", "outcome": ""}
    data = form_data(full_answers(), support=[blank] * 3, targets=TARGET_ROWS, action="submit")
    page = client_for(rita).post(url("referral_edit", draft), data)
    support = page.context["support"]
    assert support.non_form_errors() and not any(f.errors for f in support.forms)
    html = page.content.decode()
    section = re.search(r'<fieldset class="([^"]*)" id="support"', html).group(1)
    assert section.split() == ["form-section", "form-section--error"]
    assert html.count("field--error") == 0


def test_a_target_without_an_area_is_marked_on_its_row(rita, draft, client_for):
    targets = [{"area": "learning", "description": "Ok"}, {"area": "", "description": "Which?"}]
    data = form_data(full_answers(), support=SUPPORT_ROWS, targets=targets, action="submit")
    page = client_for(rita).post(url("referral_edit", draft), data)
    assert page.context["targets"].forms[1].errors["area"]
    assert not page.context["targets"].forms[0].errors


def test_a_complete_referral_is_sent_for_a_decision(rita, draft, client_for):
    data = form_data(full_answers(), support=SUPPORT_ROWS, targets=TARGET_ROWS, action="submit")
    response = client_for(rita).post(url("referral_edit", draft), data)
    assert response.status_code == 302
    assert response["Location"] == url("referral_detail", draft)
    draft.refresh_from_db()
    assert draft.status == R.SUBMITTED and draft.submitted_at is not None
    event = Entry.objects.get(students=draft.student, kind="event")
    assert event.event_code == "referral.submitted"


def test_autosave_saves_the_draft_and_answers_with_a_status(rita, draft, client_for):
    data = form_data({"reasons": "Typed, then moved on"}, support=SUPPORT_ROWS, targets=[])
    response = client_for(rita).post(
        url("referral_edit", draft), data, headers={"HX-Request": "true", "Enigma-Autosave": "1"}
    )
    assert response.status_code == 200
    assert response.content.decode().startswith("Saved at")
    assert response["Enigma-Saved"] == "1"  # the page's leave warning stands down
    draft.refresh_from_db()
    assert draft.reasons == "Typed, then moved on"
    assert draft.prior_support.count() == 1


def test_autosave_on_a_referral_already_sent_saves_nothing(rita, client_for):
    referral = submitted_referral(rita)
    data = form_data({"reasons": "Too late"}, support=[], targets=[])
    response = client_for(rita).post(
        url("referral_edit", referral), data, headers={"HX-Request": "true", "Enigma-Autosave": "1"}
    )
    assert response.content.decode().startswith("Not saved")
    assert "Enigma-Saved" not in response
    referral.refresh_from_db()
    assert referral.reasons != "Too late"


def test_the_form_autosaves_with_htmx_and_works_without_it(rita, draft, client_for):
    text = client_for(rita).get(url("referral_edit", draft)).content.decode()
    assert f'hx-post="{url("referral_edit", draft)}"' in text
    assert "Enigma-Autosave" in text
    assert 'role="status"' in text
    assert 'method="post"' in text  # a plain form underneath


@pytest.mark.parametrize("persona", ["rita", "cora"])
def test_a_referral_that_cannot_be_changed_redirects_to_its_page(persona, personas, client_for):
    referral = submitted_referral(personas["rita"])
    response = client_for(personas[persona]).get(url("referral_edit", referral))
    assert response.status_code == 302
    assert response["Location"] == url("referral_detail", referral)


def test_the_room_team_cannot_change_someone_elses_draft(cora, draft, client_for):
    response = client_for(cora).post(url("referral_edit", draft), form_data({"reasons": "Mine"}))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.reasons == ""


# --- more information ----------------------------------------------------------------------


def test_more_information_comes_back_to_the_referrer_who_sends_it_again(rita, dee, client_for):
    referral = ask_for_more(submitted_referral(rita), dee, text="Which lessons does he leave?")
    client = client_for(rita)
    page = client.get(url("referral_edit", referral))
    text = page.content.decode()
    assert "Which lessons does he leave?" in text
    assert "Send back for a decision" in text
    data = form_data(
        full_answers(concerns="Maths and science, after break."),
        support=SUPPORT_ROWS,
        targets=TARGET_ROWS,
        action="submit",
    )
    response = client.post(url("referral_edit", referral), data)
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == R.SUBMITTED
    assert referral.concerns == "Maths and science, after break."
    assert referral.transitions.last().from_status == R.INFO_REQUESTED


def test_my_referrals_shows_a_request_for_more_information(rita, dee, client_for):
    ask_for_more(submitted_referral(rita), dee, text="Attendance last term?")
    text = client_for(rita).get(url("my_referrals")).content.decode()
    assert "More information requested" in text
    assert "Attendance last term?" in text


# --- the referral and its history ----------------------------------------------------------


def test_the_referral_page_shows_its_history_who_when_why(rita, dee, cora, client_for):
    referral = ask_for_more(submitted_referral(rita), dee, text="Which lessons?")
    page = client_for(cora).get(url("referral_detail", referral))
    assert page.status_code == 200
    labels = [(t.label, t.by) for t in page.context["referral"].transitions.all()]
    assert labels == [
        ("Started as a draft", rita),
        ("Sent for a decision", rita),
        ("More information asked for", dee),
    ]
    text = page.content.decode()
    assert "Which lessons?" in text
    assert "Reading group" not in text  # the service test's support, not this page's
    assert "Literacy group" in text


def test_a_referrer_sees_only_their_own_referrals(rita, client_for):
    other = UserFactory(roles=["referrer"])
    referral = submitted_referral(rita)
    LinkFactory(student=referral.student, staff=other)  # even knowing the student
    client = client_for(other)
    assert client.get(url("referral_detail", referral)).status_code == 404
    assert client.get(url("referral_edit", referral)).status_code == 404
    assert client.post(url("referral_withdraw", referral)).status_code == 404
    assert referral not in client.get(url("my_referrals")).context["referrals"]


@pytest.mark.parametrize("persona", ["cora", "sam", "dee", "dina"])
def test_the_room_team_reads_any_referral(persona, personas, client_for):
    referral = submitted_referral(personas["rita"])
    assert client_for(personas[persona]).get(url("referral_detail", referral)).status_code == 200


def test_the_approver_sees_an_earlier_placement_this_year(rita, dee, client_for):
    student = linked_student(rita)
    start = today() - dt.timedelta(days=60)
    if (start.month >= 9) != (today().month >= 9):  # keep it in this academic year
        start = today()
    earlier = approved_with_placement(student, rita, dee, state="scheduled", start=start)
    earlier.state = "completed"
    earlier.save(update_fields=["state"])
    referral = submitted_referral(rita, student=student)
    page = client_for(dee).get(url("referral_detail", referral))
    assert page.context["earlier_placements"] == [earlier]
    assert "An earlier placement this academic year" in page.content.decode()


# --- withdrawing ---------------------------------------------------------------------------


def test_the_referrer_withdraws_from_the_referral_page(rita, client_for):
    referral = submitted_referral(rita)
    client = client_for(rita)
    assert "Withdraw the referral" in client.get(url("referral_detail", referral)).content.decode()
    response = client.post(url("referral_withdraw", referral), {"reason": "Things settled"})
    assert response["Location"] == url("my_referrals")
    referral.refresh_from_db()
    assert referral.status == R.WITHDRAWN
    assert referral.transitions.last().reason == "Things settled"


def test_the_room_team_withdraws_and_stays_on_the_referral(rita, sam, client_for):
    referral = submitted_referral(rita)
    response = client_for(sam).post(url("referral_withdraw", referral), {"reason": "Duplicate"})
    assert response["Location"] == url("referral_detail", referral)
    assert Referral.objects.get(pk=referral.pk).transitions.last().by == sam


def test_withdrawing_twice_is_explained_not_an_error(rita, client_for):
    referral = submitted_referral(rita)
    client = client_for(rita)
    client.post(url("referral_withdraw", referral))
    response = client.post(url("referral_withdraw", referral), follow=True)
    assert "cannot be withdrawn" in response.content.decode()


def test_withdraw_only_accepts_post(rita, client_for):
    referral = submitted_referral(rita)
    assert client_for(rita).get(url("referral_withdraw", referral)).status_code == 405


@pytest.mark.parametrize("text", SUSPECTS)
def test_any_text_is_kept_as_typed_and_shown_escaped(text, rita, draft, client_for):
    client = client_for(rita)
    data = form_data(
        {"reasons": text, "student_view": text},
        support=[{"team": "send", "what": text[:300], "since": "", "outcome": text}],
        targets=[{"area": "personal", "description": text[:300]}],
    )
    assert client.post(url("referral_edit", draft), data).status_code == 302
    draft.refresh_from_db()
    assert draft.reasons == text
    assert draft.prior_support.get().outcome == text.strip()
    for page in (url("referral_detail", draft), url("referral_edit", draft)):
        content = client.get(page).content.decode()
        assert SCRIPT not in content and "<img src=x" not in content
