"""The demo's reminders: the sweep run for the latest school day, so the header's count
and the notifications page show what the room team would have been told. Nothing is
emailed here; `manage.py send_reminders` sends what is pending."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from enigma.school_calendar import CalendarError, SchoolCalendar
from notifications import sweep


def seed_notifications(*, today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    try:
        days = SchoolCalendar.from_db(today - dt.timedelta(days=21), today).school_days(
            today - dt.timedelta(days=21), today
        )
    except CalendarError:
        days = []
    if not days:
        return "Reminders: skipped (no school day in the last three weeks)."
    made = sweep.sweep(days[-1], deliver=False)
    return f"Reminders: {len(made)} made for {days[-1]:%a %-d %b %Y}."
