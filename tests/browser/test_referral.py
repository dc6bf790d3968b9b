"""The referral form in a real browser: a referrer starts a referral, the draft saves
itself as they type (htmx), an early submit names what is missing without losing a word,
and a complete one goes for a decision; no CSP violations, no serious axe findings."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from referrals.models import Referral
from tests.browser.helpers import sign_in
from tests.factories import LinkFactory, StudentFactory

pytestmark = pytest.mark.browser

REASONS = "Leaves most lessons after break.\nSays the work is too hard and the room is loud."
EDIT_URL = re.compile(r"/referrals/(\d+)/edit/$")


def test_refer_a_student(live_server, transactional_db, page, axe_context, axe, rita):
    student = StudentFactory(legal_forename="Ayo", legal_surname="Quist", tutor_group="9Q")
    LinkFactory(student=student, staff=rita, relationship="class_teacher")
    base = live_server.url
    today = timezone.localdate()

    sign_in(page, base, rita)
    page.goto(base + reverse("referrals:my_referrals"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My referrals")
    page.get_by_role("link", name="Refer a student").click()
    page.get_by_role("button", name=f"Refer {student.name}").click()
    page.wait_for_url(EDIT_URL)
    referral = Referral.objects.get(student=student)
    expect(page.get_by_role("group", name="About the student")).to_contain_text("9Q")

    # Typing saves the draft by itself, and says so.
    with page.expect_response(lambda r: r.request.method == "POST" and r.status == 200):
        page.get_by_label("Reasons for the referral").fill(REASONS)
    expect(page.locator("#autosave-status")).to_contain_text("Saved at")
    referral.refresh_from_db()
    assert referral.reasons == REASONS
    assert referral.status == Referral.Status.DRAFT

    # Submitting too early names what is missing, next to each field, and keeps the text.
    page.get_by_role("button", name="Submit for a decision").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("The student’s own view")
    student_view = page.locator(".field", has=page.locator("#id_student_view"))
    expect(student_view.locator(".field__error")).to_contain_text("own view")
    expect(page.get_by_label("Reasons for the referral")).to_have_value(REASONS)

    # Fill in the rest and send it.
    page.get_by_label("Part-time timetable as part of reintegration").check()
    page.get_by_label("Communication and interaction").check()
    page.get_by_label("Cognition and learning").check()
    first = page.get_by_role("group", name="Support 1")
    first.get_by_label("Team").select_option(label="Pastoral team")
    first.get_by_label("What was done").fill("Weekly mentoring")
    first.get_by_label("What came of it").fill("Still leaving lessons.")
    parents = page.get_by_role("group", name="Have parents or carers been consulted?")
    parents.get_by_label("Yes").check()
    page.get_by_label("Their view").fill("Mum would like him back in lessons.")
    consent = page.get_by_role("group", name="Have they given consent to the placement?")
    consent.get_by_label("Yes").check()
    page.get_by_label("Date consent was given").fill(today.isoformat())
    page.get_by_label("How", exact=True).select_option(label="Phone")
    page.get_by_label("Given by").fill("Mrs Quist, mother")
    page.get_by_label("The student’s own view").fill("Maths is fine; it is the noise.")
    page.get_by_role("group", name="Target 1").get_by_label("Target").fill("Stays in a lesson.")
    start = today + dt.timedelta(days=7)
    page.get_by_label("Proposed start", exact=True).fill(start.isoformat())
    page.get_by_role("button", name="Submit for a decision").click()
    page.wait_for_url(re.compile(rf"/referrals/{referral.pk}/$"))
    expect(page.locator(".lede .tag")).to_have_text("Waiting for a decision")
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SUBMITTED
    assert referral.prior_support.get().what == "Weekly mentoring"
    assert referral.purpose == "part_time"
    assert referral.need_areas == ["communication", "cognition"]
    page.console_watch.assert_clean()

    # Accessibility of the form (with its errors) and the list.
    context = axe_context(storage_state=page.context.storage_state())
    scan = context.new_page()
    draft_student = StudentFactory()
    LinkFactory(student=draft_student, staff=rita, relationship="class_teacher")
    scan.goto(base + reverse("referrals:referral_start") + f"?student={draft_student.pk}")
    scan.get_by_role("button", name="Start the referral").click()
    scan.wait_for_url(EDIT_URL)
    axe.check(scan, "referral form")
    scan.get_by_role("button", name="Submit for a decision").click()
    expect(scan.locator(".error-summary")).to_be_visible()
    axe.check(scan, "referral form with errors")
    scan.goto(base + reverse("referrals:my_referrals"))
    axe.check(scan, "my referrals")
    scan.goto(base + reverse("referrals:referral_detail", args=[referral.pk]))
    axe.check(scan, "a referral")
    print(axe.report())
    assert not axe.failures, axe.report()


def test_coming_back_to_a_draft_autosaves_and_warns_before_unsaved_edits_are_lost(
    live_server, transactional_db, page, rita
):
    from referrals.services.referral import SupportRow, save_draft, start_referral

    student = StudentFactory(legal_forename="Bea", legal_surname="Rowe")
    LinkFactory(student=student, staff=rita, relationship="class_teacher")
    referral = start_referral(student=student, referrer=rita)
    save_draft(
        referral=referral,
        by=rita,
        answers={"reasons": "Leaves lessons."},
        support=[SupportRow(team="pastoral", what="Mentoring", outcome="")],
    )
    base = live_server.url
    sign_in(page, base, rita)
    page.goto(base + reverse("referrals:referral_edit", args=[referral.pk]))

    # Editing what is already there saves itself, as on a new referral.
    first = page.get_by_role("group", name="Support 1")
    with page.expect_response(lambda r: r.request.method == "POST" and r.status == 200):
        first.get_by_label("What came of it").fill("Still leaving lessons.")
    expect(page.locator("#autosave-status")).to_contain_text("Saved at")
    assert referral.prior_support.get().outcome == "Still leaving lessons."

    # Saved: leaving asks nothing.
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.type), d.dismiss()))
    page.locator(".breadcrumbs").get_by_role("link", name="My referrals").click()
    page.wait_for_url(re.compile(r"/referrals/mine/$"))
    assert dialogs == []

    # Typed and not yet saved (the autosave waits for a pause): leaving asks first, and
    # staying keeps what was typed.
    page.goto(base + reverse("referrals:referral_edit", args=[referral.pk]))
    page.get_by_label("Current concerns").press_sequentially("Not sleeping")
    with page.expect_event("dialog"):
        page.locator(".breadcrumbs").get_by_role("link", name="My referrals").click()
    assert dialogs == ["beforeunload"]
    expect(page.get_by_label("Current concerns")).to_have_value("Not sleeping")
    assert EDIT_URL.search(page.url)
    page.console_watch.assert_clean()
