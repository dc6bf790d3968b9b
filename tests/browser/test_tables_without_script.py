"""Without JavaScript, a wide table scrolls inside its own box and the page does not: the
box is made by the server ({% scrollbox %}), not by a script, so a phone with script off
(or a script that failed to load) still gets a page as wide as its screen."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from enigma.models import AuditEvent
from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser

MEASURE = """() => {
  const box = document.querySelector(".table-scroll");
  return {
    page: document.documentElement.scrollWidth,
    viewport: document.documentElement.clientWidth,
    table: box.querySelector("table").scrollWidth,
    box: box.clientWidth,
  };
}"""


def test_the_audit_log_fits_a_phone_with_script_off(live_server, transactional_db, browser, ada):
    # A long name in the header (whose controls wrap without the script, rather than
    # folding behind Menu), and long words in every column of a table far wider than a
    # phone.
    ada.display_name = "Ms Alexandra Featherstonehaugh-Cholmondeley"
    ada.save(update_fields=["display_name"])
    for n in range(5):
        AuditEvent.objects.create(
            action="notifications.failed_emails_retried",
            actor=ada,
            actor_label=ada.email,
            object_type="enigma.User",
            object_id=str(ada.pk),
            object_repr=f"someone.with.a.long.address.{n}@school.example.org",
            ip_address="2001:db8:1234:5678:9abc:def0:1234:5678",
        )
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 800}, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, ada)
        page.goto(live_server.url + reverse("audit_log"))
        box = page.get_by_role("region", name="Audit events, newest first")
        expect(box).to_have_attribute("tabindex", "0")
        expect(box.get_by_role("table")).to_be_visible()
        found = page.evaluate(MEASURE)
        assert found["table"] > found["viewport"], found  # the table is wide...
        assert found["box"] <= found["viewport"], found  # ...its box is not
        assert found["page"] <= found["viewport"], found  # ...and neither is the page
        # The box takes focus, so the keyboard scrolls it.
        box.focus()
        expect(box).to_be_focused()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("End")
        # Chromium scrolls for a key on a later frame: on a busy machine the box was read
        # before it moved (scrollLeft 0 in one CI run). Wait for it, within a bound.
        page.wait_for_function("b => b.scrollLeft > 0", arg=box.element_handle(), timeout=15_000)
    finally:
        context.close()
