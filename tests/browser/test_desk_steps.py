"""Steps at the desk, measured in a real browser (issue 13's note): the coordinator takes
the register for a lesson of six pupils by keyboard alone, and a class teacher sets a
week's work for a student in one form. Each test does the job and prints its count."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from enigma.models import SchoolSettings
from tests.browser.helpers import sign_in
from tests.factories import PeriodFactory, StudentFactory
from tests.referrals_helpers import make_placement
from tests.timetable_helpers import give_timetable
from timetables.models import Mode, PlanCell, RegisterMark, WorkRequest

pytestmark = pytest.mark.browser
LONDON = ZoneInfo("Europe/London")
TODAY = dt.datetime(2026, 9, 9, 10, 5, tzinfo=LONDON)  # Wednesday of week 1, during P2
NAMES = ["Ada", "Ben", "Cai", "Dev", "Eve", "Fin"]


def test_register_for_a_lesson_of_six_pupils_by_keyboard(
    live_server, transactional_db, page, cora, dee, rita
):
    SchoolSettings.load()
    SchoolSettings.objects.update(capacity=8)
    placements = []
    for name in NAMES:
        student = StudentFactory(legal_forename=name, legal_surname="Keys")
        give_timetable(student)
        placements.append(
            make_placement(approver=dee, referrer=rita, student=student, started=True)
        )
    cells = PlanCell.objects.filter(placement__in=placements, date=TODAY.date(), period__name="P2")
    assert cells.update(mode=Mode.ROOM) == 6
    base = live_server.url
    keys = 0
    with time_machine.travel(TODAY, tick=True):
        sign_in(page, base, cora)
        page.goto(base + reverse("timetables:today"))
        register = page.locator("#register")
        expect(register.get_by_role("heading", level=2)).to_contain_text("Register: P2")
        expect(register.locator("#register-keys")).to_be_visible()  # the hint, once scripted
        said = register.get_by_role("status")
        for n, cell in enumerate(cells.order_by("placement__student__legal_forename")):
            target = f"status-{cell.pk}-present"
            for _ in range(400):  # Tab on (taking a skip link to the register on the way)
                focused = page.evaluate(
                    "[document.activeElement.id, document.activeElement.hasAttribute("
                    "'data-register-skip')]"
                )
                if focused[0] == target:
                    break
                page.keyboard.press("Enter" if focused[1] else "Tab")
                keys += 1
            else:
                raise AssertionError(f"Tab never reached {target}")
            page.keyboard.press("Enter")
            keys += 1
            expect(page.locator(f"#register-{cell.pk}")).to_contain_text("Saved present")
            # Said aloud, with who is next; and only then has focus moved on.
            following = NAMES[n + 1] + " Keys." if n < 5 else "Everyone in this lesson"
            expect(said).to_contain_text(f"{NAMES[n]} Keys: Saved present at")
            expect(said).to_contain_text(following)
        expect(page.locator(f"#status-{cell.pk}-present")).to_be_focused()
    assert RegisterMark.objects.filter(status="present").count() == 6
    print(f"\nSTEPS register of six by keyboard: {keys} key presses")
    # Tab, Tab ("Skip to the register"), Enter, then one Enter per pupil. It took 73
    # when every pupil's Present was reached by Tab.
    assert keys <= 15
    page.console_watch.assert_clean()


def test_set_work_for_a_week_in_one_form(live_server, transactional_db, page, tom, dee, rita):
    placement = make_placement(approver=dee, referrer=rita, started=True)
    period = PeriodFactory(name="P1", starts_at=dt.time(9), ends_at=dt.time(10))
    week = [dt.date(2026, 9, 14) + dt.timedelta(days=n) for n in range(5)]  # Mon to Fri
    works = []
    for day in week:
        PlanCell.objects.create(
            placement=placement,
            date=day,
            period=period,
            mode=Mode.ROOM,
            subject="Maths",
            class_code="9X/Ma1",
            teacher=tom,
        )
        works.append(
            WorkRequest.objects.create(
                placement=placement,
                date=day,
                period=period,
                subject="Maths",
                class_code="9X/Ma1",
                teacher=tom,
            )
        )
    base = live_server.url
    actions = 0
    with time_machine.travel(dt.datetime(2026, 9, 10, 16, 0, tzinfo=LONDON), tick=True):
        sign_in(page, base, tom)  # My students is a class teacher's home page
        expect(page.get_by_role("heading", level=1)).to_have_text("My students")
        for work in works:
            page.locator(f"#choose-{work.pk}").check()
            actions += 1
        form = page.locator("#set-many")
        form.get_by_label("The work").fill("Fractions, sheets 1 to 5: one a day.")
        actions += 1
        form.get_by_role("button", name="Set the work for the ticked lessons").click()
        actions += 1
        expect(page.locator(".messages")).to_contain_text("Work set for 5 lessons")
    assert WorkRequest.objects.filter(status="set").count() == 5
    print(f"\nSTEPS set work for a week: {actions} actions after sign-in (5 ticks, type, send)")
    page.console_watch.assert_clean()
