"""The real browser on recording a concern from anywhere: from Today, Alt+Shift+R (or the
header's "Record a concern") opens the student search, the matches come as one types, the
down arrow and Enter open the concern form for the pupil; there, other students involved
are found the same way, added as chips and removed, by mouse and by keyboard. No CSP
violation, no script error, no serious accessibility problem (axe-core) on the way.

Steps counted (for the issue's note), from Today to the first letter of the concern:
the shortcut (or one click on "Record a concern"), the pupil's name typed, then choosing
the pupil (one click, or the down arrow and Enter): two actions before typing."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from records.models import Category, Entry
from tests.browser.helpers import sign_in
from tests.factories import StudentFactory, TermFactory

pytestmark = pytest.mark.browser


def test_a_concern_is_recorded_from_today_in_two_actions(
    live_server, transactional_db, page, axe_context, axe, cora
):
    TermFactory()
    Category.objects.get_or_create(name="Peer relationships", defaults={"position": 3})
    ruby = StudentFactory(legal_forename="Ruby", legal_surname="Quill", tutor_group="9Q")
    lena = StudentFactory(legal_forename="Lena", legal_surname="Marsh", tutor_group="9M")
    omar = StudentFactory(legal_forename="Omar", legal_surname="Marsh", tutor_group="8M")
    base = live_server.url
    sign_in(page, base, cora)
    page.goto(base + reverse("timetables:today"))
    header = page.get_by_role("link", name="Record a concern")
    expect(header).to_have_attribute("aria-keyshortcuts", "Alt+Shift+R")

    # Action 1: the shortcut. The search box has the focus.
    page.keyboard.press("Alt+Shift+R")
    page.wait_for_url(re.compile(r"/record/$"))
    search = page.get_by_label("Student", exact=True)
    expect(search).to_be_focused()
    search.press_sequentially("ruby q")
    result = page.get_by_role("link", name="Ruby Quill")
    expect(result).to_be_visible()
    expect(page.locator("#pick-status")).to_have_text("1 student matches “ruby q”")
    pick_url = page.url
    # Action 2: choose the pupil (down arrow, Enter).
    search.press("ArrowDown")
    expect(result).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/students/{ruby.pk}/record/\?kind=concern$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("New concern: Ruby Quill")

    # Other students involved: found as one types, added as chips, one removed.
    involve = page.get_by_label("Other students involved")
    involve.press_sequentially("marsh")
    expect(page.get_by_role("button", name="Add Lena Marsh (9M)")).to_be_visible()
    page.get_by_role("button", name="Add Lena Marsh (9M)").click()
    chips = page.get_by_role("list", name="Students added")
    expect(chips).to_contain_text("Lena Marsh")
    expect(involve).to_be_focused()
    expect(involve).to_have_value("")
    expect(page.locator("#involve-status")).to_have_text("Lena Marsh added.")
    # By keyboard: type, Enter goes to the first match, Enter adds it.
    involve.press_sequentially("omar")
    expect(page.get_by_role("button", name="Add Omar Marsh (8M)")).to_be_visible()
    involve.press("Enter")
    expect(page.get_by_role("button", name="Add Omar Marsh (8M)")).to_be_focused()
    page.keyboard.press("Enter")
    expect(chips).to_contain_text("Omar Marsh")
    page.get_by_role("button", name="Remove Lena Marsh").click()
    expect(chips).not_to_contain_text("Lena Marsh")
    expect(page.locator("#involve-status")).to_have_text("Lena Marsh removed.")

    page.get_by_label("Category").select_option(label="Peer relationships")
    page.get_by_label("Summary").fill("Argument in the lunch queue")
    form_url = page.url
    scan = axe_context(storage_state=page.context.storage_state()).new_page()
    scan.goto(pick_url)
    axe.check(scan, "the student search (templates/records/record_pick.html)")
    scan.goto(form_url)
    scan.get_by_label("Other students involved").press_sequentially("marsh")
    expect(scan.get_by_role("button", name="Add Lena Marsh (9M)")).to_be_visible()
    scan.get_by_role("button", name="Add Lena Marsh (9M)").click()
    axe.check(scan, "the entry form with a chip (templates/records/entry_form.html)")

    page.get_by_role("button", name="Record", exact=True).click()
    page.wait_for_url(re.compile(rf"/students/{ruby.pk}/$"))
    entry = Entry.objects.get()
    assert set(entry.students.all()) == {ruby, omar}
    assert lena not in entry.students.all()

    page.console_watch.assert_clean()
    assert not axe.failures, "axe-core found serious or critical problems:\n" + axe.report()
