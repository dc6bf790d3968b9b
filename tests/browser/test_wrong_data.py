"""The real browser on the wrong data found in the room's day (issue 13): Enter in a
register note keeps the mark (with and without script), focus stays put and "Needs
attention" follows each mark, a lesson is marked only once it has started and is locked
in the plan from then, and the placement page, its plan panel and the plan count the
same weeks after a mid-week start and a half-term."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.helpers import sign_in
from tests.factories import StudentFactory
from tests.referrals_helpers import make_placement
from tests.timetable_helpers import give_timetable
from timetables.models import Mode, PlanCell, RegisterMark

pytestmark = pytest.mark.browser
LONDON = ZoneInfo("Europe/London")
DAY = dt.date(2026, 9, 9)  # Wednesday of week 1 of placements starting Mon 7 Sep
NAMES = (
    ("Maya", "Quennell"),
    ("Leo", "Adebayo"),
    ("Ava", "Brook"),
    ("Omar", "Clarke"),
    ("Zoe", "Dunn"),
    ("Kofi", "Evans"),
)


def _moment(day: dt.date, hour: int, minute: int = 0):
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour, minute), LONDON), tick=True)


def _placements(dee, rita, names, *, start=dt.date(2026, 9, 7), room_in=("P1", "P2", "P5")):
    placements = []
    for forename, surname in names:
        student = StudentFactory(legal_forename=forename, legal_surname=surname)
        give_timetable(student)
        placement = make_placement(
            approver=dee, referrer=rita, student=student, start=start, started=True
        )
        PlanCell.objects.filter(placement=placement, date=DAY, period__name__in=room_in).update(
            mode=Mode.ROOM
        )
        placements.append(placement)
    return placements


def _today(base: str, period: str) -> str:
    from enigma.models import Period

    return f"{base}{reverse('timetables:today')}?period={Period.objects.get(name=period).pk}"


def test_enter_in_the_note_keeps_the_absence_with_and_without_script(
    live_server, transactional_db, page, browser, cora, dee, rita
):
    (maya,) = _placements(dee, rita, NAMES[:1])
    base = live_server.url
    with _moment(DAY, 10, 5):  # P2 under way
        sign_in(page, base, cora)
        page.goto(_today(base, "P2"))
        row = page.locator(".register-entry", has_text="Maya Quennell")
        # "The day" shows each mark beside the pupil: the one just made too (out of band).
        day_row = page.locator("#the-day .today-table__row--register")
        expect(day_row.locator(".tag")).to_have_count(0)
        row.get_by_role("button", name="Absent").click()
        expect(row.get_by_role("button", name="Absent")).to_have_attribute("aria-pressed", "true")
        expect(day_row.locator(".tag")).to_have_text("Absent")
        row.get_by_label("Note").fill("Not seen since registration")
        with page.expect_response(lambda r: "/register/" in r.url):
            row.get_by_label("Note").press("Enter")
        expect(row.get_by_label("Note")).to_have_value("Not seen since registration")
        expect(row).to_contain_text("Saved absent")
        expect(row.get_by_role("button", name="Absent")).to_have_attribute("aria-pressed", "true")
        expect(row.get_by_role("button", name="Record as a concern")).to_be_visible()
        expect(row.get_by_label("Note")).to_be_focused()
        mark = RegisterMark.objects.get(placement=maya, date=DAY, period__name="P2")
        assert (mark.status, mark.note) == ("absent", "Not seen since registration")

        # The same by a browser without script: a plain form post and a redirect.
        plain = browser.new_context(
            java_script_enabled=False, storage_state=page.context.storage_state()
        )
        tab = plain.new_page()
        tab.goto(_today(base, "P2"))
        row = tab.locator(".register-entry", has_text="Maya Quennell")
        row.get_by_label("Note").fill("Still not seen at 10:10")
        row.get_by_label("Note").press("Enter")
        tab.wait_for_load_state()
        expect(tab.locator(".register-entry", has_text="Maya Quennell")).to_contain_text(
            "Absent from the room when due"
        )
        plain.close()
    mark.refresh_from_db()
    assert (mark.status, mark.note) == ("absent", "Still not seen at 10:10")
    page.console_watch.assert_clean()


def test_a_register_of_six_by_keyboard_keeps_focus_and_needs_attention_follows(
    live_server, transactional_db, page, cora, dee, rita
):
    placements = _placements(dee, rita, NAMES)
    base = live_server.url
    with _moment(DAY, 10, 5):  # P1 is over and nobody is marked: six "Not marked" alerts
        sign_in(page, base, cora)
        page.goto(_today(base, "P1"))
        alerts = page.locator("#needs-attention")
        expect(alerts.get_by_role("link", name="Take the register")).to_have_count(6)
        rows = page.locator("#register .register-entry")
        expect(rows).to_have_count(6)
        # From the top of the page to the first student's Present, by Tab.
        page.locator("body").focus()
        first = rows.nth(0).get_by_role("button", name="Present")
        to_first = _tabs_until(page, first)
        steps = to_first
        for i in range(6):
            present = rows.nth(i).get_by_role("button", name="Present")
            expect(present).to_be_focused()
            page.keyboard.press("Enter")
            steps += 1
            expect(rows.nth(i)).to_contain_text("Saved present")
            expect(alerts.get_by_role("link", name="Take the register")).to_have_count(5 - i)
            if i < 5:
                # The first alert now leads to the next student, never one just marked.
                name = rows.nth(i + 1).locator(".register-entry__name").inner_text()
                expect(alerts.locator("li").first).to_contain_text(name)
            # Focus never falls to the top of the page: it moves on to the next student
            # not yet marked, and after the last it stays where it was.
            following = rows.nth(min(i + 1, 5)).get_by_role("button", name="Present")
            expect(following).to_be_focused()
        expect(alerts).to_be_empty()
    assert RegisterMark.objects.filter(date=DAY, status="present").count() == 6
    print(
        f"\nRegister of six by keyboard: {steps} key presses "
        f"({to_first} Tabs to the first student, then one Enter each)."
    )
    assert steps == to_first + 6
    assert {p.pk for p in placements} == set(
        RegisterMark.objects.filter(date=DAY).values_list("placement_id", flat=True)
    )
    page.console_watch.assert_clean()


def test_late_and_absent_keep_focus_and_the_arrows_move_in_the_register(
    live_server, transactional_db, page, cora, dee, rita
):
    _placements(dee, rita, NAMES[:2])
    base = live_server.url
    with _moment(DAY, 10, 5):
        sign_in(page, base, cora)
        page.goto(_today(base, "P2"))
        rows = page.locator("#register .register-entry")
        first, second = rows.nth(0), rows.nth(1)
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to the register")
        page.keyboard.press("Tab")
        expect(skip).to_be_focused()
        page.keyboard.press("Enter")
        expect(first.get_by_role("button", name="Present")).to_be_focused()
        # A pupil's marks are one Tab stop; the arrows choose between them.
        page.keyboard.press("ArrowRight")
        expect(first.get_by_role("button", name="Late")).to_be_focused()
        page.keyboard.press("ArrowRight")
        expect(first.get_by_role("button", name="Absent")).to_be_focused()
        page.keyboard.press("Enter")
        expect(first).to_contain_text("Saved absent")
        expect(page.locator("#register-said")).to_contain_text("Saved absent")
        # An absence stays in its row, for the concern or a note.
        expect(first.get_by_role("button", name="Absent")).to_be_focused()
        expect(first.get_by_role("button", name="Record as a concern")).to_be_visible()
        page.keyboard.press("ArrowDown")
        expect(second.get_by_role("button", name="Present")).to_be_focused()
        page.keyboard.press("ArrowUp")
        expect(first.get_by_role("button", name="Absent")).to_be_focused()  # the mark made
        page.keyboard.press("Shift+Tab")
        expect(first.get_by_role("link")).to_be_focused()  # not Late: one stop per pupil
        page.keyboard.press("Tab")
        page.keyboard.press("Home")
        expect(first.get_by_role("button", name="Present")).to_be_focused()
        # A mark changed stays put too, though it is now Present.
        page.keyboard.press("Enter")
        expect(first).to_contain_text("Saved present")
        expect(first.get_by_role("button", name="Present")).to_be_focused()
        expect(first.get_by_role("button", name="Present")).to_have_attribute(
            "aria-pressed", "true"
        )
        # "Needs attention" leads to a pupil not marked in P1: the page opens on their marks.
        link = page.locator("#needs-attention").get_by_role("link", name="Take the register")
        row = link.first.get_attribute("href").rsplit("#", 1)[1]
        link.first.focus()
        page.keyboard.press("Enter")
        expect(page.locator("#register-heading")).to_contain_text("Register: P1")
        expect(page.locator(f"#{row}").get_by_role("button", name="Present")).to_be_focused()
    statuses = dict(
        RegisterMark.objects.filter(date=DAY).values_list(
            "placement__student__legal_forename", "status"
        )
    )
    assert list(statuses.values()) == ["present"]
    page.console_watch.assert_clean()


def _tabs_until(page, target, most: int = 80) -> int:
    for n in range(1, most + 1):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return n
    raise AssertionError(f"{target} not reached in {most} Tabs")


def test_a_later_lesson_cannot_be_marked_and_a_started_one_is_locked_in_the_plan(
    live_server, transactional_db, page, cora, dee, rita
):
    (maya,) = _placements(dee, rita, NAMES[:1])
    base = live_server.url
    with _moment(DAY, 13, 19):
        sign_in(page, base, cora)
        page.goto(_today(base, "P5"))
        register = page.locator("#register")
        expect(register).to_contain_text("The register opens when P5 starts at 14:00.")
        expect(register.get_by_role("button", name="Present")).to_have_count(0)
        expect(register).to_contain_text("Not marked")

        page.goto(base + reverse("timetables:plan", args=[maya.pk]))
        started = maya.plan_cells.get(date=DAY, period__name="P4")  # 12:10, under way
        later = maya.plan_cells.get(date=DAY, period__name="P5")
        expect(page.locator(f"#cell-{started.pk}")).to_contain_text("Locked")
        expect(page.locator(f"#cell-button-{started.pk}")).to_have_count(0)
        page.locator(f"#cell-button-{later.pk}").focus()
        page.keyboard.press("Enter")
        expect(page.locator(f"#cell-{later.pk}")).to_contain_text("Room: 1:1")
    assert not RegisterMark.objects.filter(placement=maya).exists()
    assert PlanCell.objects.get(pk=started.pk).mode == started.mode
    page.console_watch.assert_clean()


def test_the_placement_page_its_panel_and_the_plan_count_the_same_weeks(
    live_server, transactional_db, page, cora, dee, rita
):
    # A Wednesday start before half-term (26-30 Oct): 30 school days to Tue 1 Dec.
    (placement,) = _placements(dee, rita, NAMES[:1], start=dt.date(2026, 10, 14), room_in=())
    base = live_server.url
    with _moment(dt.date(2026, 11, 2), 10):  # back from half-term: the 9th school day
        sign_in(page, base, cora)
        page.goto(base + reverse("referrals:placement_detail", args=[placement.pk]))
        expect(page.locator(".lede")).to_contain_text("Now in week 2 of 6")
        expect(page.get_by_text("This week (week 2)")).to_be_visible()
        expect(page.get_by_text("Next step (week 3, from Wed 4 Nov 2026)")).to_be_visible()
        page.goto(base + reverse("timetables:plan", args=[placement.pk]))
        headings = page.locator(".plan-week h2")
        expect(headings).to_have_count(6)
        expect(headings.first).to_have_text("Week 1: Wed 14 Oct 2026 to Tue 20 Oct 2026")
        expect(headings.last).to_have_text("Week 6: Wed 25 Nov 2026 to Tue 1 Dec 2026")
    page.console_watch.assert_clean()
