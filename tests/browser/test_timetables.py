"""The real browser on the coordinator's day: the plan editor changed by keyboard alone
(Tab to a lesson, Enter to move it on, the room's warning before it overfills), then
Today's register taken with one tap per student, an absence recorded as a concern;
no CSP violations, no script errors, no serious accessibility problems."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from enigma.models import SchoolSettings
from records.models import Entry
from tests.browser.conftest import SCREENSHOT_DIR
from tests.browser.helpers import sign_in
from tests.factories import StudentFactory
from tests.referrals_helpers import make_placement
from tests.timetable_helpers import give_timetable
from timetables.models import Mode, PlanCell, RegisterMark

pytestmark = pytest.mark.browser
LONDON = ZoneInfo("Europe/London")
START = dt.date(2026, 9, 7)
TODAY = dt.datetime(2026, 9, 9, 10, 5, tzinfo=LONDON)  # Wednesday of week 1, during P2


def _placement(dee, rita, forename, surname):
    student = StudentFactory(legal_forename=forename, legal_surname=surname)
    give_timetable(student)
    return make_placement(approver=dee, referrer=rita, student=student, started=True)


def test_edit_a_plan_by_keyboard_and_take_the_register(
    live_server, transactional_db, page, axe_context, axe, cora, dee, rita
):
    tab = page
    maya = _placement(dee, rita, "Maya", "Quennell")
    leo = _placement(dee, rita, "Leo", "Adebayo")
    third = _placement(dee, rita, "Ava", "Brook")
    SchoolSettings.objects.update(capacity=2)
    base = live_server.url
    shots = Path(SCREENSHOT_DIR)
    shots.mkdir(parents=True, exist_ok=True)

    with time_machine.travel(TODAY, tick=True):
        sign_in(tab, base, cora)
        expect(tab.get_by_role("heading", level=1)).to_have_text("Today, Wed 9 Sep 2026")

        # --- the plan, by keyboard ------------------------------------------------------
        plan_url = base + reverse("timetables:plan", args=[maya.pk])
        tab.goto(plan_url)
        expect(tab.get_by_role("heading", level=1)).to_have_text(
            "Reintegration plan: Maya Quennell"
        )
        expect(tab.locator("#week-2026-09-07")).to_contain_text("lessons in class")
        # Friday 16 Oct (exit week) P1 is in class; move it to the room and on to 1:1.
        cell = maya.plan_cells.get(date=dt.date(2026, 10, 16), period__name="P1")
        assert cell.mode == Mode.CLASS
        button = tab.locator(f"#cell-button-{cell.pk}")
        button.focus()
        tab.keyboard.press("Enter")
        expect(tab.locator(f"#cell-{cell.pk}")).to_contain_text("In the room")
        expect(tab.locator(f"#cell-button-{cell.pk}")).to_be_focused()
        tab.keyboard.press("Enter")
        expect(tab.locator(f"#cell-{cell.pk}")).to_contain_text("Room: 1:1")
        assert PlanCell.objects.get(pk=cell.pk).mode == Mode.ONE_TO_ONE

        # The room holds two: with Leo also in the room, a third is warned about first.
        other = leo.plan_cells.get(date=dt.date(2026, 10, 16), period__name="P2")
        PlanCell.objects.filter(pk=other.pk).update(mode=Mode.ROOM)
        PlanCell.objects.filter(
            placement=third, date=dt.date(2026, 10, 16), period__name="P2"
        ).update(mode=Mode.ROOM)
        mine = maya.plan_cells.get(date=dt.date(2026, 10, 16), period__name="P2")
        tab.reload()
        tab.locator(f"#cell-button-{mine.pk}").focus()
        tab.keyboard.press("Enter")
        warning = tab.locator(f"#cell-{mine.pk} [role=alert]")
        expect(warning).to_contain_text("would hold 3 students")
        assert PlanCell.objects.get(pk=mine.pk).mode == Mode.CLASS
        tab.screenshot(path=str(shots / "plan-editor.png"), full_page=True, caret="initial")

        # --- Today's register ----------------------------------------------------------
        tab.get_by_role("link", name="Today").first.click()
        register = tab.locator("#register")
        expect(register.get_by_role("heading", level=2)).to_contain_text("Register: P2")
        maya_row = register.locator(".register-entry", has_text="Maya Quennell")
        leo_row = register.locator(".register-entry", has_text="Leo Adebayo")
        maya_row.get_by_role("button", name="Present").click()
        expect(maya_row.get_by_role("button", name="Present")).to_have_attribute(
            "aria-pressed", "true"
        )
        maya_row = register.locator(".register-entry", has_text="Maya Quennell")
        maya_row.get_by_role("group", name="Engagement").get_by_label("4").check()
        maya_row.get_by_role("group", name="Work completed").get_by_label("All").check()
        maya_row.get_by_label("Note").fill("Finished the algebra sheet.")
        maya_row.get_by_role("button", name="Save").click()
        expect(register.locator(".register-entry", has_text="Maya Quennell")).to_contain_text(
            "Saved present"
        )
        leo_row.get_by_role("button", name="Absent").click()
        leo_row = register.locator(".register-entry", has_text="Leo Adebayo")
        expect(leo_row.get_by_role("alert")).to_contain_text("Absent from the room when due")
        leo_row.get_by_role("button", name="Record as a concern").click()
        expect(register.locator(".register-entry", has_text="Leo Adebayo")).to_contain_text(
            "recorded as a concern"
        )

        tab.screenshot(path=str(shots / "today-register.png"), full_page=True, caret="initial")
        mark = RegisterMark.objects.get(placement=maya, date=TODAY.date())
        assert (mark.status, mark.engagement, mark.work_completed, mark.note) == (
            "present",
            4,
            "all",
            "Finished the algebra sheet.",
        )
        assert Entry.objects.filter(kind="concern", students=leo.student).count() == 1
        # The side panels came in from their own apps' URLs.
        expect(tab.locator(".today-layout__side")).to_contain_text("Waiting list")

        checker = axe_context(storage_state=tab.context.storage_state()).new_page()
        for name, path in (
            ("today", reverse("timetables:today")),
            ("plan", reverse("timetables:plan", args=[maya.pk])),
        ):
            checker.goto(base + path)
            axe.check(checker, name)
        checker.context.close()
    tab.console_watch.assert_clean()
    assert not axe.failures, axe.report()
