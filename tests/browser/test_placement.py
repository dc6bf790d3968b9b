"""The real browser on the placement pages: the coordinator's board, the placement page,
holding a review (once with mistakes, shown next to the fields without losing what was
typed), the placement panel on the student's file (loaded by htmx) and the SENCO's
Reviews page; no CSP violations, no script errors, no serious accessibility problems."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOT_DIR
from tests.browser.helpers import sign_in
from tests.factories import LinkFactory, StudentFactory
from tests.referrals_helpers import make_placement

pytestmark = pytest.mark.browser

NEXT_STEP = "Back in maths and English from Monday, with a check-in at break."


def test_hold_a_review_from_the_board(
    live_server, transactional_db, page, axe_context, axe, cora, sam, dee, rita, tom
):
    tab, new_context, accessibility = page, axe_context, axe
    student = StudentFactory(legal_forename="Maya", legal_surname="Quennell", tutor_group="9Q")
    LinkFactory(student=student, staff=tom)
    placement = make_placement(approver=dee, referrer=rita, student=student, started=True)
    base = live_server.url
    detail = base + reverse("referrals:placement_detail", kwargs={"placement_pk": placement.pk})
    shots = Path(SCREENSHOT_DIR)
    shots.mkdir(parents=True, exist_ok=True)
    sign_in(tab, base, cora)

    tab.goto(base + reverse("referrals:placements_board"))
    expect(tab.get_by_role("heading", level=1)).to_have_text("Placements")
    active = tab.get_by_role("table", name="Active placements, soonest exit first")
    expect(active).to_contain_text("Week 6 of 6")
    expect(active.locator(".tag--overdue").first).to_be_visible()
    tab.screenshot(path=str(shots / "placements-board.png"), full_page=True)
    active.get_by_role("link", name=student.name).click()
    tab.wait_for_url(detail)
    expect(tab.get_by_role("heading", level=1)).to_contain_text(f"{student.name}: placement")
    tab.screenshot(path=str(shots / "placement-page.png"), full_page=True)

    tab.get_by_role("link", name="Hold weekly review 1").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text(f"Weekly review 1: {student.name}")
    tab.get_by_label("The student's view").fill("Maths feels easier in the room.")
    tab.get_by_role("button", name="Save the review").click()
    expect(tab.locator(".error-summary")).to_be_visible()
    expect(tab.locator("#id_engagement .field__error")).to_have_text(
        "Error: Choose how the student engaged in the room."
    )
    expect(tab.get_by_label("The student's view")).to_have_value("Maths feels easier in the room.")
    tab.screenshot(path=str(shots / "placement-review-error.png"), full_page=True)

    for group in tab.locator("fieldset.choice-group", has_text="Not yet").all():
        group.get_by_label("Good progress").check()
    tab.locator("#id_engagement").get_by_label("Good").check()
    tab.get_by_label("Agreed next reintegration step").fill(NEXT_STEP)
    tab.get_by_role("button", name="Save the review").click()
    tab.wait_for_url(detail)
    expect(tab.locator(".messages")).to_have_text("Weekly review 1 is recorded.")
    expect(tab.get_by_role("table", name=re.compile("Targets with the progress"))).to_contain_text(
        "Good progress"
    )

    # The student's file: the placement panel comes in by htmx.
    tab.goto(base + reverse("records:student_file", args=[student.pk]))
    panel = tab.locator(".placement-panel")
    expect(panel).to_contain_text("Placements in the")
    expect(panel).to_contain_text("Active: Mon 7 Sep 2026 to Fri 16 Oct 2026, week 6 of 6.")
    expect(panel.get_by_role("link", name="Open the placement")).to_have_attribute(
        "href", reverse("referrals:placement_detail", kwargs={"placement_pk": placement.pk})
    )
    tab.screenshot(path=str(shots / "placement-panel.png"), full_page=True)
    tab.console_watch.assert_clean()

    # The SENCO's Reviews tab.
    senco = new_context().new_page()
    sign_in(senco, base, sam)
    senco.goto(base + reverse("referrals:reviews_board"))
    expect(senco.get_by_role("heading", level=1)).to_have_text("Reviews")
    expect(senco.locator("#overdue-heading")).to_be_visible()
    senco.screenshot(path=str(shots / "placements-reviews.png"), full_page=True)

    next_review = placement.reviews.get(number=2)
    # Accessibility of each page (a context that lets axe-core in).
    checker = new_context(storage_state=tab.context.storage_state()).new_page()
    for name, path in (
        ("placements board", reverse("referrals:placements_board")),
        ("placement page", detail.removeprefix(base)),
        ("review form", reverse("referrals:review_hold", args=[next_review.pk])),
    ):
        checker.goto(base + path)
        accessibility.check(checker, name)
    accessibility.check(senco, "reviews page")
    assert not accessibility.failures, accessibility.report()
