"""The coordinator's day: each period, who is due in the room and who is in class, the
room's use against its capacity, the register of each room lesson and the alerts.
A fixed number of queries however many placements are live."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from enigma.models import Period
from referrals import dates
from timetables import occupancy
from timetables.models import ROOM_MODES, PlanCell, RegisterMark, WorkRequest

S = RegisterMark.Status


@dataclass
class Due:
    """One student in one period of the day."""

    cell: PlanCell
    mark: RegisterMark | None
    work_status: str

    @property
    def student(self):
        return self.cell.placement.student

    @property
    def absent(self) -> bool:
        return bool(self.mark and self.mark.status == S.ABSENT)


@dataclass
class PeriodView:
    period: Period
    in_room: list[Due] = field(default_factory=list)
    in_class: list[Due] = field(default_factory=list)
    capacity: int = 0
    state: str = "later"  # past | now | later

    @property
    def one_to_one(self) -> int:
        return sum(1 for d in self.in_room if d.cell.mode == "one_to_one")

    @property
    def over(self) -> bool:
        return len(self.in_room) > self.capacity

    @property
    def started(self) -> bool:
        return self.state != "later"

    @property
    def unmarked(self) -> list[Due]:
        return [d for d in self.in_room if d.mark is None]


@dataclass
class Alert:
    due: Due
    period: Period
    kind: str  # absent | unmarked


@dataclass
class TodayPage:
    day: dt.date
    today: dt.date
    school_day: bool
    periods: list[PeriodView]
    register: PeriodView | None
    capacity: int
    alerts: list[Alert]
    students: int

    @property
    def can_mark(self) -> bool:
        """The register shown can be taken: its lesson has started (today or earlier)."""
        return self.day <= self.today and self.register is not None and self.register.started

    @property
    def not_started(self) -> bool:
        """The register shown is of a lesson later today: it opens when the lesson starts."""
        return self.day == self.today and self.register is not None and not self.register.started

    @property
    def busiest(self) -> int:
        return max((len(p.in_room) for p in self.periods), default=0)


def _state(period: Period, day: dt.date, now: dt.datetime) -> str:
    today = now.date()
    if day < today:
        return "past"
    if day > today:
        return "later"
    t = now.time()
    if t >= period.ends_at:
        return "past"
    if t >= period.starts_at:
        return "now"
    return "later"


def today_page(
    day: dt.date | None = None, *, period_pk: int | None = None, now: dt.datetime | None = None
) -> TodayPage:
    now = timezone.localtime(now) if now else timezone.localtime()
    today = now.date()
    day = day or today
    capacity, _ = occupancy.capacity()
    calendar = dates.calendar_for(day)
    school_day = calendar.is_school_day(day) if calendar.covers(day) else False
    periods = list(Period.objects.filter(kind=Period.Kind.LESSON).order_by("starts_at"))
    cells = list(
        PlanCell.objects.filter(date=day, placement__state__in=occupancy.LIVE)
        .select_related("placement__student", "teacher")
        .order_by("placement__student__legal_surname", "placement__student__legal_forename", "pk")
    )
    marks = {
        (m.placement_id, m.period_id): m
        for m in RegisterMark.objects.filter(date=day).select_related(
            "concern_entry", "recorded_by"
        )
    }
    work = {
        (p, per): s
        for p, per, s in WorkRequest.objects.filter(date=day).values_list(
            "placement_id", "period_id", "status"
        )
    }
    views = {p.pk: PeriodView(p, capacity=capacity, state=_state(p, day, now)) for p in periods}
    for cell in cells:
        view = views.get(cell.period_id)
        if view is None:
            continue
        key = (cell.placement_id, cell.period_id)
        due = Due(cell, marks.get(key), work.get(key, ""))
        (view.in_room if cell.mode in ROOM_MODES else view.in_class).append(due)
    ordered = list(views.values())
    register = None
    if period_pk is not None:
        register = views.get(period_pk)
    if register is None:
        register = (
            next((v for v in ordered if v.state == "now"), None)
            or next((v for v in ordered if v.state == "later"), None)
            or (ordered[-1] if ordered else None)
        )
    alerts = []
    for view in ordered:
        for due in view.in_room:
            if due.absent and not due.mark.concern_entry_id:
                alerts.append(Alert(due, view.period, "absent"))
            elif due.mark is None and view.state == "past":
                alerts.append(Alert(due, view.period, "unmarked"))
    students = len({c.placement_id for c in cells})
    return TodayPage(day, today, school_day, ordered, register, capacity, alerts, students)


def register_row(cell_pk: int) -> Due:
    cell = PlanCell.objects.select_related("placement__student", "period", "teacher").get(
        pk=cell_pk
    )
    mark = (
        RegisterMark.objects.filter(
            placement_id=cell.placement_id, date=cell.date, period_id=cell.period_id
        )
        .select_related("concern_entry", "recorded_by")
        .first()
    )
    status = (
        WorkRequest.objects.filter(
            placement_id=cell.placement_id, date=cell.date, period_id=cell.period_id
        )
        .values_list("status", flat=True)
        .first()
        or ""
    )
    return Due(cell, mark, status)
