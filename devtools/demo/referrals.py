"""The demo school's referrals and placements, in every state (run by `seed_demo`).

The last few months are replayed through the real services, each step at the moment it
happened (time-machine moves the clock; it is a development dependency, as the demo is),
so the chronology, the transition logs, the reviews and the capacity all add up:
completed placements with follow-ups, one ended early, four active at different weeks,
two scheduled, two waiting for a place, and referrals submitted, sent back for more
information, declined, withdrawn and in draft. Added once.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from enigma.models import SchoolSettings, Student, StudentStaffLink
from enigma.school_calendar import CalendarError, SchoolCalendar
from referrals import dates
from referrals.models import Placement, Purpose, Referral
from referrals.services import decisions as services
from referrals.services import placements as services_placement
from referrals.services import referral as services_referral
from referrals.services.referral import SupportRow, TargetRow

LONDON = ZoneInfo("Europe/London")
DOMAIN = "example.org"
DEMO_CAPACITY = 6

REASONS = [
    "Walking out of lessons most days since October; says the classroom is too loud.",
    "Anxiety about maths and science; refusing to go into those lessons.",
    "Repeated conflict with peers at break spilling into lessons.",
    "Attendance has fallen to 78% and lessons missed are piling up.",
]
SUPPORT = [
    ("send", "Weekly check-in with the SEND key worker", "Helped for a few weeks, then fell away."),
    ("pastoral", "Report card with the head of year", "Some improvement in mornings only."),
    ("pastoral", "Mentoring with a sixth-former", "Enjoyed it; no change in lessons."),
]
# Mostly support to get back to lessons; some part-time steps back, a few internal
# suspensions: so the oversight pages have each purpose, and each need area, to count.
PURPOSES = [
    Purpose.INCLUSION_SUPPORT,
    Purpose.INCLUSION_SUPPORT,
    Purpose.PART_TIME,
    Purpose.INCLUSION_SUPPORT,
    Purpose.INTERNAL_SUSPENSION,
    Purpose.INCLUSION_SUPPORT,
    Purpose.PART_TIME,
]
NEED_AREAS = [
    ["semh"],
    ["cognition", "semh"],
    ["communication", "semh"],
    ["semh"],
    ["cognition"],
    ["communication"],
    ["semh", "sensory_physical"],
    ["cognition", "communication"],
]
TARGETS = [
    ("learning", "Attend every maths lesson in class by the last week"),
    ("social", "Use the agreed phrase to ask for space instead of leaving"),
    ("personal", "Arrive by 8.40 each day"),
    ("behavioural", "Stay in the lesson for the whole hour, using the time-out card if needed"),
]


def _at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), LONDON)


class _Clock:
    """Runs each step at the moment it happened (and never in the future)."""

    def __init__(self):
        import time_machine

        self._travel = time_machine.travel
        self.now = timezone.now()

    def at(self, when: dt.datetime):
        return self._travel(min(when, self.now), tick=False)


def _users():
    users = get_user_model().objects.filter(email__endswith=f"@{DOMAIN}")
    return {u.email.split("@")[0]: u for u in users}


def _draft(student, referrer, n: int, *, proposed_start: dt.date) -> Referral:
    # The head of year refers students of their year group: linked as their referrer.
    StudentStaffLink.objects.get_or_create(
        student=student, staff=referrer, relationship=StudentStaffLink.Relationship.REFERRER
    )
    referral = services_referral.start_referral(student=student, referrer=referrer)
    return services_referral.save_draft(
        referral=referral,
        by=referrer,
        answers={
            "reasons": REASONS[n % len(REASONS)],
            "concerns": "Struggling in lessons despite the support below.",
            "attendance_percent": 88 - n,
            "purpose": PURPOSES[n % len(PURPOSES)],
            "need_areas": NEED_AREAS[n % len(NEED_AREAS)],
            "parents_consulted": True,
            "parent_view": "Mum wants the school to try the room; worried about maths.",
            "consent_given": True,
            "consent_date": timezone.localdate() - dt.timedelta(days=2),
            "consent_given_by": "Mother",
            "consent_method": "phone",
            "student_view": "Would like somewhere quieter to work for a while.",
            "proposed_start": proposed_start,
        },
        support=[SupportRow(team=t, what=w, since=None, outcome=o) for t, w, o in SUPPORT[:2]],
        targets=[TargetRow(area=a, description=d) for a, d in TARGETS],
    )


def _rules(referral: Referral, start: dt.date, decided_on: dt.date, deputy):
    """What the referral's purpose brings, as the deputy head records it on approving."""
    if referral.purpose == Purpose.PART_TIME:
        calendar = dates.calendar_for(start)
        planned = dates.placement_dates(start, calendar=calendar)
        days = calendar.school_days(planned.start, planned.planned_exit)
        return services.PurposeRules(
            part_time_agreed_on=decided_on - dt.timedelta(days=1),
            part_time_agreed_by="Mother, at a meeting in school",
            part_time_ends=days[(2 * len(days)) // 3],
            part_time_review=days[len(days) // 3],
        )
    if referral.purpose == Purpose.INTERNAL_SUSPENSION:
        return services.PurposeRules(
            suspension_decided_by=deputy,
            suspension_reason="A fight at lunchtime; time away from lessons with work set, "
            "then a restorative meeting.",
            suspension_parents_told_on=decided_on,
            suspension_parents_told_how="phone",
        )
    return None


def seed_placements(*, today: dt.date | None = None) -> str:
    """All or nothing: a step the services refuse rolls the whole replay back."""
    try:
        with transaction.atomic():
            return _seed_placements(today=today)
    except _Stopped as stopped:
        return str(stopped)


class _Stopped(Exception):
    pass


def _seed_placements(*, today: dt.date | None = None) -> str:
    try:
        clock = _Clock()
    except ImportError:
        return "Placements: skipped (time-machine is not installed)."
    today = today or timezone.localdate()
    users = _users()
    needed = {"referrer", "deputy", "coordinator", "senco"}
    if not needed <= set(users):
        return "Placements: skipped (demo staff missing)."
    if Referral.objects.filter(referrer=users["referrer"]).exists():
        return "Placements: already there."
    # From last year's autumn (the placements that give "a year earlier" its figures).
    calendar = SchoolCalendar.from_db(
        today - dt.timedelta(days=500), today + dt.timedelta(days=200)
    )
    try:
        back = calendar.school_days(today - dt.timedelta(days=150), today)
        ahead = calendar.school_days(today + dt.timedelta(days=1), today + dt.timedelta(days=60))
    except CalendarError:
        return "Placements: skipped (the calendar does not cover these months)."
    if today in back:
        back.remove(today)
    if len(back) < 50 or len(ahead) < 10:
        return "Placements: skipped (too few school days around today)."

    SchoolSettings.load()
    # The demo school is invented: it shows every number from 1 up so each oversight chart
    # has bars (a real school keeps the default 5, or its own choice).
    SchoolSettings.objects.update(capacity=DEMO_CAPACITY, suppression_threshold=1)
    referrer, deputy = users["referrer"], users["deputy"]
    coordinator, senco = users["coordinator"], users["senco"]
    students = iter(
        Student.objects.filter(mis_id__startswith="DEMO", on_roll=True, year_group__in=[8, 9, 10])
        .exclude(placements__isnull=False)
        .order_by("mis_id")[:40]
    )

    def day_back(n: int) -> dt.date:
        return back[-n]

    def refer_and_approve(start: dt.date, n: int, *, priority: int = 3) -> Placement:
        before = calendar.school_days(start - dt.timedelta(days=30), start)[:-1]
        # Early in a term the referral was made at the end of the last one.
        submit_day = before[-5] if len(before) >= 5 else start - dt.timedelta(days=8)
        approve_day = before[-2] if len(before) >= 2 else start - dt.timedelta(days=4)
        with clock.at(_at(submit_day, 8, 30)):
            referral = _draft(next(students), referrer, n, proposed_start=start)
            services_referral.submit_referral(referral=referral, by=referrer)
        with clock.at(_at(approve_day, 16, 0)):
            return services.approve(
                referral,
                by=deputy,
                start=start,
                priority=priority,
                today=approve_day,
                rules=_rules(referral, start, approve_day, deputy),
                reason="Support so far has not been enough; a place is right now.",
            ).placement

    def run(placement: Placement, *, until: dt.date, to_exit: bool = False) -> Placement:
        """Start it, take entry measures and hold each review due by `until` (the exit
        review only when it is to be completed)."""
        with clock.at(_at(placement.start_date, 8, 15)):
            services_placement.start(placement, by=coordinator, today=placement.start_date)
            services_placement.record_measures(
                placement,
                by=coordinator,
                stage="entry",
                wellbeing=3,
                today=placement.start_date,
            )
        for review in placement.reviews.order_by("number"):
            if review.due_on > until or (review.kind == "exit" and not to_exit):
                break
            hold(review)
        placement.refresh_from_db()
        return placement

    def hold(review):
        ratings = {
            t.pk: ("good" if review.number > 2 else "some", "")
            for t in review.placement.targets.filter(active=True)
        }
        with clock.at(_at(review.due_on, 15, 20)):
            services_placement.hold_review(
                review,
                by=coordinator,
                ratings=ratings,
                staff_present=[coordinator],
                student_present=True,
                parent_present=review.kind != "weekly",
                room_attendance="All sessions",
                engagement="good",
                student_view="It is easier to work here; I want to try science in class.",
                parent_view="Happier in the mornings." if review.kind != "weekly" else "",
                next_step="One more lesson a day back in class next week.",
                today=review.due_on,
            )
        if review.kind in ("midpoint", "exit"):
            with clock.at(_at(review.due_on, 17, 0)):
                services_placement.sign_off(review, by=senco, note="Agreed.")

    def finish(placement: Placement, outcome: str):
        with clock.at(_at(placement.planned_exit, 15, 45)):
            services_placement.record_measures(
                placement,
                by=coordinator,
                stage="exit",
                wellbeing=7,
                today=placement.planned_exit,
            )
            services_placement.complete(
                placement,
                by=coordinator,
                outcome=outcome,
                exit_summary="Back in all lessons with a time-out card. Check in weekly "
                "with the tutor; the room is there for a chat at lunch.",
                exit_day=placement.planned_exit,
                today=placement.planned_exit,
            )

    def check(placement: Placement, answers: list[tuple[str, bool, bool, str]]):
        """Record the follow-up checks due by today, in order, with these answers."""
        due = placement.follow_ups.filter(due_on__lt=today).order_by("due_on")
        for follow_up, (result, full_time, suspended, note) in zip(due, answers, strict=False):
            with clock.at(_at(follow_up.due_on, 12, 0)):
                services_placement.record_follow_up(
                    follow_up,
                    by=coordinator,
                    result=result,
                    in_class_full_time=full_time,
                    suspended_or_excluded=suspended,
                    note=note,
                    today=follow_up.due_on,
                )

    def a_year_before(day: dt.date) -> dt.date:
        return calendar.add_school_days(day - dt.timedelta(days=364), 0)

    made = 0
    try:
        # A year earlier: two placements completed, their follow-ups recorded (one pupil
        # stayed in lessons; the other went back to support, was suspended, and is
        # referred again this year), so the oversight pages' "a year earlier" has figures.
        kept = run(refer_and_approve(a_year_before(day_back(48)), 5), until=today, to_exit=True)
        finish(kept, Placement.Outcome.FULL)
        check(
            kept,
            [
                ("sustained", True, False, "In every lesson."),
                ("sustained", True, False, "Still in every lesson; tutor pleased."),
            ],
        )
        returned = run(refer_and_approve(a_year_before(day_back(40)), 6), until=today, to_exit=True)
        finish(returned, Placement.Outcome.PARTIAL)
        check(
            returned,
            [
                ("sustained", False, False, "In most lessons; maths still in the room."),
                (
                    "returned",
                    False,
                    True,
                    "A fixed-term suspension after a fight; back to support.",
                ),
            ],
        )
        made += 2
        # This year: two completed placements (follow-ups due and done), one ended early.
        first = run(refer_and_approve(day_back(48), 0), until=day_back(19), to_exit=True)
        finish(first, Placement.Outcome.FULL)
        check(first, [("sustained", True, False, "In every lesson this fortnight.")])
        second = run(refer_and_approve(day_back(45), 1), until=day_back(33))
        with clock.at(_at(day_back(32), 16, 0)):
            services_placement.bring_exit_forward(
                second,
                by=coordinator,
                new_exit=day_back(30),
                reason="Back in nearly every lesson already.",
            )
        second.refresh_from_db()
        last = second.reviews.filter(held_on__isnull=True).order_by("number")
        for review in last:
            hold(review)
        finish(second, Placement.Outcome.PARTIAL)
        early = run(refer_and_approve(day_back(28), 2), until=day_back(20))
        with clock.at(_at(day_back(18), 11, 0)):
            services_placement.end_early(
                early,
                by=coordinator,
                end_reason="escalated",
                note="Moved to the local alternative provision after a panel.",
            )
        made += 3
        # Four active at different weeks; the newest review of one left overdue.
        for n, started in enumerate((day_back(23), day_back(13), day_back(8), day_back(3))):
            until = today if n != 1 else day_back(4)
            run(refer_and_approve(started, 3 + n), until=until)
            made += 1
        # Two scheduled, then the room is full: two wait.
        for n, start in enumerate((ahead[1], ahead[4])):
            refer_and_approve_future(start, 7 + n, clock, students, referrer, deputy)
            made += 1
        for n in range(2):
            refer_and_approve_future(
                ahead[0], 9 + n, clock, students, referrer, deputy, priority=2 + n
            )
            made += 1
        # Referrals at every other status.
        pending = [
            _draft(next(students), referrer, 11 + n, proposed_start=ahead[5]) for n in range(4)
        ]
        for referral in pending[:3]:
            services_referral.submit_referral(referral=referral, by=referrer)
        services.request_information(
            pending[1],
            by=deputy,
            request="What has the SEND team tried since October, and did it help?",
        )
        # Declined: the pupil from last year who went back to support, referred again.
        declined = _draft(returned.student, referrer, 15, proposed_start=ahead[5])
        services_referral.submit_referral(referral=declined, by=referrer)
        services.decline(
            declined,
            by=deputy,
            reason="Try the pastoral support plan for four weeks first, then refer again.",
        )
        withdrawn = _draft(next(students), referrer, 16, proposed_start=ahead[5])
        services_referral.withdraw_referral(
            referral=withdrawn, by=referrer, reason="Things settled after a family meeting."
        )
    except (ValidationError, CalendarError, StopIteration, IndexError) as error:
        raise _Stopped(f"Placements: none added; step {made + 1} was refused ({error}).") from error
    states = sorted(Placement.objects.values_list("state", flat=True))
    summary = ", ".join(f"{states.count(s)} {s.replace('_', ' ')}" for s in sorted(set(states)))
    return f"Placements: {summary}; referrals at every status."


def refer_and_approve_future(start, n, clock, students, referrer, deputy, *, priority=3):
    """A referral submitted and approved today for a start still to come."""
    with clock.at(clock.now - dt.timedelta(hours=2)):
        referral = _draft(next(students), referrer, n, proposed_start=start)
        services_referral.submit_referral(referral=referral, by=referrer)
    return services.approve(
        referral,
        by=deputy,
        start=start,
        priority=priority,
        rules=_rules(referral, start, timezone.localdate(), deputy),
        reason="The room is the right next step; the family has agreed the start.",
    ).placement
