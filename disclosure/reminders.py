"""When a child-protection file is due at the next school, and the reminders until it is.

KCSIE: the file goes within 5 school days of the pupil leaving (counted in the school's
calendar, so a leaving just before half-term or the summer counts the days of the next
term), and its receipt is confirmed. The DSL team is reminded through the outbox each
school day from the 4th school day after the leaving date until the receiving school has
confirmed receipt: one row per (pupil's leaving, school day, DSL), so running the task
again, or from two workers at once, adds nothing. A day the task did not run (beat down)
is not made up: the next school day's reminder says the same, and later.

The subject is the leaving (pupil and date), not one transfer: a transfer that failed and
was prepared again is still one late file. A leaver with restricted entries whose file has
not been prepared at all is chased the same way (that is when a file is most easily
forgotten), until a transfer is confirmed or the DSL closes the leaving with its reason
(LeavingClosed: sent by another secure route, or no next school).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from disclosure.models import ChildProtectionTransfer, LeavingClosed
from disclosure.selectors import DUE_BY_SCHOOL_DAY, has_cp_file
from enigma.capabilities import Capability, users_who_can
from enigma.formatting import day_text
from enigma.models import Student
from enigma.school_calendar import CalendarError, SchoolCalendar
from notifications.models import Kind
from notifications.services import Due, create_notifications

REMIND_FROM_SCHOOL_DAY = 4
State = ChildProtectionTransfer.State


LATE_SHOWN = 50  # the transfers page lists this many late files, and says how many more


@dataclass(frozen=True)
class Timing:
    student: Student
    left_on: dt.date
    transfer: ChildProtectionTransfer | None  # None: no file prepared for this leaving
    remind_from: dt.date | None  # None: the calendar does not reach that far
    due_by: dt.date | None
    late: bool

    @property
    def state_text(self) -> str:
        if self.transfer is None:
            return "not prepared"
        return self.transfer.get_state_display().lower()


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


def unprepared():
    """Leavers with restricted entries whose leaving has no transfer and is not closed:
    each is a child-protection file nobody has started to send."""
    transfer = ChildProtectionTransfer.objects.filter(
        student=OuterRef("pk"), left_on=OuterRef("left_on")
    )
    closed = LeavingClosed.objects.filter(student=OuterRef("pk"), left_on=OuterRef("left_on"))
    return (
        Student.objects.filter(left_on__isnull=False, on_roll=False)
        .exclude(Exists(transfer))
        .exclude(Exists(closed))
        .filter(has_cp_file())
        .order_by("left_on", "pk")
    )


def timings(today: dt.date, transfers=None, leavers=None) -> list[Timing]:
    """Every leaving still to be confirmed (or those given), oldest first."""
    if transfers is None and leavers is None:
        transfers, leavers = unconfirmed(), unprepared()
    pending = [(t.student, t.left_on, t) for t in transfers or ()]
    pending += [(s, s.left_on, None) for s in leavers or ()]
    if not pending:
        return []
    pending.sort(key=lambda p: (p[1], p[0].pk))
    start = pending[0][1]
    calendar = SchoolCalendar.from_db(start, max(today, start) + dt.timedelta(days=400))
    out = []
    for student, left_on, t in pending:
        try:
            remind = calendar.add_school_days(left_on, REMIND_FROM_SCHOOL_DAY)
            due = calendar.add_school_days(left_on, DUE_BY_SCHOOL_DAY)
        except CalendarError:
            remind = due = None
        confirmed = t is not None and t.state == State.CONFIRMED
        late = not confirmed and due is not None and today > due
        out.append(Timing(student, left_on, t, remind, due, late))
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
                subject_key=f"cp_transfer:{timing.student.pk}:{timing.left_on.isoformat()}",
                due_on=today,
                title=(
                    "A child-protection file is not yet confirmed by the next school"
                    if t is not None
                    else "A leaver's child-protection file has not been prepared"
                ),
                # No name and no content: who it is about is on the page it links to.
                body=(
                    f"A child-protection file {when} at the pupil's next school, which has "
                    f"not confirmed receipt. Open Enigma to see the transfer."
                    if t is not None
                    else f"A pupil with a child-protection file has left; the file {when} "
                    f"at their next school and has not been prepared. Open Enigma to "
                    f"prepare it, or to record why it is not needed."
                ),
                url=(
                    reverse("disclosure:transfer_detail", args=[t.pk])
                    if t is not None
                    else reverse("disclosure:student", args=[timing.student.pk])
                ),
                recipients=dsl_team,
            )
        )
    return create_notifications(dues, deliver=deliver)
