"""What is due today, from the referrals data: run by beat (and `manage.py send_reminders`).

Every query is bounded by what could be due (a window of school days around today), never
"all placements ever". Each subject gets the reminder of its current stage only, dated on
the school day that stage began; if the sweep did not run that day (beat down over a
weekend or half-term), the next sweep creates it then — once, thanks to the unique
constraint — and no stale earlier stage is sent. Nothing is dated on a non-school day.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from enigma.formatting import day_text, with_article
from enigma.models import SchoolSettings, StudentStaffLink
from enigma.roles import Role
from enigma.school_calendar import CalendarError, SchoolCalendar
from notifications.models import Kind
from notifications.services import Due, create_notifications, users_with
from referrals.models import FollowUp, Placement, PlacementTransition, Review
from timetables.models import WorkRequest, monday_of

# How far back a sweep that ran late still catches up.
CATCH_UP_SCHOOL_DAYS = 15
EXIT_NOTICE_SCHOOL_DAYS = 5
LINKED_STAFF = ("class_teacher", "tutor", "key_adult")


class Window:
    """The school days around today, read from the calendar once."""

    def __init__(self, today: dt.date):
        self.today = today
        self.calendar = SchoolCalendar.from_db(
            today - dt.timedelta(days=120), today + dt.timedelta(days=60)
        )
        back = self.calendar.school_days(today - dt.timedelta(days=120), today)
        self.past = back[-CATCH_UP_SCHOOL_DAYS:]  # school days up to today, oldest first
        self.start = self.past[0] if self.past else today

    def shift(self, day: dt.date, n: int) -> dt.date | None:
        """The n-th school day after (n > 0) or before (n < 0) `day`; None beyond the calendar."""
        try:
            if n >= 0:
                return self.calendar.add_school_days(day, n)
            days = self.calendar.school_days(day - dt.timedelta(days=7 * -n + 30), day)
            days = [d for d in days if d < day]
            return days[n] if len(days) >= -n else None
        except (CalendarError, IndexError):
            return None

    def on_or_after(self, day: dt.date) -> dt.date | None:
        return self.shift(day, 0)

    def current(self, day: dt.date | None) -> bool:
        """Whether a reminder dated `day` is due by today and inside the catch-up window."""
        return day is not None and self.start <= day <= self.today


def sweep(today: dt.date | None = None, *, deliver: bool = True) -> list[int]:
    """Create every reminder due by today that has no row yet; returns the new row ids."""
    today = today or timezone.localdate()
    window = Window(today)
    if not window.past or window.past[-1] != today:
        return []  # not a school day: nothing is dated today; the next school day catches up
    coordinators = tuple(users_with(Role.COORDINATOR))
    sencos = tuple(users_with(Role.SENCO))
    deputies = tuple(users_with(Role.DEPUTY_HEAD))
    dues: list[Due] = []
    dues += _reviews(window, coordinators, sencos, deputies)
    dues += _exits(window, coordinators, sencos, deputies)
    dues += _follow_ups(window, coordinators, sencos)
    dues += _offers(window, coordinators, deputies)
    room = SchoolSettings.load().room_name
    dues += _work_week(window, room)
    dues += _work_chase(window, room)
    return create_notifications(dues, deliver=deliver)


def _reviews(window: Window, coordinators, sencos, deputies) -> list[Due]:
    latest = window.shift(window.today, 1) or window.today
    earliest = window.shift(window.start, -3) or window.start
    reviews = (
        Review.objects.filter(
            held_on__isnull=True,
            due_on__gte=earliest,
            due_on__lte=latest,
            placement__state=Placement.State.ACTIVE,
        )
        .only("pk", "kind", "due_on", "placement_id")
        .annotate(pupil_id=F("placement__student_id"))
    )
    dues = []
    for review in reviews:
        sign_off = review.kind in (Review.Kind.MIDPOINT, Review.Kind.EXIT)
        what = review.get_kind_display()
        # A review dated on a non-school day is due on the next school day: on that day
        # it is "due today", not yet overdue.
        due = window.on_or_after(review.due_on) or review.due_on
        soon = window.shift(due, -1)
        when = "tomorrow" if soon and due - soon == dt.timedelta(days=1) else day_text(due)
        stages = [
            (
                soon,
                Kind.REVIEW_DUE_SOON,
                f"{what} due {when}",
                "is due on",
                coordinators + (sencos if sign_off else ()),
            ),
            (
                due,
                Kind.REVIEW_DUE,
                f"{what} due today",
                "is due today,",
                coordinators + (sencos if sign_off else ()),
            ),
            (
                window.shift(due, 1),
                Kind.REVIEW_OVERDUE,
                f"{what} overdue",
                "was due on",
                coordinators + sencos,
            ),
            (
                window.shift(due, 3),
                Kind.REVIEW_OVERDUE_ESCALATED,
                f"{what} overdue by three school days",
                "was due on",
                coordinators + sencos + deputies,
            ),
        ]
        stage = _current_stage(window, stages)
        if stage:
            day, kind, title, verb, recipients = stage
            dues.append(
                Due(
                    kind,
                    f"review:{review.pk}",
                    day,
                    title,
                    f"{with_article(what.lower()).capitalize()} {verb} {due:%A %-d %B}.",
                    reverse("referrals:placement_detail", args=[review.placement_id]),
                    recipients,
                    review.pupil_id,
                )
            )
    return dues


def _current_stage(window: Window, stages):
    current = [s for s in stages if window.current(s[0])]
    return current[-1] if current else None


def exit_dues(placement_pk: int, today: dt.date | None = None) -> list[Due]:
    """The exit reminders one placement has due by today, as the sweep would make them
    (each dated on the school day its stage began, whatever day today is)."""
    return _exits(
        Window(today or timezone.localdate()),
        tuple(users_with(Role.COORDINATOR)),
        tuple(users_with(Role.SENCO)),
        tuple(users_with(Role.DEPUTY_HEAD)),
        placement_pk=placement_pk,
    )


def _exits(window: Window, coordinators, sencos, deputies, placement_pk=None) -> list[Due]:
    horizon = window.shift(window.today, EXIT_NOTICE_SCHOOL_DAYS) or window.today
    placements = Placement.objects.filter(
        state=Placement.State.ACTIVE,
        planned_exit__lte=horizon,
        planned_exit__gte=window.shift(window.start, -1) or window.start,
    ).only("pk", "student_id", "planned_exit")
    if placement_pk is not None:
        placements = placements.filter(pk=placement_pk)
    placements = list(placements)
    links: dict[int, set[int]] = {}
    for student_id, staff_id in StudentStaffLink.objects.filter(
        student_id__in=[p.student_id for p in placements],
        relationship__in=LINKED_STAFF,
        staff__is_active=True,
    ).values_list("student_id", "staff_id"):
        links.setdefault(student_id, set()).add(staff_id)
    dues = []
    for p in placements:
        url = reverse("referrals:placement_detail", args=[p.pk])
        back = p.planned_exit.strftime("%A %-d %B")
        notice = window.shift(p.planned_exit, -EXIT_NOTICE_SCHOOL_DAYS)
        overdue = window.shift(p.planned_exit, 1)
        if window.current(overdue):
            dues.append(
                Due(
                    Kind.EXIT_OVERDUE,
                    f"placement:{p.pk}",
                    overdue,
                    "Placement still active after its planned exit",
                    f"The planned exit was {back}: complete the exit or change the date.",
                    url,
                    coordinators + sencos + deputies,
                    p.student_id,
                )
            )
        elif window.current(notice) and p.planned_exit >= window.today:
            dues.append(
                Due(
                    Kind.EXIT_APPROACHING,
                    f"placement:{p.pk}:{p.planned_exit}",
                    notice,
                    "A student returns to lessons soon",
                    f"A student in the room returns to lessons on {back}.",
                    url,
                    coordinators + sencos + tuple(sorted(links.get(p.student_id, ()))),
                    p.student_id,
                )
            )
    return dues


def _follow_ups(window: Window, coordinators, sencos) -> list[Due]:
    follow_ups = (
        FollowUp.objects.filter(
            result="", due_on__gte=window.start - dt.timedelta(days=7), due_on__lte=window.today
        )
        .only("pk", "due_on", "placement_id")
        .annotate(pupil_id=F("placement__student_id"))
    )
    dues = []
    for f in follow_ups:
        day = window.on_or_after(f.due_on)
        if window.current(day):
            dues.append(
                Due(
                    Kind.FOLLOW_UP_DUE,
                    f"follow_up:{f.pk}",
                    day,
                    "A follow-up check is due",
                    "Check how a student who left the room is getting on.",
                    reverse("referrals:follow_up_record", args=[f.pk]),
                    coordinators + sencos,
                    f.pupil_id,
                )
            )
    return dues


def _offers(window: Window, coordinators, deputies) -> list[Due]:
    since = timezone.make_aware(dt.datetime.combine(window.start, dt.time.min))
    offered = PlacementTransition.objects.filter(
        from_state=Placement.State.WAITING, to_state=Placement.State.SCHEDULED, at__gte=since
    ).values_list("placement_id", "at", "placement__student_id")
    dues = []
    for placement_id, at, pupil_id in offered:
        day = window.on_or_after(timezone.localdate(at))
        if window.current(day):
            dues.append(
                Due(
                    Kind.PLACE_OFFERED,
                    f"placement:{placement_id}",
                    day,
                    "A place came free for the waiting list",
                    "The student at the head of the waiting list has been offered a place.",
                    reverse("referrals:placement_detail", args=[placement_id]),
                    coordinators + deputies,
                    pupil_id,
                )
            )
    return dues


# --- work for room lessons, to class teachers ------------------------------------------
# Neither names a student: the teacher opens My students to see who is in the room.


def _open_work():
    return WorkRequest.objects.filter(
        teacher__isnull=False,
        teacher__is_active=True,
        placement__state__in=Placement.HOLDING,
    )


def _work_week(window: Window, room: str) -> list[Due]:
    """On the first school day of each week, one reminder per class teacher listing their
    lessons in the room this week (one query: that week's requests)."""
    monday = monday_of(window.today)
    first = window.calendar.school_days(monday, window.today)[0]
    if not window.current(first):
        return []
    rows = (
        _open_work()
        .filter(
            date__gte=window.today,
            date__lte=monday + dt.timedelta(days=4),
            status__in=[WorkRequest.Status.REQUESTED, WorkRequest.Status.SET],
        )
        .values("teacher_id", "date", "period__starts_at", "period__name", "subject", "class_code")
        .annotate(
            n=Count("pk"),
            to_set=Count("pk", filter=Q(status=WorkRequest.Status.REQUESTED)),
        )
        .order_by("teacher_id", "date", "period__starts_at", "subject", "class_code")
    )
    lessons: dict[int, list[dict]] = {}
    for row in rows:
        lessons.setdefault(row["teacher_id"], []).append(row)
    url = reverse("timetables:my_students")
    dues = []
    for teacher_id, rows in lessons.items():
        to_set = sum(1 for r in rows if r["to_set"])
        lines = [
            f"{day_text(r['date'])}, {r['period__name']}: {r['subject']}"
            + (f" {r['class_code']}" if r["class_code"] else "")
            + (f" ({r['n']} students)" if r["n"] > 1 else "")
            + (" – work to set" if r["to_set"] else " – work set")
            for r in rows
        ]
        summary = (
            f"{len(rows)} of your lessons this week have a student in the {room}, who does "
            "your lesson's work there. "
            + (
                f"{to_set} still need{'s' if to_set == 1 else ''} work from you: set it on "
                "My students by the school day before each lesson."
                if to_set
                else "You have set the work for all of them: thank you."
            )
        )
        dues.append(
            Due(
                Kind.WORK_WEEK,
                f"work_week:{monday}",
                first,
                f"Your lessons with a student in the {room} this week",
                "\n".join([summary, *lines]),
                url,
                (teacher_id,),
            )
        )
    return dues


def _work_chase(window: Window, room: str) -> list[Due]:
    """On the school day before a lesson (Friday for Monday, the last day before a holiday
    for the first day after it), one reminder per teacher with work still to set for it.
    Never caught up later: once the lesson has come, a chase is no use."""
    lesson_day = window.shift(window.today, 1)
    if lesson_day is None:
        return []
    counts = (
        _open_work()
        .filter(date=lesson_day, status=WorkRequest.Status.REQUESTED)
        .values("teacher_id")
        .annotate(n=Count("pk"))
        .order_by("teacher_id")
    )
    url = reverse("timetables:my_students")
    when = day_text(lesson_day)
    return [
        Due(
            Kind.WORK_CHASE,
            f"work_chase:{lesson_day}",
            window.today,
            f"Work still to set for {when}",
            f"{row['n']} of your lessons on {when} {'has' if row['n'] == 1 else 'have'} a "
            f"student in the {room} and no work set yet. Please set it today on My students.",
            url,
            (row["teacher_id"],),
        )
        for row in counts
    ]
