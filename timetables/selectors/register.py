"""What the room's register adds up to over some days: lessons due in the room, marked,
attended, engagement and work completed. The plan panel shows it, and the review form
starts from it (through referrals.hooks). The marks are written by
timetables.services.register.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from enigma.formatting import day_text
from referrals.models import Placement
from timetables.models import ROOM_MODES, PlanCell, RegisterMark

S = RegisterMark.Status


@dataclass(frozen=True)
class Summary:
    due: int  # room lessons planned up to the end day (today included)
    marked: int
    present: int
    late: int
    absent: int
    in_class: int
    engagement_average: float | None
    engagement_marks: int
    work_all: int
    work_some: int
    work_none: int

    @property
    def attended(self) -> int:
        return self.present + self.late

    def text(self) -> str:
        if not self.due:
            return "No lessons were planned in the room in this period."
        parts = [f"{self.attended} of {self.due} room lessons attended"]
        extras = []
        if self.late:
            extras.append(f"{self.late} late")
        if self.absent:
            extras.append(f"{self.absent} absent")
        if self.in_class:
            extras.append(f"{self.in_class} in class instead")
        if self.due > self.marked:
            extras.append(f"{self.due - self.marked} not marked")
        if extras:
            parts[0] += f" ({', '.join(extras)})"
        if self.engagement_average is not None:
            parts.append(
                f"engagement {self.engagement_average:.1f} of 5 on average over "
                f"{self.engagement_marks} lesson{'s' if self.engagement_marks != 1 else ''}"
            )
        work = [
            f"{word} in {n}"
            for word, n in (
                ("all", self.work_all),
                ("some", self.work_some),
                ("none", self.work_none),
            )
            if n
        ]
        if work:
            parts.append("work completed: " + ", ".join(work))
        return "; ".join(parts) + "."

    def engagement_word(self) -> str:
        """The review form's word for the average (Strong/Good/Mixed/Poor), or ""."""
        if self.engagement_average is None:
            return ""
        if self.engagement_average >= 4.25:
            return "strong"
        if self.engagement_average >= 3.5:
            return "good"
        if self.engagement_average >= 2.5:
            return "mixed"
        return "poor"


def summary(placement: Placement, start: dt.date, end: dt.date) -> Summary:
    """What the register says about `start`..`end` (both inclusive), in two queries."""
    due = PlanCell.objects.filter(
        placement=placement, date__gte=start, date__lte=end, mode__in=ROOM_MODES
    ).count()
    marks = list(
        RegisterMark.objects.filter(
            placement=placement, date__gte=start, date__lte=end
        ).values_list("status", "engagement", "work_completed")
    )
    statuses = [m[0] for m in marks]
    scores = [m[1] for m in marks if m[1] is not None]
    works = [m[2] for m in marks]
    return Summary(
        due=due,
        marked=len(marks),
        present=statuses.count(S.PRESENT),
        late=statuses.count(S.LATE),
        absent=statuses.count(S.ABSENT),
        in_class=statuses.count(S.IN_CLASS),
        engagement_average=sum(scores) / len(scores) if scores else None,
        engagement_marks=len(scores),
        work_all=works.count("all"),
        work_some=works.count("some"),
        work_none=works.count("none"),
    )


def review_window(placement: Placement, review) -> tuple[dt.date, dt.date]:
    """The days a review looks back on: since the last review held (or the start)."""
    previous = (
        placement.reviews.filter(held_on__isnull=False, number__lt=review.number)
        .order_by("-number")
        .values_list("held_on", flat=True)
        .first()
    )
    start = previous + dt.timedelta(days=1) if previous else placement.start_date
    return start, timezone.localdate()


def review_initial(placement: Placement, review) -> dict:
    """For referrals.hooks: the review form's attendance and engagement, from the register,
    by one rule at every kind of review (weekly, mid-point, exit; the first or a later one).

    Attendance counts the room lessons since the last review held (or the start).
    Engagement is the word for the average score over those same days; when none was
    scored since (an exit review after a last week spent fully in class, say), over the
    placement so far. `engagement_basis` says which, for the form's hint."""
    if not placement.start_date:
        return {}
    start, end = review_window(placement, review)
    found = summary(placement, start, end)
    initial = {}
    if found.due:
        # One figure, saying what it counts and over which days (those since the last review).
        initial["room_attendance"] = f"{day_text(start)} to {day_text(end)}: {found.text()}"[:300]
    scored, since = found, start
    if not found.engagement_marks and start > placement.start_date:
        scored, since = summary(placement, placement.start_date, end), placement.start_date
    if word := scored.engagement_word():
        n = scored.engagement_marks
        initial["engagement"] = word
        initial["engagement_basis"] = (
            f"Filled in from the register: {scored.engagement_average:.1f} of 5 on average "
            f"over {n} scored room lesson{'s' if n != 1 else ''}, {day_text(since)} to "
            f"{day_text(end)}"
            + (" (none was scored since the last review)" if since != start else "")
            + ". Change it if the register does not tell the whole story."
        )
    return initial
