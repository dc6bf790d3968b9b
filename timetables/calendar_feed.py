"""Reads for the .ics calendar feed of a placement's plan: finding a feed by its secret
token and building the calendar (RFC 5545, with the icalendar package).

The feed is fetched by calendar apps without cookies, so its address is the only key.
It therefore says nothing about who the student is: no name, no UPN, no year group,
only the lessons, their times and places.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from enigma.models import SchoolSettings
from timetables.models import CalendarFeed, Mode, PlanCell
from timetables.selectors.feeds import teacher_name

LONDON = ZoneInfo("Europe/London")
# Calendar apps that honour it fetch the feed again after this long.
REFRESH = dt.timedelta(hours=6)
# token_urlsafe(32) is 43 characters: anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 100


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_for_token(token: str) -> CalendarFeed | None:
    """The active feed whose token this is, or None (unknown and revoked alike).

    Only the SHA-256 of the token is stored and the lookup is by that hash, so timing
    says nothing useful about the token itself."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return (
        CalendarFeed.objects.filter(token_hash=hash_token(token), revoked_at__isnull=True)
        .select_related("placement")
        .first()
    )


def event_summary(cell: PlanCell, room: str) -> str:
    if cell.mode == Mode.ONE_TO_ONE:
        return f"In the {room}: 1:1"
    if cell.mode == Mode.ROOM:
        return f"In the {room}: {cell.subject} work"
    return f"{cell.subject} (in class)"


def event_description(cell: PlanCell) -> str:
    teacher = teacher_name(cell)
    if cell.mode == Mode.CLASS:
        parts = [f"Teacher: {teacher}" if teacher else ""]
        parts.append(f"Class: {cell.class_code}" if cell.class_code else "")
        return "\n".join(p for p in parts if p)
    if cell.mode == Mode.ROOM and teacher:
        return f"Work set by {teacher}"
    return ""


def _event(cell: PlanCell, *, room: str, domain: str) -> Event:
    location = cell.room if cell.mode == Mode.CLASS else room
    event = Event.new(
        uid=f"plan-{cell.pk}@{domain}",
        stamp=cell.changed_at,
        last_modified=cell.changed_at,
        start=dt.datetime.combine(cell.date, cell.period.starts_at, tzinfo=LONDON),
        end=dt.datetime.combine(cell.date, cell.period.ends_at, tzinfo=LONDON),
        summary=event_summary(cell, room),
        location=location or None,
        description=event_description(cell) or None,
    )
    return event


def build_calendar(feed: CalendarFeed, *, domain: str = "enigma") -> bytes:
    """The feed's calendar: one event per lesson of the plan, in class or in the room,
    timed in Europe/London (with its VTIMEZONE, so clocks changing is handled)."""
    school = SchoolSettings.load()
    school_name = school.school_name if school else "School"
    room = school.room_name if school else "Enigma room"
    calendar = Calendar.new(
        name=f"Timetable – {school_name}",
        prodid="-//Enigma//Reintegration timetable//EN",
        uid=f"feed-{feed.pk}@{domain}",
        method="PUBLISH",
        refresh_interval=REFRESH,
    )
    calendar.add("X-WR-TIMEZONE", "Europe/London")
    calendar.add("X-PUBLISHED-TTL", REFRESH)
    cells = list(
        PlanCell.objects.filter(placement_id=feed.placement_id)
        .select_related("period", "teacher")
        .order_by("date", "period__starts_at")
    )
    for cell in cells:
        calendar.add_component(_event(cell, room=room, domain=domain))
    if cells:
        # The VTIMEZONE only needs to cover the plan's dates (a few weeks), not decades.
        calendar.add_missing_timezones(
            first_date=cells[0].date - dt.timedelta(days=1),
            last_date=cells[-1].date + dt.timedelta(days=1),
        )
    return calendar.to_ical()
