"""The demo's timetables: a believable week for every student on a placement (Miss Price,
the demo class teacher, teaches them English; other lessons are taught by staff known
only by their MIS codes), each live placement's plan from its first day, the room
register taken for the days already past, and work set for most room lessons."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from enigma.models import Period, StudentStaffLink
from referrals.models import Placement
from timetables.models import Lesson, Mode, PlanCell, RegisterMark, WorkRequest
from timetables.services import plans as services_plan

DEMO_TEACHER = "teacher@example.org"
SUBJECTS = {
    # subject: (lessons a week, MIS teacher code, classroom)
    "English": (4, "", "E2"),
    "Maths": (4, "JBR", "M4"),
    "Science": (3, "KAL", "S1"),
    "History": (2, "PDA", "H3"),
    "Geography": (2, "RWO", "G1"),
    "French": (2, "CMA", "L2"),
    "Art": (2, "FTH", "A1"),
    "PE": (2, "GHO", "Gym"),
    "Computing": (2, "NSE", "C3"),
    "RE": (1, "AYE", "R1"),
    "Music": (1, "LMO", "Mu1"),
}
NOTES = (
    "Settled quickly and finished the task.",
    "Needed reminders to stay on task.",
    "Asked good questions about the work.",
    "Tired today; did the first half.",
    "Worked well alongside a peer.",
)


def _week(rng: random.Random, periods: list[Period]) -> list[tuple[int, Period, str]]:
    slots = [(day, period) for day in range(1, 6) for period in periods]
    subjects = [s for s, (n, _, _) in SUBJECTS.items() for _ in range(n)]
    subjects = (subjects * 2)[: len(slots)]
    rng.shuffle(subjects)
    return [(day, period, subject) for (day, period), subject in zip(slots, subjects, strict=True)]


def _timetables(placements, teacher) -> int:
    periods = list(Period.objects.filter(kind=Period.Kind.LESSON).order_by("starts_at"))
    if not periods:
        return 0
    lessons, links = [], []
    for placement in placements:
        rng = random.Random(placement.student_id)  # noqa: S311 - demo data
        group = f"{placement.student.year_group}{rng.choice('XYZ')}"
        for day, period, subject in _week(rng, periods):
            _, code, room = SUBJECTS[subject]
            lessons.append(
                Lesson(
                    student_id=placement.student_id,
                    day=day,
                    period=period,
                    subject=subject,
                    class_code=f"{group}/{subject[:2]}{rng.randint(1, 3)}",
                    teacher=teacher if not code else None,
                    teacher_code=code or "TPR",
                    room=room,
                    source=Lesson.Source.IMPORT,
                )
            )
        if teacher is not None:
            links.append(
                StudentStaffLink(
                    student_id=placement.student_id,
                    staff=teacher,
                    relationship=StudentStaffLink.Relationship.CLASS_TEACHER,
                )
            )
    Lesson.objects.bulk_create(lessons, ignore_conflicts=True)
    StudentStaffLink.objects.bulk_create(links, ignore_conflicts=True)
    return len(lessons)


def _register_and_work(placement, coordinator, teacher, today, now) -> int:
    rng = random.Random(placement.pk)  # noqa: S311 - demo data
    marks = []
    cells = PlanCell.objects.filter(placement=placement, mode__in=[Mode.ROOM, Mode.ONE_TO_ONE])
    for cell in cells.filter(date__lt=today).select_related("period"):
        roll = rng.random()
        status = "present" if roll < 0.8 else "late" if roll < 0.9 else "absent"
        attended = status != "absent"
        marks.append(
            RegisterMark(
                placement=placement,
                date=cell.date,
                period=cell.period,
                status=status,
                engagement=rng.choice((2, 3, 3, 4, 4, 4, 5)) if attended else None,
                work_completed=rng.choice(("all", "all", "some", "none")) if attended else "",
                note=rng.choice(NOTES) if attended and rng.random() < 0.3 else "",
                recorded_by=coordinator,
                recorded_at=timezone.make_aware(
                    dt.datetime.combine(cell.date, cell.period.ends_at)
                ),
            )
        )
    RegisterMark.objects.bulk_create(marks, ignore_conflicts=True)
    # Work: set for every past room lesson and most of this week's; done and handed back
    # for the past ones.
    requests = list(WorkRequest.objects.filter(placement=placement, status="requested"))
    for request in requests:
        past = request.date < today
        if (not past and (request.date - today).days > 7) or (not past and rng.random() < 0.35):
            continue
        request.description = (
            f"{request.subject}: the class's tasks for the lesson, from the shared drive."
        )
        request.set_by = teacher if request.teacher_id else coordinator
        request.set_at = now - dt.timedelta(days=max(1, (today - request.date).days + 2))
        request.status = "set"
        if past:
            request.status = "returned"
            request.completed_by = coordinator
            request.completed_at = timezone.make_aware(
                dt.datetime.combine(request.date, dt.time(15))
            )
            request.completed_note = rng.choice(NOTES)
            request.returned_at = request.completed_at + dt.timedelta(hours=1)
        request.save()
    return len(marks)


def seed_timetables(*, today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    now = timezone.now()
    users = {
        u.email.split("@")[0]: u
        for u in get_user_model().objects.filter(
            email__in=[DEMO_TEACHER, "coordinator@example.org"]
        )
    }
    live = list(Placement.objects.filter(state__in=services_plan.LIVE).select_related("student"))
    if not live:
        return "Timetables: skipped (no live placements)."
    if Lesson.objects.filter(student__in=[p.student_id for p in live]).exists():
        return "Timetables: already there."
    coordinator = users.get("coordinator")
    teacher = users.get("teacher")
    with transaction.atomic():
        lessons = _timetables(live, teacher)
        cells = sum(
            services_plan.generate_plan(p, by=None, today=today, since=p.start_date) for p in live
        )
        marks = sum(
            _register_and_work(p, coordinator, teacher, today, now)
            for p in live
            if p.state == Placement.State.ACTIVE and coordinator is not None
        )
    return (
        f"Timetables: {lessons} lessons for {len(live)} students on a placement, "
        f"{cells} planned lessons, {marks} register marks."
    )
