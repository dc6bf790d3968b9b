"""The real browser on the student file: sign in, record a concern (once with a mistake,
which the form shows next to the field without losing what was typed), read it back in
the chronology, correct it, and filter the timeline; no CSP violations, no script errors,
and no serious accessibility problems (axe-core) on the file and the two forms."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from records.models import Category, Entry
from tests.browser.conftest import SCREENSHOT_DIR
from tests.browser.helpers import sign_in
from tests.factories import StudentFactory

pytestmark = pytest.mark.browser

SUMMARY = "Refused to go into PE; said her trainers were stolen"
ACCOUNT = "At 10:40 Maya said “someone took my trainers” and sat on the bench.\nMr Hale was there."
ACTION = "Ask the PE department about the changing-room lockers"
REASON = "Wrong word: she said they had gone missing, not that they were stolen"
CORRECTED = "Refused to go into PE; said her trainers had gone missing"
ENTRY_URL = re.compile(r"/records/entries/(\d+)/$")


def field(page, control_id: str):
    """The .field wrapper (label, hint, error, control) around one form control."""
    return page.locator(".field", has=page.locator(f"#{control_id}"))


def entry_card(scope, summary: str):
    """The timeline article whose heading links to summary."""
    heading = scope.page.get_by_role("heading", name=summary, exact=True)  # relative in has=
    return scope.locator("article.entry", has=heading)


def test_record_a_concern_then_correct_it(
    live_server, transactional_db, page, axe_context, axe, cora, sam
):
    # A flushed database (transactional_db) has lost the migration's default categories.
    Category.objects.get_or_create(name="Behaviour", defaults={"position": 20})
    student = StudentFactory(legal_forename="Maya", legal_surname="Quennell", tutor_group="9Q")
    StudentFactory(legal_surname="Other")  # someone to (not) involve
    base = live_server.url
    file_url = base + reverse("records:student_file", args=[student.pk])
    today = timezone.localdate()
    shots = Path(SCREENSHOT_DIR)
    shots.mkdir(parents=True, exist_ok=True)

    sign_in(page, base, cora)

    # The student's file opens on the Chronology tab, empty.
    page.goto(file_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(student.name)
    tabs = page.get_by_role("navigation", name="Student pages")
    expect(tabs.get_by_role("link", name="Chronology")).to_have_attribute("aria-current", "page")
    expect(tabs.locator("[aria-current]")).to_have_count(1)
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Nothing recorded yet.")

    # Record a concern: everything but the summary, then the Record button by keyboard.
    page.locator("#main").get_by_role("link", name="Record a concern").click()
    page.wait_for_url(re.compile(rf"/records/students/{student.pk}/record/\?kind=concern$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"New concern: {student.name}")
    when = page.get_by_label("When it happened")
    expect(when).to_have_attribute("type", "datetime-local")
    expect(when).to_have_value(re.compile(rf"^{today.isoformat()}T\d\d:\d\d$"))
    page.get_by_label("Category").select_option(label="Behaviour")
    page.get_by_label("What happened").fill(ACCOUNT)
    row = page.locator(".action-row").first
    row.get_by_label("Action").fill(ACTION)
    row.get_by_label("Who").select_option(label=str(sam))
    row.get_by_label("Due").fill(today.isoformat())
    page.get_by_role("button", name="Record", exact=True).focus()
    page.keyboard.press("Enter")

    # The mistake is named next to the field and in the summary; nothing typed is lost.
    summary_field = field(page, "id_summary")
    expect(summary_field).to_have_class(re.compile(r"\bfield--error\b"))
    expect(summary_field.locator(".field__error")).to_have_text(
        "Error: Give the entry a one-line summary."
    )
    expect(page.get_by_label("Summary")).to_have_attribute("aria-invalid", "true")
    error_summary = page.locator(".error-summary")
    expect(error_summary).to_be_visible()
    expect(error_summary.get_by_role("link")).to_have_text(
        ["Summary: Give the entry a one-line summary."]
    )
    expect(page.get_by_label("What happened")).to_have_value(ACCOUNT)
    expect(page.get_by_label("Category")).to_have_value(
        str(Category.objects.get(name="Behaviour").pk)
    )
    expect(row.get_by_label("Action")).to_have_value(ACTION)
    expect(row.get_by_label("Who")).to_have_value(str(sam.pk))
    expect(row.get_by_label("Due")).to_have_value(today.isoformat())
    assert not Entry.objects.exists()
    page.screenshot(path=str(shots / "records-form-error.png"), full_page=True)
    form_url = page.url

    # Put it right and press Enter in the summary.
    page.get_by_label("Summary").fill(SUMMARY)
    page.get_by_label("Summary").press("Enter")
    page.wait_for_url(file_url)
    expect(page.locator(".messages")).to_have_text(f"Recorded: “{SUMMARY}”.")
    expect(timeline.get_by_role("heading", level=2)).to_contain_text("1 entry, newest first")
    card = entry_card(timeline, SUMMARY)
    expect(card).to_have_count(1)
    expect(card.locator(".entry__tags .tag")).to_have_text(["Concern", "Behaviour"])
    expect(card.locator(".entry__account")).to_have_text(ACCOUNT)
    actions = card.get_by_role("list", name="Follow-up actions").get_by_role("listitem")
    expect(actions).to_have_count(1)
    expect(actions).to_contain_text(f"Open {ACTION}")
    expect(actions).to_contain_text(str(sam))
    expect(page.locator("#actions-heading + ul")).to_contain_text(ACTION)  # open actions

    # Open it and correct it.
    card.get_by_role("link", name=SUMMARY).click()
    page.wait_for_url(ENTRY_URL)
    original_pk = int(ENTRY_URL.search(page.url).group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text(SUMMARY)
    expect(page.get_by_role("table", name="Follow-up actions")).to_contain_text(ACTION)
    page.screenshot(path=str(shots / "records-entry.png"), full_page=True)
    page.get_by_role("link", name="Correct this entry").click()
    page.wait_for_url(re.compile(rf"/records/entries/{original_pk}/correct/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Correct this entry")
    expect(page.get_by_label("Summary")).to_have_value(SUMMARY)
    expect(page.get_by_label("What happened")).to_have_value(ACCOUNT)
    page.get_by_label("What was wrong").fill(REASON)
    page.get_by_label("Summary").fill(CORRECTED)
    page.get_by_label("Summary").press("Enter")

    # The correction's own page says what it corrects.
    page.wait_for_url(lambda url: ENTRY_URL.search(url) and f"/{original_pk}/" not in url)
    correction_pk = int(ENTRY_URL.search(page.url).group(1))
    expect(page.locator(".messages")).to_have_text(
        "Correction recorded. The original stays as it was."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(CORRECTED)
    notice = page.locator("p.notice")
    expect(notice).to_have_text(f"This corrects the entry “{SUMMARY}”. Why: {REASON}")
    expect(notice.get_by_role("link", name=SUMMARY)).to_have_attribute(
        "href", reverse("records:entry_detail", args=[original_pk])
    )
    page.screenshot(path=str(shots / "records-correction.png"), full_page=True)

    # On the file: the original, untouched and marked Amended; the correction beside it.
    page.locator(".breadcrumbs").get_by_role("link", name=student.name).click()
    page.wait_for_url(file_url)
    expect(timeline.get_by_role("heading", level=2)).to_contain_text("2 entries, newest first")
    original, correction = entry_card(timeline, SUMMARY), entry_card(timeline, CORRECTED)
    expect(original.locator(".entry__tags .tag")).to_have_text(["Concern", "Behaviour", "Amended"])
    expect(original.locator(".entry__account")).to_have_text(ACCOUNT)
    expect(original.locator(".entry__amended")).to_contain_text("Corrected later:")
    expect(correction.locator(".entry__tags .tag")).to_have_text(
        ["Concern", "Behaviour", "Correction"]
    )
    expect(correction.locator(".entry__amends")).to_have_text(
        f"Corrects the entry “{SUMMARY}”. Why: {REASON}"
    )
    page.screenshot(path=str(shots / "records-file.png"), full_page=True)

    # The database agrees, and the hash chain is intact.
    first, second = Entry.objects.order_by("pk")
    assert (first.pk, second.pk) == (original_pk, correction_pk)
    # Browsers submit a textarea's line breaks as CRLF; the form stores plain newlines.
    assert (first.summary, first.account, first.amends_id) == (SUMMARY, ACCOUNT, None)
    assert (second.summary, second.amends_id, second.amendment_reason) == (
        CORRECTED,
        first.pk,
        REASON,
    )
    assert second.kind == first.kind == Entry.Kind.CONCERN
    assert list(first.actions.values_list("description", "assignee", "due_on")) == [
        (ACTION, sam.pk, today)
    ]
    call_command("verify_chronology", stdout=io.StringIO())  # CommandError if broken

    # Filter by kind: htmx swaps #timeline in place and the URL follows.
    with page.expect_response(lambda r: "kind=concern" in r.url and r.status == 200):
        page.locator("form.filters").get_by_label("Kind").select_option(label="Concern")
    expect(timeline.get_by_role("heading", level=2)).to_contain_text(
        "2 entries matching the filters"
    )
    expect(timeline.locator("article.entry")).to_have_count(2)
    expect(entry_card(timeline, SUMMARY)).to_be_visible()
    expect(entry_card(timeline, CORRECTED)).to_be_visible()
    expect(page).to_have_url(re.compile(r"\?kind=concern"))
    expect(page.get_by_role("heading", level=1)).to_have_text(student.name)  # not re-rendered

    # Accessibility: same session, in a context where axe's script may run.
    scan = axe_context(storage_state=page.context.storage_state()).new_page()
    scan.goto(file_url)
    expect(scan.locator("article.entry")).to_have_count(2)
    axe.check(scan, "the student file (templates/records/student_file.html)")
    scan.goto(form_url)
    expect(scan.get_by_role("heading", level=1)).to_have_text(f"New concern: {student.name}")
    axe.check(scan, "the entry form (templates/records/entry_form.html)")
    scan.get_by_role("button", name="Record", exact=True).click()
    expect(scan.locator(".error-summary")).to_be_visible()
    axe.check(scan, "the entry form with errors (templates/records/entry_form.html)")
    scan.goto(base + reverse("records:entry_amend", args=[original_pk]))
    expect(scan.get_by_role("heading", level=1)).to_have_text("Correct this entry")
    axe.check(scan, "the correction form (templates/records/entry_amend.html)")
    assert Entry.objects.count() == 2

    page.console_watch.assert_clean()
    errors = [m for m in page.console_watch.messages if m.startswith("[error]")]
    assert not errors, "Console errors:\n  " + "\n  ".join(errors)
    report = axe.report()
    if report:
        print(report)
    assert not axe.failures, "axe-core found serious or critical problems:\n" + report
