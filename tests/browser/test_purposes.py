"""The real browser on what a purpose brings: the deputy head approves a part-time
placement (first without the agreement and dates, told next to each field, nothing
typed lost), the placement page shows them, and the school admin renames a purpose; no
CSP violations, no script errors, no serious accessibility problems."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from referrals.models import Placement, PriorSupport, ProposedTarget, Referral
from tests.browser.helpers import sign_in
from tests.factories import StudentFactory
from tests.referrals_helpers import autumn_term

pytestmark = pytest.mark.browser


def test_approve_a_part_time_placement_and_rename_a_purpose(
    live_server, transactional_db, page, axe_context, axe, dee, rita, ada
):
    # A Monday early in the Autumn 2026 term: six school weeks fit before Christmas.
    with time_machine.travel(dt.datetime(2026, 9, 7, 9, tzinfo=ZoneInfo("Europe/London"))):
        _approve_and_rename(live_server, page, axe_context, axe, dee, rita, ada)


def _approve_and_rename(live_server, page, axe_context, axe, dee, rita, ada):
    autumn_term()
    today = timezone.localdate()
    referral = Referral.objects.create(
        student=StudentFactory(legal_forename="Ola", legal_surname="Quist"),
        referrer=rita,
        status=Referral.Status.SUBMITTED,
        submitted_at=timezone.now(),
        reasons="Anxious about whole days in school.",
        purpose="part_time",
        need_areas=["semh"],
    )
    ProposedTarget.objects.create(referral=referral, area="learning", description="Stay in maths")
    PriorSupport.objects.create(referral=referral, team="send", what="Mentoring", outcome="Some")
    base = live_server.url
    decide = base + reverse("referrals:referral_decide", args=[referral.pk])
    sign_in(page, base, dee)
    page.goto(decide)
    expect(page.locator("#referral-heading + .summary")).to_contain_text(
        "Social, emotional and mental health"
    )
    rules = page.get_by_role("group", name="Part-time timetable as part of reintegration")
    start = page.get_by_label("Start date").input_value()
    rules.get_by_label("Agreed by").fill("Mrs Quist, mother")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".error-summary").first).to_be_visible()
    expect(page.locator("#id_part_time_ends_error")).to_contain_text("Give the date")
    expect(rules.get_by_label("Agreed by")).to_have_value("Mrs Quist, mother")
    checker = axe_context(storage_state=page.context.storage_state()).new_page()
    checker.goto(decide)
    checker.get_by_role("button", name="Approve").click()
    axe.check(checker, "decision page with the part-time rules' errors")

    first = dt.date.fromisoformat(start)
    rules.get_by_label("Date parents or carers agreed").fill(today.isoformat())
    rules.get_by_label("Part-time timetable ends").fill((first + dt.timedelta(days=14)).isoformat())
    rules.get_by_label("Part-time timetable reviewed on").fill(
        (first + dt.timedelta(days=7)).isoformat()
    )
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".messages")).to_contain_text("Approved")
    placement = Placement.objects.get(referral=referral)
    assert placement.part_time_agreed_by == "Mrs Quist, mother"
    detail = base + reverse("referrals:placement_detail", args=[placement.pk])
    page.goto(detail)
    expect(page.locator("#purpose-heading + .summary")).to_contain_text("Mrs Quist, mother")
    checker.goto(detail)
    axe.check(checker, "placement page with its purpose")
    page.console_watch.assert_clean()

    admin = axe_context().new_page()
    sign_in(admin, base, ada)
    admin.goto(base + reverse("school_settings"))
    admin.get_by_role("link", name="Rename the purposes").click()
    admin.get_by_label("Name for “Part-time timetable as part of reintegration”").fill(
        "Phased return"
    )
    admin.get_by_role("button", name="Save the names").click()
    expect(admin.locator(".messages")).to_contain_text("Names of the purposes saved.")
    axe.check(admin, "purposes of placements")
    page.goto(detail)
    expect(page.locator("#purpose-heading + .summary")).to_contain_text("Phased return")
    assert not axe.failures, axe.report()
