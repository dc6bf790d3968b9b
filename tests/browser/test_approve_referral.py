"""The real browser on approving a referral when the room is full: before approving, the
decision page says the proposed start falls in a full week and names the earliest start
when the whole placement fits; changing the date to it updates what the page says (htmx),
and approving then schedules the placement. No CSP violation, no script error, no serious
accessibility problem (axe-core).

Steps counted (for the issue's note), from Approvals: "Decide" on the referral (1), then
"Approve" (2) when the suggested start suits; choosing another start adds typing the date."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from enigma.models import SchoolSettings
from referrals.models import Placement, Referral
from referrals.services import decisions
from tests.browser.helpers import sign_in
from tests.clock import LONDON
from tests.factories import StudentFactory, TermFactory

pytestmark = pytest.mark.browser

SEP_14 = dt.date(2026, 9, 14)


def _refer(rita, name, start):
    forename, surname = name.split()
    return Referral.objects.create(
        student=StudentFactory(legal_forename=forename, legal_surname=surname),
        referrer=rita,
        status=Referral.Status.SUBMITTED,
        submitted_at=timezone.now(),
        reasons="Leaving lessons most days.",
        proposed_start=start,
    )


def test_the_deputy_sees_a_full_week_and_the_earliest_fitting_start_before_approving(
    live_server, transactional_db, page, axe_context, axe, dee, rita
):
    # The live server runs in another thread: the clock is moved for both.
    with time_machine.travel(dt.datetime(2026, 9, 7, 9, 0, tzinfo=LONDON), tick=True):
        TermFactory()
        SchoolSettings.load()
        SchoolSettings.objects.update(capacity=1)
        decisions.approve(_refer(rita, "Full Room", SEP_14), by=dee, start=SEP_14)
        referral = _refer(rita, "Ava Stone", SEP_14)
        base = live_server.url
        sign_in(page, base, dee)
        page.goto(base + reverse("referrals:approvals"))
        page.get_by_role("link", name="Decide on Ava Stone's referral").click()
        outlook = page.locator("#start-outlook")
        expect(outlook).to_contain_text("The start falls in a full week")
        expect(outlook).to_contain_text(
            "Earliest start when the whole placement fits: Mon 2 Nov 2026"
        )
        scan = axe_context(storage_state=page.context.storage_state()).new_page()
        scan.goto(page.url)
        axe.check(scan, "the decision page (templates/referrals/decisions/decide.html)")

        page.get_by_label("Start date").fill("2026-11-02")
        page.get_by_label("Start date").dispatch_event("change")
        expect(outlook).to_contain_text("A place is free on every school day")
        expect(outlook).not_to_contain_text("full week")
        page.get_by_role("button", name="Approve").click()
        page.wait_for_url(re.compile(r"/approvals/$"))
        expect(page.locator(".messages")).to_contain_text("Approved: Ava Stone starts Mon 2 Nov")
        placement = Placement.objects.get(referral=referral)
        assert placement.state == Placement.State.SCHEDULED
        assert placement.start_date == dt.date(2026, 11, 2)

        page.console_watch.assert_clean()
        assert not axe.failures, "axe-core found serious or critical problems:\n" + axe.report()
