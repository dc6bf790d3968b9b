"""Reading interventions: the list, one intervention, a session, and the impact report.

Every page here runs a fixed number of queries however many interventions, students or
sessions there are (tests/test_interventions_pages.py checks it). Students are always
narrowed to those the reader may see.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from enigma.models import Student
from records.models import (
    Intervention,
    InterventionSession,
    InterventionStudent,
    SessionAttendance,
)

LIST_PAGE_SIZE = 25
Status = SessionAttendance.Status
PRESENT = (Status.ATTENDED, Status.LATE)


class Show:
    """Which interventions the list shows."""

    RUNNING = "running"
    CLOSED = "closed"
    ALL = "all"
    CHOICES = [(RUNNING, "Running"), (CLOSED, "Closed"), (ALL, "All")]


def _count(queryset: QuerySet, link: str) -> Coalesce:
    """A correlated COUNT(*) of `queryset` rows whose `link` is the outer row."""
    counted = (
        queryset.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def interventions(show: str = Show.RUNNING) -> QuerySet[Intervention]:
    """Interventions with their lead, student count, sessions held and last session date."""
    last_held = (
        InterventionSession.objects.filter(intervention=OuterRef("pk"))
        .order_by()
        .values("intervention")
        .annotate(last=Max("held_on"))
        .values("last")
    )
    qs = (
        Intervention.objects.select_related("lead")
        .annotate(
            student_count=_count(InterventionStudent.objects.all(), "intervention"),
            sessions_held=_count(InterventionSession.objects.all(), "intervention"),
            last_held_on=Subquery(last_held),
        )
        # Running first (no closing date), then the most recently closed.
        .order_by(F("closed_on").desc(nulls_first=True), "-starts_on", "title", "pk")
    )
    if show == Show.RUNNING:
        qs = qs.filter(closed_on__isnull=True)
    elif show == Show.CLOSED:
        qs = qs.filter(closed_on__isnull=False).order_by("-closed_on", "title", "pk")
    return qs


def interventions_page(show: str, page_number) -> Page:
    return Paginator(interventions(show), LIST_PAGE_SIZE).get_page(page_number)


def intervention_for(pk) -> Intervention:
    """One intervention with its lead and creator, or 404."""
    return get_object_or_404(Intervention.objects.select_related("lead", "created_by"), pk=pk)


def members(user, intervention: Intervention) -> list[InterventionStudent]:
    """The intervention's students that `user` may see, by surname, with their scores."""
    return list(
        intervention.memberships.filter(student__in=Student.objects.visible_to(user))
        .select_related("student")
        .order_by("student__legal_surname", "student__legal_forename", "student__pk")
    )


def sessions(intervention: Intervention) -> QuerySet[InterventionSession]:
    """Sessions in number order, each with how many came, were late or were absent."""
    return (
        intervention.sessions.select_related("recorded_by")
        .annotate(
            attended_count=Count("attendance", filter=Q(attendance__status=Status.ATTENDED)),
            late_count=Count("attendance", filter=Q(attendance__status=Status.LATE)),
            absent_count=Count("attendance", filter=Q(attendance__status=Status.ABSENT)),
        )
        .order_by("number")
    )


def session_for(intervention: Intervention, pk) -> InterventionSession:
    """One of this intervention's sessions, or 404."""
    return get_object_or_404(
        InterventionSession.objects.select_related("recorded_by"),
        intervention=intervention,
        pk=pk,
    )


def session_attendance(user, session: InterventionSession) -> list[SessionAttendance]:
    """Who came to a session, for the students `user` may see, each with the pk of the
    entry in their own chronology (entry_id)."""
    return list(
        session.attendance.filter(student__in=Student.objects.visible_to(user))
        .select_related("student")
        .order_by("student__legal_surname", "student__legal_forename", "student__pk")
    )


def students_to_choose(user, *, keep=()) -> QuerySet[Student]:
    """Students who may be put on an intervention: on roll and visible to `user`, by
    surname and year. `keep`: pks of current members, offered even if now off roll."""
    return (
        Student.objects.visible_to(user)
        .filter(Q(on_roll=True) | Q(pk__in=list(keep)))
        .order_by("year_group", "legal_surname", "legal_forename", "pk")
    )


# --- impact ---------------------------------------------------------------------------------


@dataclass
class StudentImpact:
    """One student's outcome: scores on the measure and sessions attended."""

    student: Student
    entry_score: Decimal | None
    exit_score: Decimal | None
    # Positive is progress, whichever way the scale runs.
    change: Decimal | None
    attended: int  # attended or late
    late: int
    absent: int
    # Sessions held while the student was on the intervention (their register rows).
    held: int
    planned: int
    # The student's status at each session, in session order; "" where not on it yet.
    by_session: list[str] = field(default_factory=list)

    @property
    def attendance_percent(self) -> int | None:
        return round(100 * self.attended / self.held) if self.held else None


@dataclass
class Impact:
    intervention: Intervention
    session_numbers: list[int]
    rows: list[StudentImpact]

    @property
    def sessions_held(self) -> int:
        return len(self.session_numbers)

    @property
    def scored(self) -> list[StudentImpact]:
        return [r for r in self.rows if r.change is not None]

    @property
    def progressed(self) -> int:
        return sum(1 for r in self.scored if r.change > 0)

    @property
    def mean_change(self) -> Decimal | None:
        scored = self.scored
        if not scored:
            return None
        return (sum(r.change for r in scored) / len(scored)).quantize(Decimal("0.01"))


def score_change(intervention: Intervention, entry: Decimal | None, exit_: Decimal | None):
    """exit - entry, signed so that progress is positive when lower is better too."""
    if entry is None or exit_ is None:
        return None
    return exit_ - entry if intervention.higher_is_better else entry - exit_


def impact(user, intervention: Intervention) -> Impact:
    """Entry vs exit and sessions attended, per student `user` may see (three queries)."""
    memberships = members(user, intervention)
    numbers = list(intervention.sessions.order_by("number").values_list("number", flat=True))
    statuses: dict[tuple[int, int], str] = {
        (student_id, number): status
        for student_id, number, status in SessionAttendance.objects.filter(
            session__intervention=intervention
        ).values_list("student_id", "session__number", "status")
    }
    rows = []
    for m in memberships:
        by_session = [statuses.get((m.student_id, n), "") for n in numbers]
        counts = Counter(s for s in by_session if s)
        rows.append(
            StudentImpact(
                student=m.student,
                entry_score=m.entry_score,
                exit_score=m.exit_score,
                change=score_change(intervention, m.entry_score, m.exit_score),
                attended=counts[Status.ATTENDED] + counts[Status.LATE],
                late=counts[Status.LATE],
                absent=counts[Status.ABSENT],
                held=sum(counts.values()),
                planned=intervention.planned_sessions,
                by_session=by_session,
            )
        )
    return Impact(intervention=intervention, session_numbers=numbers, rows=rows)
