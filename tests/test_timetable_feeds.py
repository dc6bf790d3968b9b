"""The student's printable week and the calendar feed of a placement's plan: the page and
its non-school days, who may print it, the .ics feed (its events, times across the
October clocks change, no student name, 404 for unknown and revoked addresses), and
making and revoking calendar links."""

from __future__ import annotations

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from icalendar import Calendar

from enigma import registry
from enigma.models import AuditEvent, NonSchoolDay, Period
from referrals.models import Placement
from tests.factories import LinkFactory, NonSchoolDayFactory, PeriodFactory, UserFactory
from tests.referrals_helpers import D, at, make_placement
from timetables.models import CalendarFeed, Mode, PlanCell
from timetables.services import feeds

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
START = D(2026, 10, 12)  # a Monday; the clocks go back on Sunday 25 October (half-term)


@pytest.fixture
def periods():
    return {
        "reg": PeriodFactory(
            name="Registration",
            kind=Period.Kind.REGISTRATION,
            starts_at=dt.time(8, 40),
            ends_at=dt.time(9, 0),
        ),
        "p1": PeriodFactory(name="P1", starts_at=dt.time(9, 0), ends_at=dt.time(10, 0)),
        "break": PeriodFactory(
            name="Break", kind=Period.Kind.BREAK, starts_at=dt.time(10, 0), ends_at=dt.time(10, 20)
        ),
        "p2": PeriodFactory(name="P2", starts_at=dt.time(10, 20), ends_at=dt.time(11, 20)),
    }


@pytest.fixture
def placement(dee, rita):
    placement = make_placement(approver=dee, referrer=rita, start=START)
    assert not placement.plan_cells.exists()  # the student has no lessons to plan from
    return placement


@pytest.fixture
def jones():
    return UserFactory(title="Mr", last_name="Jones", display_name="Mr Jones")


def cell(placement, day, period, mode, subject="Maths", **kwargs) -> PlanCell:
    return PlanCell.objects.create(
        placement=placement, date=day, period=period, mode=mode, subject=subject, **kwargs
    )


@pytest.fixture
def plan(placement, periods, jones):
    """Before the clocks change: Maths in class and English in the room on Fri 23 Oct;
    after: a 1:1 on Mon 2 Nov."""
    return [
        cell(
            placement,
            D(2026, 10, 23),
            periods["p1"],
            Mode.CLASS,
            class_code="9X/Ma1",
            room="M4",
            teacher=jones,
        ),
        cell(placement, D(2026, 10, 23), periods["p2"], Mode.ROOM, "English", teacher=jones),
        cell(placement, D(2026, 11, 2), periods["p1"], Mode.ONE_TO_ONE, "Science"),
    ]


def make_feed(placement, by, label="Parent's phone") -> str:
    return feeds.feed_make(placement=placement, label=label, by=by).token


def feed_url(token: str) -> str:
    return reverse("timetables:feed", kwargs={"token": token})


def print_url(placement, week: str | None = None) -> str:
    url = reverse("timetables:print_week", kwargs={"placement_pk": placement.pk})
    return f"{url}?week={week}" if week else url


# --- the .ics feed --------------------------------------------------------------------


def test_the_feed_has_one_event_per_lesson_of_the_plan(placement, plan, cora):
    token = make_feed(placement, cora)
    response = Client().get(feed_url(token))  # a calendar app: no cookies
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"].startswith("noindex")
    calendar = Calendar.from_ical(response.content)
    events = calendar.events
    assert len(events) == len(plan) == 3
    by_uid = {str(e["UID"]): e for e in events}
    assert set(by_uid) == {f"plan-{c.pk}@testserver" for c in plan}
    maths, english, science = (by_uid[f"plan-{c.pk}@testserver"] for c in plan)
    assert str(maths["SUMMARY"]) == "Maths (in class)"
    assert str(maths["LOCATION"]) == "M4"
    assert "Mr Jones" in str(maths["DESCRIPTION"]) and "9X/Ma1" in str(maths["DESCRIPTION"])
    assert str(english["SUMMARY"]) == "In the Enigma room: English work"
    assert str(english["LOCATION"]) == "Enigma room"
    assert str(english["DESCRIPTION"]) == "Work set by Mr Jones"
    assert str(science["SUMMARY"]) == "In the Enigma room: 1:1"
    assert all("DTSTAMP" in e for e in events)
    assert str(calendar["X-WR-CALNAME"]) == "Timetable – Our school"


def test_feed_times_are_in_london_across_the_october_clocks_change(placement, plan, cora):
    body = Client().get(feed_url(make_feed(placement, cora))).content
    assert b"DTSTART;TZID=Europe/London:20261023T090000" in body
    assert b"DTSTART;TZID=Europe/London:20261102T090000" in body
    calendar = Calendar.from_ical(body)
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/London"]
    assert calendar.get_missing_tzids() == set()
    starts = {str(e["SUMMARY"]): e.start for e in calendar.events}
    before, after = starts["Maths (in class)"], starts["In the Enigma room: 1:1"]
    # 9 o'clock school time both days: 08:00 UTC in summer time, 09:00 UTC after.
    assert before.astimezone(dt.UTC).hour == 8 and after.astimezone(dt.UTC).hour == 9
    assert before.utcoffset() == dt.timedelta(hours=1)
    assert after.utcoffset() == dt.timedelta(0)
    english = next(e for e in calendar.events if "English" in str(e["SUMMARY"]))
    assert english.end - english.start == dt.timedelta(hours=1)


def test_the_feed_never_names_the_student(placement, plan, cora):
    student = placement.student
    body = Client().get(feed_url(make_feed(placement, cora))).content.decode().lower()
    for word in {
        student.forename,
        student.surname,
        student.legal_forename,
        student.legal_surname,
        student.upn,
        student.mis_id,
    }:
        assert word.lower() not in body, word


def test_a_fetch_is_noted_on_the_feed(placement, plan, cora):
    token = make_feed(placement, cora)
    feed = CalendarFeed.objects.get()
    assert feed.last_fetched_at is None
    with at(D(2026, 10, 20), 7):
        Client().get(feed_url(token))
    feed.refresh_from_db()
    assert feed.last_fetched_at.astimezone(LONDON) == dt.datetime(2026, 10, 20, 7, tzinfo=LONDON)


def test_unknown_and_revoked_addresses_get_the_same_404(placement, plan, cora):
    token = make_feed(placement, cora)
    feeds.feed_revoke(feed=CalendarFeed.objects.get(), by=cora)
    unknown_token = "not-a-real-token-" + "x" * 26
    revoked = Client().get(feed_url(token))
    unknown = Client().get(feed_url(unknown_token))
    too_long = Client().get(feed_url("y" * 500))
    assert revoked.status_code == unknown.status_code == too_long.status_code == 404
    assert revoked.content == unknown.content == too_long.content == b"No such calendar.\n"
    assert revoked["X-Robots-Tag"].startswith("noindex") and "no-store" in revoked["Cache-Control"]
    assert not revoked.cookies
    assert CalendarFeed.objects.get().last_fetched_at is None


def test_an_empty_plan_is_still_a_valid_calendar(placement, cora):
    body = Client().get(feed_url(make_feed(placement, cora))).content
    assert Calendar.from_ical(body).events == []


# --- making and revoking calendar links ------------------------------------------------


def test_making_a_link_shows_the_address_once_and_stores_only_its_hash(
    placement, plan, cora, client_for
):
    client = client_for(cora)
    url = reverse("timetables:feed_add", kwargs={"placement_pk": placement.pk})
    response = client.post(url, {"label": "Parent's phone"})
    assert response.status_code == 200
    address = response.context["url"]
    assert address.startswith("http://testserver/timetables/feed/") and address.endswith(".ics")
    assert address in response.content.decode()
    assert response.context["webcal_url"] == "webcal://" + address.split("://")[1]
    token = address.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 43
    feed = CalendarFeed.objects.get()
    assert feed.label == "Parent's phone" and feed.created_by == cora and feed.active
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    event = AuditEvent.objects.get(action=feeds.FEED_MADE)
    assert event.student == placement.student and event.actor == cora
    assert token not in str(event.data) and token not in event.object_repr
    # The address works, and the list page never shows it again.
    assert Client().get(address.removeprefix("http://testserver")).status_code == 200
    listing = client.get(reverse("timetables:feeds", kwargs={"placement_pk": placement.pk}))
    assert listing.status_code == 200
    assert token not in listing.content.decode()
    assert "Parent&#x27;s phone" in listing.content.decode()


def test_a_link_needs_a_label(placement, sam, client_for):
    url = reverse("timetables:feed_add", kwargs={"placement_pk": placement.pk})
    response = client_for(sam).post(url, {"label": " "})
    assert response.status_code == 400
    assert not CalendarFeed.objects.exists()


def test_no_link_for_a_finished_placement(placement, cora, client_for):
    Placement.objects.filter(pk=placement.pk).update(
        state=Placement.State.COMPLETED, actual_exit=START
    )
    url = reverse("timetables:feed_add", kwargs={"placement_pk": placement.pk})
    response = client_for(cora).post(url, {"label": "Mum"})
    assert response.status_code == 400
    assert "no timetable left to follow" in response.content.decode()
    assert not CalendarFeed.objects.exists()


def test_revoking_a_link_stops_it_at_once_and_is_audited_once(placement, plan, cora, client_for):
    token = make_feed(placement, cora)
    feed = CalendarFeed.objects.get()
    client = client_for(cora)
    url = reverse("timetables:feed_revoke", kwargs={"feed_pk": feed.pk})
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "timetables:feeds", kwargs={"placement_pk": placement.pk}
    )
    feed.refresh_from_db()
    assert feed.revoked_at is not None and feed.revoked_by == cora and not feed.active
    assert Client().get(feed_url(token)).status_code == 404
    client.post(url)  # again: nothing more happens
    assert AuditEvent.objects.filter(action=feeds.FEED_REVOKED).count() == 1
    listing = client.get(reverse("timetables:feeds", kwargs={"placement_pk": placement.pk}))
    assert "Revoked" in listing.content.decode()


def test_the_placement_panel_links_to_the_print_and_the_links(placement, cora, dee, client_for):
    assert any(
        p.url_name == "timetables:placement_calendar_panel"
        for p in registry.collected().placement_panels
    )
    make_feed(placement, cora)
    make_feed(placement, cora, "Old phone")
    feeds.feed_revoke(feed=CalendarFeed.objects.get(label="Old phone"), by=cora)
    url = reverse("timetables:placement_calendar_panel", kwargs={"placement_pk": placement.pk})
    html = client_for(cora).get(url).content.decode()
    assert "Print the week" in html and "Calendar links (1 active)" in html
    html = client_for(dee).get(url).content.decode()
    assert "Print the week" in html and "Calendar links" not in html


# --- the printable week -----------------------------------------------------------------


def test_the_printable_week_says_where_to_be_each_period(placement, plan, cora, client_for):
    response = client_for(cora).get(print_url(placement, "2026-10-21"))
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(placement.student.name) in html
    assert "Week of Mon 19 Oct 2026" in html
    assert "Fri 23 Oct 2026" in html
    assert "In class: Maths, 9X/Ma1, room M4, Mr Jones" in html
    assert "In the Enigma room: English work" in html
    assert "Registration" in html and "08:40–09:00" in html
    assert "Break" in html and "10:00–10:20" in html
    assert "css/print.css" in html
    week = response.context["week"]
    assert [r.period.name for r in week.rows] == ["Registration", "P1", "Break", "P2"]
    friday = [row.cells[4].text for row in week.rows]
    assert friday == [
        "Registration",
        "In class: Maths, 9X/Ma1, room M4, Mr Jones",
        "Break",
        "In the Enigma room: English work",
    ]
    assert week.rows[1].cells[0].text == "No lesson"
    # Within the placement: back to its first week, on to half-term week.
    assert 'href="?week=2026-10-12"' in html and 'href="?week=2026-10-26"' in html
    event = AuditEvent.objects.get(action=feeds.WEEK_PRINTED)
    assert event.student == placement.student and event.data == {"week": "2026-10-19"}


def test_days_without_school_say_so(placement, periods, cora, client_for):
    NonSchoolDayFactory(date=D(2026, 11, 4), description="INSET day")
    client = client_for(cora)
    half_term = client.get(print_url(placement, "2026-10-28")).context["week"]
    assert [d.closed for d in half_term.days] == ["No school: half-term"] * 5
    assert [len(r.cells) for r in half_term.rows] == [5, 0, 0, 0]
    assert half_term.rows[0].cells[0].rowspan == 4
    after = client.get(print_url(placement, "2026-11-02"))
    week = after.context["week"]
    assert [d.closed for d in week.days] == ["", "", "No school: INSET day", "", ""]
    assert "Wed 4 Nov 2026" in after.content.decode()
    assert NonSchoolDay.objects.count() == 1


def test_the_first_week_is_shown_before_the_placement_starts(placement, periods, cora, client_for):
    with at(D(2026, 10, 1)):
        week = client_for(cora).get(print_url(placement)).context["week"]
    assert week.monday == START and week.previous is None
    assert week.next == D(2026, 10, 19)
    # A week far outside the placement, or nonsense, stays within it.
    client = client_for(cora)
    assert client.get(print_url(placement, "2027-03-01")).context["week"].next is None
    with at(D(2026, 10, 14)):
        assert client.get(print_url(placement, "rubbish")).context["week"].monday == START


def test_days_of_the_first_week_before_the_start_are_the_usual_timetable(
    dee, rita, periods, cora, client_for
):
    placement = make_placement(approver=dee, referrer=rita, start=D(2026, 10, 14))
    with at(D(2026, 10, 1)):
        week = client_for(cora).get(print_url(placement)).context["week"]
    assert [bool(d.closed) for d in week.days] == [True, True, False, False, False]
    assert week.days[0].closed.startswith("Usual timetable")


def test_only_people_who_may_see_the_student_get_the_print(
    placement, plan, tom, rita, nora, dina, client_for
):
    assert client_for(tom).get(print_url(placement)).status_code == 404
    LinkFactory(student=placement.student, staff=tom)
    response = client_for(tom).get(print_url(placement))
    assert response.status_code == 200
    # The placement page is the room team's: a class teacher is sent back to the student.
    detail = reverse("referrals:placement_detail", kwargs={"placement_pk": placement.pk})
    assert detail not in response.content.decode()
    LinkFactory(student=placement.student, staff=rita, relationship="referrer")
    assert client_for(rita).get(print_url(placement)).status_code == 200
    assert client_for(dina).get(print_url(placement)).status_code == 200
    assert client_for(nora).get(print_url(placement)).status_code == 403
    assert AuditEvent.objects.filter(action=feeds.WEEK_PRINTED).count() == 3
