"""The real browser on a child-protection file transfer, from both sides: the DSL prepares
the leaver's file and sends it (the code shown once); the receiving DSL, with no account
here, opens the emailed link, is refused a wrong code, gives the right one, downloads the
file once and confirms receipt, which the sender then sees. No CSP violations, no script
errors, no serious accessibility problems (axe-core) on any of the pages."""

from __future__ import annotations

import re
import time
import zipfile

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from disclosure.models import ChildProtectionTransfer
from records.models import Category
from records.services.entries import record_entry
from tests.browser.helpers import sign_in
from tests.factories import StudentFactory, TermFactory

pytestmark = pytest.mark.browser


def wait_for_email(timeout: float = 15.0):
    """The email the live server sends after its response (bounded, not a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while not mail.outbox:
        assert time.monotonic() < deadline, "no email was sent"
        time.sleep(0.05)
    return mail.outbox[-1]


def test_a_child_protection_file_goes_from_one_dsl_to_the_next(
    live_server, transactional_db, page, browser, axe_context, axe, dina, tmp_path
):
    TermFactory()
    safeguarding, _ = Category.objects.get_or_create(
        name="Safeguarding", defaults={"restricted": True, "position": 10}
    )
    pupil = StudentFactory(legal_forename="Nia", legal_surname="Okoro")
    record_entry(
        author=dina,
        students=[pupil],
        kind="concern",
        category=safeguarding,
        summary="Disclosure to the form tutor",
        account="Nia said she was frightened to go home.",
    )
    base = live_server.url
    tab = base + reverse("disclosure:student", args=[pupil.pk])

    # The sending DSL: sign-in counts as a fresh second factor.
    sign_in(page, base, dina)
    page.goto(tab)
    page.get_by_label("Date the pupil left").fill("2026-10-21")
    page.get_by_role("button", name="Prepare the child-protection file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Child-protection file: Nia Okoro")
    expect(page.locator(".file-header")).to_contain_text("Prepared")
    transfer_url = page.url
    page.get_by_label("Their DSL's name").fill("Pat Reed")
    page.get_by_label("Their DSL's email").fill("not an address")
    page.get_by_label("Their school").fill("Next High")
    page.get_by_role("button", name="Send the link").click()
    expect(page.locator(".field--error")).to_contain_text("valid email")
    expect(page.get_by_label("Their DSL's name")).to_have_value("Pat Reed")  # kept
    page.get_by_label("Their DSL's email").fill("pat.reed@next.example.org")
    page.get_by_role("button", name="Send the link").click()
    code = page.get_by_test_id("transfer-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{10}", code)
    email = wait_for_email()
    assert "Nia" not in email.body and code not in email.body
    link = re.search(r"http\S+/disclosure/receive/\S+/", email.body)[0]
    link = base + "/" + link.split("://", 1)[1].split("/", 1)[1]  # the live server's port

    # The receiving DSL: no account here, a browser of their own.
    them_context = browser.new_context(locale="en-GB", accept_downloads=True)
    them = them_context.new_page()
    them.goto(link)
    expect(them.get_by_role("heading", level=1)).to_have_text("A child-protection file for you")
    them.get_by_label("The code you were given by phone").fill("WRONG12345")
    them.get_by_role("button", name="Open").click()
    expect(them.locator(".field--error")).to_contain_text("That is not the code. 4 more tries")
    them.get_by_label("The code you were given by phone").fill(code)
    them.get_by_role("button", name="Open").click()
    with them.expect_download() as got:
        them.get_by_role("button", name="Download the file").click()
    saved = tmp_path / "file.zip"
    got.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert "Disclosure to the form tutor" in archive.read("index.html").decode()
    them.reload()
    expect(them.get_by_role("button", name="Download the file")).to_have_count(0)
    them.get_by_label("Your name").fill("Pat Reed")
    them.get_by_label(re.compile("I have the file")).check()
    them.get_by_role("button", name="Confirm receipt").click()
    expect(them.get_by_role("heading", level=1)).to_have_text("Receipt confirmed")
    them.goto(link)
    expect(them.get_by_role("heading", level=1)).to_have_text("This link does not work")

    # The sender sees it confirmed.
    page.goto(transfer_url)
    expect(page.locator(".file-header")).to_contain_text("Receipt confirmed")
    expect(page.locator(".file-header")).to_contain_text("Pat Reed")
    assert ChildProtectionTransfer.objects.get().state == "confirmed"

    # Accessibility of every page on the way (axe in contexts that let its script run).
    scan = axe_context(storage_state=page.context.storage_state()).new_page()
    scan.goto(tab)
    axe.check(scan, "the records requests tab (templates/disclosure/student.html)")
    scan.goto(transfer_url)
    axe.check(scan, "a transfer (templates/disclosure/transfer_detail.html)")
    scan.goto(base + reverse("disclosure:transfers"))
    axe.check(scan, "the transfers (templates/disclosure/transfers.html)")
    receiver = axe_context().new_page()
    receiver.goto(link)
    axe.check(receiver, "a used link (templates/disclosure/receive_gone.html)")
    them_context.close()

    page.console_watch.assert_clean()
    report = axe.report()
    if report:
        print(report)
    assert not axe.failures, "axe-core found serious or critical problems:\n" + report
