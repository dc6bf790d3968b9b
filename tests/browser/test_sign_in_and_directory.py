"""The real browser: sign in with a password and an authenticator code, find a student,
open their page, blank the screen; no CSP violations, no script errors, and no serious
accessibility problems (axe-core) on the pages on the way."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from playwright.sync_api import expect

from enigma.roles import Role
from tests.browser.conftest import SCREENSHOT_DIR
from tests.factories import PASSWORD, ContactFactory, LinkFactory, StudentFactory, UserFactory
from tests.totp import fresh_code

pytestmark = pytest.mark.browser

EMAIL = "cora@school.example.org"
TWO_FA_URL = re.compile(r"/accounts/2fa/authenticate/$")
DIRECTORY_URL = re.compile(r"/students/$")
STUDENT_URL = re.compile(r"/students/\d+/$")


def sign_in_with_password(page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(TWO_FA_URL)


def test_sign_in_find_a_student_and_blank_the_screen(
    live_server, transactional_db, page, axe_context, axe
):
    coordinator = UserFactory(
        email=EMAIL, first_name="Cora", last_name="Okonjo", roles=[Role.COORDINATOR]
    )
    secret = generate_totp_secret()
    TOTP.activate(coordinator, secret)
    StudentFactory.create_batch(12)
    for student in StudentFactory.create_batch(
        3, legal_surname="Quennell", year_group=8, tutor_group="8Q", pupil_premium=True, eal=True
    ):
        ContactFactory(student=student, email="parent@example.org", address="1 High St\nBristol")
        LinkFactory(student=student, staff=coordinator)
    base = live_server.url

    # Accessibility of the entrance pages, in a context that lets axe's script run.
    scan = axe_context().new_page()
    scan.goto(f"{base}/accounts/login/")
    axe.check(scan, "the sign-in page (templates/account/login.html)")
    sign_in_with_password(scan, base)
    axe.check(scan, "the 2FA challenge page (templates/mfa/authenticate.html)")

    # The real flow, under the site's CSP.
    sign_in_with_password(page, base)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your authenticator code")
    page.get_by_label("Code").fill(fresh_code(secret))
    page.get_by_role("button", name="Sign in").click()
    # The coordinator starts at Today; Students is in the main navigation.
    page.wait_for_url(re.compile(r"/timetables/today/$"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Students").click()
    page.wait_for_url(DIRECTORY_URL)

    results = page.locator("#directory-results")
    rows = results.locator("tbody tr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Students")
    expect(page.locator("#results-heading")).to_have_text("15 students")
    expect(rows).to_have_count(15)
    expect(results.get_by_role("link", name=re.compile(r"^Quennell, "))).to_have_count(3)
    shots = Path(SCREENSHOT_DIR)
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "directory.png"), full_page=True)

    # Typing in the search box swaps the results in place (htmx), and the URL follows.
    with page.expect_response(lambda r: "q=quenn" in r.url and r.status == 200):
        page.locator("#id_q").fill("quenn")
    expect(page.locator("#results-heading")).to_have_text("3 students")
    expect(rows).to_have_count(3)
    expect(page).to_have_url(re.compile(r"/students/\?q=quenn"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Students")  # not re-rendered

    # A name opens the student file (chronology); the Details tab has the MIS record.
    results.get_by_role("link", name=re.compile(r"^Quennell, ")).first.click()
    page.wait_for_url(re.compile(r"/records/students/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Quennell")
    page.get_by_role("navigation", name="Student pages").get_by_role("link", name="Details").click()
    page.wait_for_url(STUDENT_URL)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Quennell")
    expect(page.get_by_role("heading", name="Parents and carers")).to_be_visible()
    expect(page.locator(".contact")).to_have_count(1)
    page.screenshot(path=str(shots / "student.png"), full_page=True)
    student_url = page.url

    # Privacy screen: the button, then Escape twice.
    privacy, main = page.locator("#privacy-screen"), page.locator("#main")
    page.get_by_role("button", name="Privacy screen").click()
    expect(privacy).to_be_visible()
    expect(main).to_be_hidden()
    expect(page).to_have_title("Enigma")
    page.get_by_role("button", name="Show the page again").click()
    expect(privacy).to_be_hidden()
    expect(main).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(privacy).to_be_visible()
    expect(main).to_be_hidden()
    page.get_by_role("button", name="Show the page again").click()
    expect(main).to_be_visible()

    # Accessibility of the signed-in pages: same session, CSP bypassed for axe only.
    signed_in = axe_context(storage_state=page.context.storage_state()).new_page()
    signed_in.goto(f"{base}/students/")
    expect(signed_in.locator("#results-heading")).to_have_text("15 students")
    axe.check(signed_in, "the student directory (templates/enigma/students/directory.html)")
    signed_in.goto(student_url)
    expect(signed_in.get_by_role("heading", level=1)).to_contain_text("Quennell")
    axe.check(signed_in, "the student page (templates/enigma/students/detail.html)")

    page.console_watch.assert_clean()
    report = axe.report()
    if report:
        print(report)
    assert not axe.failures, "axe-core found serious or critical problems:\n" + report


def test_the_console_watch_catches_csp_violations(live_server, transactional_db, page):
    """Guards the test above against passing blind: inline style and an inline handler
    must be blocked by the CSP and reported."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate(
        """document.body.insertAdjacentHTML("beforeend",
        '<p style="color: red">x</p><img alt="" src="data:," onerror="window.x = 1">')"""
    )
    expect(page.locator("p[style]")).to_have_count(1)
    page.wait_for_function("() => document.readyState === 'complete'")
    deadline = time.monotonic() + 5
    while len(page.console_watch.csp_violations) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert len(page.console_watch.csp_violations) >= 2, page.console_watch.messages
    assert page.evaluate("window.x") is None
    with pytest.raises(AssertionError, match="CSP violation"):
        page.console_watch.assert_clean()
