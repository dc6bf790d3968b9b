"""When a child-protection file is due at the next school, and the reminders until it is.

KCSIE: the file goes within 5 school days of the pupil leaving (counted in the school's
calendar, so a leaving just before half-term or the summer counts the days of the next
term), and its receipt is confirmed. The DSL team is reminded through the outbox each
school day from the 4th school day after the leaving date until the receiving school has
confirmed receipt: one row per (pupil's leaving, school day, DSL), so running the task
again, or from two workers at once, adds nothing. A day the task did not run (beat down)
is not made up: the next school day's reminder says the same, and later.

The subject is the leaving (pupil and date), not one transfer: a transfer that failed and
was prepared again is still one late file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from disclosure.models import ChildProtectionTransfer
from enigma.capabilities import Capability, users_who_can
from enigma.formatting import day_text
from enigma.school_calendar import CalendarError, SchoolCalendar
from notifications.models import Kind
from notifications.services import Due, create_notifications

REMIND_FROM_SCHOOL_DAY = 4
DUE_BY_SCHOOL_DAY = 5
State = ChildProtectionTransfer.State


@dataclass(frozen=True)
class Timing:
    transfer: ChildProtectionTransfer
    remind_from: dt.date | None  # None: the calendar does not reach that far
    due_by: dt.date | None
    late: bool


def unconfirmed():
    """The newest transfer of each leaving that no transfer has confirmed yet."""
    confirmed = ChildProtectionTransfer.objects.filter(
        student=OuterRef("student"), left_on=OuterRef("left_on"), state=State.CONFIRMED
    )
    newer = ChildProtectionTransfer.objects.filter(
        student=OuterRef("student"), left_on=OuterRef("left_on"), pk__gt=OuterRef("pk")
    )
    return (
        ChildProtectionTransfer.objects.exclude(Exists(confirmed))
        .exclude(Exists(newer))
        .select_related("student")
        .order_by("left_on", "pk")
    )


def timings(today: dt.date, transfers=None) -> list[Timing]:
    transfers = list(unconfirmed() if transfers is None else transfers)
    if not transfers:
        return []
    start = min(t.left_on for t in transfers)
    calendar = SchoolCalendar.from_db(start, max(today, start) + dt.timedelta(days=400))
    out = []
    for t in transfers:
        try:
            remind = calendar.add_school_days(t.left_on, REMIND_FROM_SCHOOL_DAY)
            due = calendar.add_school_days(t.left_on, DUE_BY_SCHOOL_DAY)
        except CalendarError:
            remind = due = None
        late = t.state != State.CONFIRMED and due is not None and today > due
        out.append(Timing(t, remind, due, late))
    return out


def late(today: dt.date | None = None) -> list[Timing]:
    """Leavings whose file is not confirmed by the 5th school day, oldest first."""
    today = today or timezone.localdate()
    return [t for t in timings(today) if t.late]


def remind(today: dt.date | None = None, *, deliver: bool = True) -> list[int]:
    """Today's reminders for every unconfirmed file from its 4th school day; the ids of
    the rows made now."""
    today = today or timezone.localdate()
    try:
        if not SchoolCalendar.from_db(today, today).is_school_day(today):
            return []
    except CalendarError:
        return []
    dsl_team = tuple(users_who_can(Capability.TRANSFER_CP_FILE).values_list("pk", flat=True))
    if not dsl_team:
        return []
    dues = []
    for timing in timings(today):
        if timing.remind_from is None or today < timing.remind_from:
            continue
        t = timing.transfer
        if timing.late:
            when = "is late"
        elif today == timing.due_by:
            when = "is due today"
        else:
            when = f"is due by {day_text(timing.due_by)}"
        dues.append(
            Due(
                kind=Kind.CP_TRANSFER,
                subject_key=f"cp_transfer:{t.student_id}:{t.left_on.isoformat()}",
                due_on=today,
                title="A child-protection file is not yet confirmed by the next school",
                # No name and no content: who it is about is on the page it links to.
                body=(
                    f"A child-protection file {when} at the pupil's next school, which has "
                    f"not confirmed receipt. Open Enigma to see the transfer."
                ),
                url=reverse("disclosure:transfer_detail", args=[t.pk]),
                recipients=dsl_team,
            )
        )
    return create_notifications(dues, deliver=deliver)
