"""The real browser with a file larger than Enigma takes: the page says so at the field the
moment it is chosen and sends nothing; a file within the limit goes as before."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from records.models import Attachment
from records.services.entries import record_entry
from tests.browser.helpers import sign_in
from tests.factories import StudentFactory
from tests.test_attachments import PDF

pytestmark = pytest.mark.browser

LIMIT = 2048


def test_a_file_over_the_limit_is_refused_at_its_field_before_it_is_sent(
    live_server, transactional_db, settings, tmp_path, page, cora
):
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.ENIGMA_ATTACHMENT_MAX_BYTES = LIMIT
    entry = record_entry(
        author=cora, students=[StudentFactory()], kind="concern", summary="Letter from the GP"
    )
    sign_in(page, live_server.url, cora)
    page.goto(live_server.url + reverse("records:attachment_add", args=[entry.pk]))
    chooser = page.get_by_label("File")

    chooser.set_input_files(
        {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": PDF + b" " * LIMIT}
    )
    note = page.locator(".field__error--size")
    expect(note).to_have_text(
        "This file is too large: the most Enigma accepts here is 2 KB. Choose a smaller file."
    )
    page.get_by_role("button", name="Attach the file").click()
    expect(page).to_have_url(live_server.url + reverse("records:attachment_add", args=[entry.pk]))
    assert chooser.evaluate("input => input.validity.customError")
    assert not Attachment.objects.exists()

    chooser.set_input_files({"name": "letter.pdf", "mimeType": "application/pdf", "buffer": PDF})
    expect(note).to_be_hidden()
    page.get_by_role("button", name="Attach the file").click()
    page.wait_for_url(lambda url: "/attachments/add/" not in url)
    assert Attachment.objects.get().original_name == "letter.pdf"
    page.console_watch.assert_clean()
