"""The room's register: one mark per student and room lesson (present, late, absent, in
class instead; engagement 1-5; work completed; a note), an absence recorded as a concern
in one step, and the day written into each student's chronology. What the register adds
up to (the summary a review reads) is in timetables.selectors.register.

A student due in the room is on site: "present" here is present at school (code / or \\),
never an absence code; "in class instead" means the student went to the lesson.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from enigma.actor import Actor
from enigma.formatting import day_text
from enigma.inputs import check_text
from enigma.models import Period
from enigma.services.accounts import system_actor
from records.models import Category, Entry
from records.services.entries import record_entry, record_event
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
    by: Actor,
    status: str,
    engagement: int | None = None,
    work_completed: str = "",
    note: str = "",
    today: dt.date | None = None,
) -> RegisterMark:
    """Record (or correct) one student's mark for one room lesson once it has started
    (today or earlier)."""
    acting = Actor.of(by)
    by = acting.user
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
        existing.save(update_fields=list(values))
        return existing


def absence_category() -> Category | None:
    return (
        Category.objects.filter(name__iexact="Attendance", restricted=False).first()
        or Category.objects.filter(restricted=False).order_by("position", "name").first()
    )


def record_absence_concern(register_mark: RegisterMark, *, by: Actor, account: str = "") -> Entry:
    """Turn an absence from the room into a concern in the student's chronology (once)."""
    acting = Actor.of(by)
    by = acting.user
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
    actor = system_actor()
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
