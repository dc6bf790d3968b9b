"""The real browser on the oversight pages: the deputy head chooses a term, then the
academic year, reads the charts and tables, opens the governors' report (anonymous, then
with names) and a case summary, all printed as on paper. No CSP violations, no script
errors, no serious accessibility problems (axe-core) on the page, the printed report or
the case summary. Screenshots at 390 and 1,024 px go to SCREENSHOT_DIR."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from enigma.models import Term
from referrals.models import Placement
from tests.browser.conftest import SCREENSHOT_DIR
from tests.browser.helpers import sign_in
from tests.test_oversight import TERMS, build_school

pytestmark = pytest.mark.browser


def test_the_deputy_head_reads_the_figures_and_prints_the_report(
    live_server, transactional_db, page, axe_context, axe, dee, rita
):
    for name, start, end, hs, he in TERMS:
        Term.objects.create(
            name=name, starts_on=start, ends_on=end, half_term_starts_on=hs, half_term_ends_on=he
        )
    build_school(rita, dee)
    one = Placement.objects.filter(state="completed").order_by("start_date").last()
    base = live_server.url
    shots = Path(SCREENSHOT_DIR)
    shots.mkdir(parents=True, exist_ok=True)

    sign_in(page, base, dee)
    page.get_by_role("link", name="Oversight").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Oversight")
    page.get_by_label("Period", exact=True).select_option(label="Autumn 2026 term")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".lede")).to_contain_text("Autumn 2026 term")
    page.get_by_label("Period", exact=True).select_option(label="Academic year 2026/27")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".lede")).to_contain_text("Academic year 2026/27")
    # Each chart is an image with its title; its numbers are in the tables.
    expect(page.get_by_role("img", name="Outcome at exit")).to_be_visible()
    expect(page.get_by_role("img", name="Referrals each month")).to_be_visible()
    ratios = page.get_by_role("img", name="How often each group is placed, against all pupils")
    expect(ratios).to_be_visible()
    expect(page.get_by_role("table", name="Outcome at exit")).to_contain_text("fewer than 5")
    overview_url = page.url
    for width in (390, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(shots / f"oversight-{width}.png"), full_page=True)
        for n in range(1, 7):  # each section alone, to look at closely
            section = page.locator(f"#section-{n}")
            section.screenshot(path=str(shots / f"oversight-{width}-section-{n}.png"))
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Open the governors’ report to print").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("report to governors")
    expect(page.locator("body")).to_contain_text("No pupil is named.")
    expect(page.locator("body")).not_to_contain_text(one.student.name)
    report_url = page.url
    page.emulate_media(media="print")
    for width in (390, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(shots / f"oversight-report-{width}.png"), full_page=True)
    page.pdf(path=str(shots / "oversight-report.pdf"), format="A4")
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(overview_url)
    page.get_by_label("Include pupils’ names in the report").check()
    page.get_by_role("button", name="Open the governors’ report to print").click()
    expect(page.locator("body")).to_contain_text(one.student.name)

    summary_url = base + reverse("oversight:case_summary", args=[one.pk])
    page.goto(summary_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case summary: {one.student.name}")
    # On a phone a wide table (a target rated at each review) scrolls in its own box;
    # the page itself never scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator(".table-scroll").count() >= 2
    page.emulate_media(media="print")
    for width in (390, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(shots / f"oversight-case-{width}.png"), full_page=True)
    page.console_watch.assert_clean()

    checker = axe_context(storage_state=page.context.storage_state()).new_page()
    for name, url, media in (
        ("oversight", overview_url, "screen"),
        ("governors' report, printed", report_url, "print"),
        ("case summary, printed", summary_url, "print"),
    ):
        checker.emulate_media(media=media)
        checker.goto(url)
        axe.check(checker, name)
    checker.context.close()
    assert not axe.failures, axe.report()
