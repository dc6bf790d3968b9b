"""The whole placement journey in a real browser, one person at a time, each in their own
browser context and signed in through the real sign-in page (password, then TOTP):

1. Rita (referrer) refers a student she teaches: an early submit names what is missing
   next to the field without losing a word; the complete referral waits for a decision.
2. Dee (deputy head) approves it from Approvals with a start date.
3. Cora (coordinator) starts the placement on its start date and takes the entry
   measures; on the exit day she holds the exit review (once with mistakes first).
4. Sam (SENCO) signs off the exit review from his Reviews page.
5. Cora records the exit: the placement is completed and its follow-up checks planned.

The placement is one school week long (SchoolSettings), so its only review is the exit
review. The school's "today" is fixed with time-machine (tick=True), which the live
server's thread shares, and moved on between the steps. Then the database must agree:
every move logged with who made it, the events in the student's chronology, and the
chronology's hash chain intact. No CSP violations, script errors or console errors, and
no serious axe findings on the referral form, decision, review, sign-off and exit pages.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from enigma.models import SchoolSettings
from records.models import Entry
from referrals.models import Placement, PlacementTransition, Referral, ReferralTransition
from tests.browser.conftest import SCREENSHOT_DIR, ConsoleWatch
from tests.browser.helpers import sign_in
from tests.factories import LinkFactory, StudentFactory, TermFactory

pytestmark = pytest.mark.browser

LONDON = ZoneInfo("Europe/London")
REFERRED_ON = dt.datetime(2026, 9, 2, 10, 0, tzinfo=LONDON)  # Wed, the first day of term
DECIDED_ON = dt.datetime(2026, 9, 3, 11, 0, tzinfo=LONDON)  # Thu
START = dt.date(2026, 9, 7)  # Mon
STARTED_ON = dt.datetime(2026, 9, 7, 8, 45, tzinfo=LONDON)
EXIT = dt.date(2026, 9, 11)  # Fri: five school days, counting the start
EXIT_DAY = dt.datetime(2026, 9, 11, 14, 0, tzinfo=LONDON)

REASONS = "Walks out of most lessons after break.\nSays the classrooms are too loud."
SUPPORT_WHAT = "Weekly mentoring with Mr Ali"
SUPPORT_OUTCOME = "Calmer on mentoring days; still leaves lessons."
PARENT_VIEW = "His dad would like him back in all his lessons by half-term."
STUDENT_VIEW = "Maths is fine; it is the noise in the corridors."
TARGET_LEARNING = "Stays in a whole maths lesson twice a week"
TARGET_SOCIAL = "Eats lunch in the canteen with a friend"
DECISION_NOTE = "Agreed at the inclusion panel."
REVIEW_STUDENT_VIEW = "The room helped. I can go back to maths now."
NEXT_STEP = "Back in all lessons from Monday, with a check-in at break for two weeks."
SIGN_OFF_NOTE = "Agreed. Tutor to keep the break check-in going."
EXIT_SUMMARY = "Back in all his lessons. Sitting near the door helps; a break check-in."

EDIT_URL = re.compile(r"/referrals/(\d+)/edit/$")


@pytest.fixture
def open_browser(browser):
    """open_browser(): a page in a new browser context (a person's own browser, so no
    session is shared), watched for console messages, CSP violations and page errors."""
    contexts, watches = [], []

    def new():
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.console_watch = ConsoleWatch()
        page.console_watch.watch(page)
        watches.append(page.console_watch)
        return page

    new.watches = watches
    yield new
    for context in contexts:
        context.close()


def field(page, control_id: str):
    """The .field wrapper (label, hint, error, control) around one form control."""
    return page.locator(".field", has=page.locator(f"#{control_id}"))


def is_autosave(response, **expected: str) -> bool:
    """An autosave of the referral form (htmx) whose posted fields include `expected`."""
    request = response.request
    if request.method != "POST" or request.headers.get("enigma-autosave") != "1":
        return False
    posted = parse_qs(request.post_data or "", keep_blank_values=True)
    return all(posted.get(name) == [value] for name, value in expected.items())


def test_the_whole_placement_journey(
    live_server, transactional_db, open_browser, axe_context, axe, rita, dee, cora, sam
):
    TermFactory()  # Autumn 2026
    SchoolSettings.load()
    SchoolSettings.objects.update(placement_weeks=1, review_interval_days=5)
    student = StudentFactory(legal_forename="Jonah", legal_surname="Pike", tutor_group="9P")
    LinkFactory(student=student, staff=rita, relationship="class_teacher")
    base = live_server.url
    shots = Path(SCREENSHOT_DIR)
    shots.mkdir(parents=True, exist_ok=True)

    def shot(page, name: str) -> None:
        page.screenshot(path=str(shots / f"journey-{name}.png"), full_page=True)

    def scan(page, path: str, name: str, *, submit: str = ""):
        """axe on `path` in a context that lets axe's script in, signed in as the same
        person as `page`; with `submit`, once more after pressing that button empty."""
        checker = axe_context(storage_state=page.context.storage_state()).new_page()
        checker.goto(base + path)
        axe.check(checker, name)
        if submit:
            checker.get_by_role("button", name=submit, exact=True).click()
            expect(checker.locator(".error-summary")).to_be_visible()
            axe.check(checker, f"{name} with errors")
        checker.context.close()

    with time_machine.travel(REFERRED_ON, tick=True) as clock:
        # --- 1. Rita refers the student ----------------------------------------------------
        referrer = open_browser()
        sign_in(referrer, base, rita)
        expect(referrer.get_by_role("heading", level=1)).to_have_text("My referrals")
        referrer.get_by_role("link", name="Refer a student").click()
        expect(referrer.get_by_role("heading", level=1)).to_have_text("Refer a student")
        referrer.get_by_role("button", name=f"Refer {student.name}").click()
        referrer.wait_for_url(EDIT_URL)
        referral = Referral.objects.get(student=student)
        edit_path = reverse("referrals:referral_edit", args=[referral.pk])
        expect(referrer.get_by_role("heading", level=1)).to_have_text(f"Referral: {student.name}")
        expect(referrer.locator(".messages")).to_contain_text("started as a draft")

        referrer.get_by_label("Reasons for the referral").fill(REASONS)
        referrer.get_by_label("Inclusion support").check()
        referrer.get_by_label("Social, emotional and mental health").check()
        support = referrer.get_by_role("group", name="Support 1")
        support.get_by_label("Team").select_option(label="Pastoral team")
        support.get_by_label("What was done").fill(SUPPORT_WHAT)
        support.get_by_label("Since").fill("2026-06-01")
        support.get_by_label("What came of it").fill(SUPPORT_OUTCOME)
        consulted = referrer.get_by_role("group", name="Have parents or carers been consulted?")
        consulted.get_by_label("Yes").check()
        referrer.get_by_label("Their view").fill(PARENT_VIEW)
        consent = referrer.get_by_role("group", name="Have they given consent to the placement?")
        consent.get_by_label("Yes").check()
        referrer.get_by_label("Date consent was given").fill("2026-09-01")
        referrer.get_by_label("How", exact=True).select_option(label="Meeting")
        referrer.get_by_label("Given by").fill("Mr Pike, father")
        learning = referrer.get_by_role("group", name="Target 3")
        expect(learning.get_by_label("Area")).to_have_value("learning")
        learning.get_by_label("Target").fill(TARGET_LEARNING)
        social = referrer.get_by_role("group", name="Target 2")
        expect(social.get_by_label("Area")).to_have_value("social")
        social.get_by_label("Target").fill(TARGET_SOCIAL)
        # The form saves itself as it changes (htmx); wait for a save holding the last
        # answer, so no earlier half-typed save can land after the submit.
        with referrer.expect_response(lambda r: is_autosave(r, proposed_start=START.isoformat())):
            referrer.get_by_label("Proposed start", exact=True).fill(START.isoformat())
        expect(referrer.locator("#autosave-status")).to_contain_text("Saved at")

        # Submitting without the student's view names it, at the field; nothing is lost.
        referrer.get_by_role("button", name="Submit for a decision").click()
        summary = referrer.locator(".error-summary")
        expect(summary).to_be_visible()
        expect(summary).to_be_focused()
        expect(summary).to_contain_text("A few things are needed before a decision")
        expect(summary.get_by_role("link")).to_have_text(
            [re.compile(r"^The student’s own view: Give Jonah’s own view")]
        )
        expect(field(referrer, "id_student_view").locator(".field__error")).to_contain_text(
            "Give Jonah’s own view, in their words where you can."
        )
        expect(referrer.get_by_label("Reasons for the referral")).to_have_value(REASONS)
        expect(support.get_by_label("What was done")).to_have_value(SUPPORT_WHAT)
        expect(referrer.get_by_label("Their view")).to_have_value(PARENT_VIEW)
        expect(learning.get_by_label("Target")).to_have_value(TARGET_LEARNING)
        expect(referrer.get_by_label("Proposed start", exact=True)).to_have_value(START.isoformat())
        shot(referrer, "01-referral-missing")
        referral.refresh_from_db()
        assert referral.status == Referral.Status.DRAFT
        scan(referrer, edit_path, "referral form", submit="Submit for a decision")

        # The summary's link leads to the question; answer it, then send.
        summary.get_by_role("link").click()
        view = referrer.get_by_label("The student’s own view")
        view.fill(STUDENT_VIEW)
        with referrer.expect_response(lambda r: is_autosave(r, student_view=STUDENT_VIEW)):
            view.press("Tab")  # leaving the field saves it
        referrer.get_by_role("button", name="Submit for a decision").click()
        # (The form posts to its own URL, so the #fragment from the link stays on.)
        referrer.wait_for_url(re.compile(rf"/referrals/{referral.pk}/(#.*)?$"))
        expect(referrer.locator(".messages")).to_have_text(
            f"The referral of {student.name} has been sent for a decision. "
            "You will see the decision here."
        )
        expect(referrer.locator(".lede .tag")).to_have_text("Waiting for a decision")
        referrer.locator(".breadcrumbs").get_by_role("link", name="My referrals").click()
        row = referrer.get_by_role("row", name=re.compile(student.name))
        expect(row).to_contain_text("Waiting for a decision")
        expect(row).to_contain_text("Wed 2 Sep 2026")
        shot(referrer, "02-my-referrals")

        # --- 2. Dee approves it, the next day ------------------------------------------
        clock.move_to(DECIDED_ON)
        deputy = open_browser()
        sign_in(deputy, base, dee)
        expect(deputy.get_by_role("heading", level=1)).to_have_text("Approvals")
        card = deputy.locator("article.referral-card", has_text=student.name)
        expect(card).to_contain_text(REASONS.splitlines()[0])
        expect(card).to_contain_text(SUPPORT_WHAT)
        expect(card).to_contain_text(TARGET_LEARNING)
        shot(deputy, "03-approvals")
        card.get_by_role("link", name=f"Decide on {student.name}'s referral").click()
        decide_path = reverse("referrals:referral_decide", args=[referral.pk])
        deputy.wait_for_url(base + decide_path)
        expect(deputy.get_by_role("heading", level=1)).to_have_text(f"Referral of {student.name}")
        expect(deputy.locator("#parents-heading + dl")).to_contain_text(
            "Given on Tue 1 Sep 2026 by Mr Pike, father (meeting)"
        )
        approve = deputy.get_by_role("region", name="Approve")
        expect(approve.get_by_label("Start date")).to_have_value(START.isoformat())
        shot(deputy, "04-decision")
        scan(deputy, decide_path, "decision page")
        approve.get_by_label("Note").fill(DECISION_NOTE)
        approve.get_by_role("button", name="Approve", exact=True).focus()
        deputy.keyboard.press("Enter")
        deputy.wait_for_url(base + reverse("referrals:approvals"))
        expect(deputy.locator(".messages")).to_have_text(
            f"Approved: {student.name} starts Mon 7 Sep, exit Fri 11 Sep."
        )
        expect(deputy.locator("#pending-heading + p")).to_have_text(
            "No referrals are waiting for a decision."
        )
        shot(deputy, "05-approved")
        placement = Placement.objects.get(referral=referral)
        detail_path = reverse("referrals:placement_detail", args=[placement.pk])

        # --- 3. Cora starts it on Monday and takes the entry measures -------------------
        clock.move_to(STARTED_ON)
        coordinator = open_browser()
        sign_in(coordinator, base, cora)
        expect(coordinator.get_by_role("heading", level=1)).to_have_text("Today, Mon 7 Sep 2026")
        coordinator.get_by_role("link", name="Placements", exact=True).click()
        expect(coordinator.get_by_role("heading", level=1)).to_have_text("Placements")
        scheduled = coordinator.get_by_role("table", name="Placements with a start date")
        expect(scheduled).to_contain_text("Ready to start")
        expect(scheduled).to_contain_text("Fri 11 Sep 2026")
        shot(coordinator, "06-board-scheduled")
        scheduled.get_by_role("link", name=student.name).click()
        coordinator.wait_for_url(base + detail_path)
        expect(coordinator.locator("h1 .tag")).to_have_text("Scheduled")
        reviews = coordinator.get_by_role("table", name=re.compile("^Reviews: when each is due"))
        expect(reviews.locator("tbody tr")).to_have_count(1)  # one week: the exit review only
        expect(reviews.locator("tbody tr")).to_contain_text("Exit review 1")
        coordinator.get_by_role("button", name="Start the placement").click()
        expect(coordinator.locator(".messages")).to_have_text(
            f"The placement of {student.name} has started."
        )
        expect(coordinator.locator("h1 .tag")).to_have_text("Active")
        coordinator.get_by_role("link", name="Take the entry measures").click()
        expect(coordinator.get_by_role("heading", level=1)).to_have_text(
            f"Entry measures: {student.name}"
        )
        coordinator.get_by_label("Wellbeing self-rating").fill("4")
        coordinator.get_by_label("Lessons attended in class a week").fill("12")
        coordinator.get_by_role("button", name="Save the entry measures").click()
        coordinator.wait_for_url(base + detail_path)
        expect(coordinator.locator(".messages")).to_have_text("Entry measures saved.")
        measures = coordinator.get_by_role("table", name="Entry and exit measures side by side")
        expect(measures.get_by_role("row", name=re.compile("^Wellbeing"))).to_contain_text("4")
        expect(coordinator.get_by_role("link", name="Hold exit review 1")).to_be_visible()
        shot(coordinator, "07-started")

        # --- ... and on Friday, the exit day, holds the exit review --------------------
        clock.move_to(EXIT_DAY)
        sign_in(coordinator, base, cora)  # a new day: her Monday session has long expired
        # Today's side panel lists the exit; the board has the review.
        expect(coordinator.locator(".today-layout__side")).to_contain_text("Exits this week")
        coordinator.get_by_role("link", name="Placements", exact=True).click()
        active = coordinator.get_by_role("table", name="Active placements, soonest exit first")
        expect(active).to_contain_text("Exit review 1, Fri 11 Sep 2026")
        expect(coordinator.locator("#exits-heading + ul")).to_contain_text(student.name)
        active.get_by_role("link", name=student.name).click()
        coordinator.wait_for_url(base + detail_path)
        coordinator.get_by_role("link", name="Hold exit review 1").click()
        review = placement.reviews.get()
        review_path = reverse("referrals:review_hold", args=[review.pk])
        coordinator.wait_for_url(base + review_path)
        expect(coordinator.get_by_role("heading", level=1)).to_have_text(
            f"Exit review 1: {student.name}"
        )
        expect(coordinator.locator(".notice")).to_have_count(0)  # not too early
        scan(coordinator, review_path, "review form", submit="Save the review")
        # Who was there is folded away (you are recorded as present): open it to add more.
        coordinator.get_by_text("Who was there", exact=False).first.click()
        coordinator.get_by_label("The student was present").check()
        coordinator.get_by_label("The student's view").fill(REVIEW_STUDENT_VIEW)
        coordinator.get_by_role("button", name="Save the review").click()
        expect(coordinator.locator(".error-summary")).to_be_visible()
        expect(coordinator.locator("#id_engagement .field__error")).to_have_text(
            "Error: Choose how the student engaged in the room."
        )
        expect(field(coordinator, "id_next_step").locator(".field__error")).to_have_text(
            "Error: Write the next reintegration step agreed at the review."
        )
        expect(coordinator.get_by_label("The student's view")).to_have_value(REVIEW_STUDENT_VIEW)
        expect(coordinator.get_by_label("The student was present")).to_be_checked()
        shot(coordinator, "08-review-missing")

        coordinator.get_by_role("group", name=TARGET_LEARNING, exact=True).get_by_label(
            "Met"
        ).check()
        coordinator.get_by_role("group", name=TARGET_SOCIAL, exact=True).get_by_label(
            "Good progress"
        ).check()
        engagement = coordinator.get_by_role("group", name="Engagement in the room")
        engagement.get_by_label("Strong").focus()
        coordinator.keyboard.press("ArrowRight")  # radios by keyboard: Strong -> Good
        expect(engagement.get_by_label("Good")).to_be_checked()
        coordinator.get_by_label("Agreed next reintegration step").fill(NEXT_STEP)
        coordinator.get_by_role("button", name="Save the review").click()
        coordinator.wait_for_url(base + detail_path)
        expect(coordinator.locator(".messages")).to_have_text(
            "Exit review 1 is recorded. It now waits for the SENCO's sign-off."
        )
        expect(reviews).to_contain_text("Awaiting sign-off")
        shot(coordinator, "09-review-held")

        # --- 4. Sam signs off the exit review ------------------------------------------
        senco = open_browser()
        sign_in(senco, base, sam)
        expect(senco.get_by_role("heading", level=1)).to_have_text("Reviews")
        waiting = senco.get_by_role("table", name=re.compile("waiting for the SENCO's sign-off"))
        expect(waiting.get_by_role("row", name=re.compile(student.name))).to_contain_text(
            "Exit review 1"
        )
        shot(senco, "10-reviews")
        waiting.get_by_role("link", name="Read and sign off").click()
        sign_off_path = reverse("referrals:review_sign_off", args=[review.pk])
        senco.wait_for_url(base + sign_off_path)
        expect(senco.get_by_role("heading", level=1)).to_have_text(
            f"Sign off exit review 1: {student.name}"
        )
        record = senco.get_by_role("region", name="What the review recorded")
        expect(record).to_contain_text(NEXT_STEP)
        expect(record).to_contain_text(f"{TARGET_LEARNING}: met")
        scan(senco, sign_off_path, "sign-off page")
        shot(senco, "11-sign-off")
        senco.get_by_label("Note").fill(SIGN_OFF_NOTE)
        senco.get_by_role("button", name="Sign off the review").click()
        senco.wait_for_url(base + detail_path)
        expect(senco.locator(".messages")).to_have_text("Exit review 1 signed off.")

        # --- 5. Cora records the exit ----------------------------------------------------
        coordinator.reload()
        expect(reviews).to_contain_text("Signed off")
        coordinator.get_by_role("link", name="Record the exit").click()
        complete_path = reverse("referrals:placement_complete", args=[placement.pk])
        coordinator.wait_for_url(base + complete_path)
        expect(coordinator.get_by_role("heading", level=1)).to_have_text(
            f"Record the exit: {student.name}"
        )
        # The exit review is done; the page reminds her of the exit measures.
        expect(coordinator.locator(".notice")).to_have_count(1)
        coordinator.locator(".notice").get_by_role("link", name="Take the exit measures").click()
        coordinator.get_by_label("Wellbeing self-rating").fill("7")
        coordinator.get_by_label("Lessons attended in class a week").fill("25")
        coordinator.get_by_role("button", name="Save the exit measures").click()
        coordinator.wait_for_url(base + detail_path)
        expect(measures.get_by_role("row", name=re.compile("^Wellbeing"))).to_contain_text("7")
        coordinator.get_by_role("link", name="Record the exit").click()
        coordinator.wait_for_url(base + complete_path)
        expect(coordinator.locator(".notice")).to_have_count(0)
        expect(coordinator.get_by_label("Last day of the placement")).to_have_value(
            EXIT.isoformat()
        )
        scan(coordinator, complete_path, "exit form", submit="Complete the placement")
        coordinator.get_by_role("group", name="Outcome").get_by_label(
            "Fully back in lessons"
        ).check()
        coordinator.get_by_label("Summary for class teachers").fill(EXIT_SUMMARY)
        shot(coordinator, "12-exit-form")
        coordinator.get_by_role("button", name="Complete the placement").click()
        coordinator.wait_for_url(base + detail_path)
        expect(coordinator.locator(".messages")).to_have_text(
            "The placement is complete. Follow-up checks are planned, and any place freed "
            "has been offered to the waiting list."
        )
        expect(coordinator.locator("h1 .tag")).to_have_text("Completed")
        exit_card = coordinator.get_by_role("region", name="Exit", exact=True)
        expect(exit_card).to_contain_text("Fully back in lessons")
        expect(exit_card).to_contain_text(EXIT_SUMMARY)
        checks = coordinator.get_by_role("table", name=re.compile("^Checks after the exit"))
        expect(checks.locator("tbody tr")).to_have_text(
            [
                re.compile(r"2 school weeks after the exit\s*Fri 25 Sep 2026\s*Not yet due"),
                re.compile(r"6 school weeks after the exit\s*Fri 23 Oct 2026\s*Not yet due"),
            ]
        )
        shot(coordinator, "13-completed")

    # --- The database agrees ----------------------------------------------------------------
    referral.refresh_from_db()
    placement.refresh_from_db()
    assert (referral.status, referral.decided_by, referral.decision_reason) == (
        Referral.Status.APPROVED,
        dee,
        DECISION_NOTE,
    )
    assert referral.prior_support.get().outcome == SUPPORT_OUTCOME
    assert set(referral.proposed_targets.values_list("area", "description")) == {
        ("learning", TARGET_LEARNING),
        ("social", TARGET_SOCIAL),
    }
    assert (placement.state, placement.outcome, placement.exit_summary) == (
        Placement.State.COMPLETED,
        Placement.Outcome.FULL,
        EXIT_SUMMARY,
    )
    assert (placement.start_date, placement.planned_exit, placement.actual_exit) == (
        START,
        EXIT,
        EXIT,
    )
    review.refresh_from_db()
    assert (review.held_on, review.held_by, review.engagement) == (EXIT, cora, "good")
    assert (review.signed_off_by, review.sign_off_note) == (sam, SIGN_OFF_NOTE)
    assert sorted(review.ratings.values_list("target__description", "rating")) == [
        (TARGET_SOCIAL, "good"),
        (TARGET_LEARNING, "met"),
    ]
    assert dict(placement.measures.values_list("stage", "wellbeing")) == {"entry": 4, "exit": 7}
    assert list(placement.follow_ups.order_by("weeks_after").values_list("due_on", flat=True)) == [
        dt.date(2026, 9, 25),
        dt.date(2026, 10, 23),
    ]
    assert list(
        ReferralTransition.objects.filter(referral=referral).values_list(
            "from_status", "to_status", "by"
        )
    ) == [
        ("", "draft", rita.pk),
        ("draft", "submitted", rita.pk),
        ("submitted", "approved", dee.pk),
    ]
    assert list(
        PlacementTransition.objects.filter(placement=placement).values_list(
            "from_state", "to_state", "by"
        )
    ) == [
        ("", "scheduled", dee.pk),
        ("scheduled", "active", cora.pk),
        ("active", "completed", cora.pk),
    ]
    events = list(
        Entry.objects.filter(students=student, kind=Entry.Kind.EVENT)
        .order_by("occurred_at", "id")
        .values_list("event_code", "author")
    )
    assert events == [
        ("referral.submitted", rita.pk),
        ("referral.approved", dee.pk),
        ("placement.scheduled", dee.pk),
        ("placement.active", cora.pk),
        ("placement.measures_entry", cora.pk),
        ("placement.review_held", cora.pk),
        ("placement.review_signed_off", sam.pk),
        ("placement.measures_exit", cora.pk),
        ("placement.completed", cora.pk),
    ]
    call_command("verify_chronology", stdout=io.StringIO())  # CommandError if broken

    # --- No CSP violations, script errors or console errors; no serious axe findings --------
    for watch in open_browser.watches:
        watch.assert_clean()
        errors = [m for m in watch.messages if m.startswith("[error]")]
        assert not errors, "Console errors:\n  " + "\n  ".join(errors)
    report = axe.report()
    if report:
        print(report)
    assert not axe.failures, "axe-core found serious or critical problems:\n" + report
