"""The room's register: one mark per student and room lesson (present, late, absent, in
class instead; engagement 1-5; work completed; a note), an absence recorded as a concern
in one step, the day written into each student's chronology, and the summary a review
reads.

A student due in the room is on site: "present" here is present at school (code / or \\),
never an absence code; "in class instead" means the student went to the lesson.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from enigma.formatting import day_text
from enigma.inputs import check_text
from enigma.models import Period
from enigma.services import system_user
from records.models import Category, Entry
from records.services import record_entry, record_event
from referrals.models import Placement
from timetables.models import ROOM_MODES, PlanCell, RegisterDay, RegisterMark, lesson_start

S = RegisterMark.Status


def _room_cell(placement_id: int, day: dt.date, period_id: int) -> PlanCell:
    cell = (
        PlanCell.objects.select_related("period", "placement__student")
        .filter(placement_id=placement_id, date=day, period_id=period_id)
        .first()
    )
    if cell is None or cell.mode not in ROOM_MODES:
        raise ValidationError("This student is not due in the room in that lesson.")
    return cell


def mark(
    placement: Placement,
    day: dt.date,
    period: Period,
    *,
    by,
    status: str,
    engagement: int | None = None,
    work_completed: str = "",
    note: str = "",
    today: dt.date | None = None,
) -> RegisterMark:
    """Record (or correct) one student's mark for one room lesson once it has started
    (today or earlier)."""
    today = today or timezone.localdate()
    errors = {}
    if status not in S.values:
        errors["status"] = "Choose present, late, absent or in class instead."
    if engagement is not None and not 1 <= engagement <= 5:
        errors["engagement"] = "Engagement is from 1 to 5."
    if work_completed and work_completed not in RegisterMark.Work.values:
        errors["work_completed"] = "Choose all, some or none."
    if len(note) > 500:
        errors["note"] = "Keep the note under 500 characters."
    try:
        check_text(note, "note")
    except ValidationError as error:
        errors["note"] = " ".join(error.messages)
    if day > today:
        errors["status"] = f"{day_text(day)} has not come yet: the register is taken on the day."
    elif lesson_start(day, period) > timezone.now():
        errors["status"] = (
            f"{period.name} starts at {period.starts_at:%H:%M}: its register opens when the "
            "lesson starts."
        )
    if errors:
        raise ValidationError(errors)
    if status in (S.ABSENT, S.IN_CLASS):
        engagement, work_completed = None, ""
    values = {
        "status": status,
        "engagement": engagement,
        "work_completed": work_completed,
        "note": note.strip(),
        "recorded_by": by,
        "recorded_at": timezone.now(),
    }
    with transaction.atomic():
        _room_cell(placement.pk, day, period.pk)
        existing = (
            RegisterMark.objects.select_for_update()
            .filter(placement=placement, date=day, period=period)
            .first()
        )
        if existing is None:
            try:
                with transaction.atomic():
                    return RegisterMark.objects.create(
                        placement=placement, date=day, period=period, **values
                    )
            except IntegrityError:  # marked by someone else a moment ago: take theirs
                existing = RegisterMark.objects.select_for_update().get(
                    placement=placement, date=day, period=period
                )
        for name, value in values.items():
            setattr(existing, name, value)
        existing.save()
        return existing


def absence_category() -> Category | None:
    return (
        Category.objects.filter(name__iexact="Attendance", restricted=False).first()
        or Category.objects.filter(restricted=False).order_by("position", "name").first()
    )


def record_absence_concern(register_mark: RegisterMark, *, by, account: str = "") -> Entry:
    """Turn an absence from the room into a concern in the student's chronology (once)."""
    with transaction.atomic():
        register_mark = (
            RegisterMark.objects.select_for_update()
            .select_related("placement__student", "period")
            .get(pk=register_mark.pk)
        )
        if register_mark.status != S.ABSENT:
            raise ValidationError("Only an absence can be recorded as a concern here.")
        if register_mark.concern_entry_id:
            raise ValidationError("This absence is already recorded as a concern.")
        cell = _room_cell(register_mark.placement_id, register_mark.date, register_mark.period_id)
        start = dt.datetime.combine(
            register_mark.date,
            register_mark.period.starts_at,
            tzinfo=timezone.get_current_timezone(),
        )
        entry = record_entry(
            author=by,
            students=[register_mark.placement.student],
            kind="concern",
            category=absence_category(),
            summary=f"Absent from the room: {register_mark.period.name} {cell.subject}, "
            f"{day_text(register_mark.date)}",
            account=account.strip() or register_mark.note,
            occurred_at=min(start, timezone.now()),
        )
        register_mark.concern_entry = entry
        register_mark.save(update_fields=["concern_entry"])
    return entry


# --- what the register adds up to ---------------------------------------------------------


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
    """For referrals.hooks: the review form's attendance and engagement, from the register."""
    if not placement.start_date:
        return {}
    start, end = review_window(placement, review)
    found = summary(placement, start, end)
    if not found.due:
        return {}
    initial = {"room_attendance": found.text()[:300]}
    if word := found.engagement_word():
        initial["engagement"] = word
    return initial


# --- the day into the chronology -----------------------------------------------------------


def _day_account(marks: list[RegisterMark], cells: dict) -> str:
    lines = []
    for m in marks:
        cell = cells.get((m.date, m.period_id))
        what = cell.subject if cell else ""
        line = f"{m.period.name} {what}: {m.get_status_display().lower()}"
        if m.engagement:
            line += f", engagement {m.engagement} of 5"
        if m.work_completed:
            line += f", work completed: {m.get_work_completed_display().lower()}"
        if m.note:
            line += f". {m.note}"
        lines.append(line)
    return "\n".join(lines)


def write_day(day: dt.date) -> int:
    """Write each placement's register of `day` into the student's chronology, once
    (a repeat, or a second worker, finds it written). Returns entries written."""
    written = 0
    placement_ids = (
        RegisterMark.objects.filter(date=day)
        .exclude(placement_id__in=RegisterDay.objects.filter(date=day).values("placement_id"))
        .values_list("placement_id", flat=True)
        .distinct()
    )
    actor = system_user()
    for placement_id in list(placement_ids):
        with transaction.atomic():
            placement = (
                Placement.objects.select_for_update().select_related("student").get(pk=placement_id)
            )
            if RegisterDay.objects.filter(placement=placement, date=day).exists():
                continue
            marks = list(
                RegisterMark.objects.filter(placement=placement, date=day).select_related("period")
            )
            cells = {
                (c.date, c.period_id): c
                for c in PlanCell.objects.filter(placement=placement, date=day)
            }
            attended = sum(1 for m in marks if m.attended)
            entry = record_event(
                student=placement.student,
                actor=actor,
                code="room.register",
                summary=f"In the room on {day_text(day)}: attended {attended} of {len(marks)} "
                f"lesson{'s' if len(marks) != 1 else ''} marked",
                account=_day_account(marks, cells),
                occurred_at=dt.datetime.combine(
                    day, dt.time(16, 0), tzinfo=timezone.get_current_timezone()
                ),
            )
            RegisterDay.objects.create(placement=placement, date=day, entry=entry)
            written += 1
    return written
