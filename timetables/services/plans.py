"""The reintegration plan: made from the student's normal timetable when the placement is
scheduled, changed cell by cell by the coordinator, kept to the placement's dates.

Rules kept here:
- one cell per lesson of each school day from the start to the exit (PlanCell);
- the default plan rises from mostly in the room in week 1 to every lesson in class in
  the exit week, whole subjects at a time, in the school's order (TimetableSettings);
- every lesson in the room (not one-to-one) has a work request to its teacher; it is
  cancelled when the lesson goes back to class and revived if it comes back;
- a change into the room is checked against the room's capacity for that period, under
  the room's lock, and made only once the coordinator has seen the warning;
- past lessons are history: a lesson that has started, or that the register has a mark
  for, is never changed (the register records what happened).

Lock order, as in referrals: the room (lock_room), then the placement, then its cells.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from enigma.actor import Actor
from enigma.capabilities import Capability
from enigma.formatting import day_text
from enigma.models import Period
from records.services.entries import record_event
from referrals import dates
from referrals.models import Placement
from referrals.places import lock_room
from timetables.cycle import WeekCycle
from timetables.hooks import work_settled
from timetables.models import (
    ROOM_MODES,
    ExitOverride,
    Lesson,
    Mode,
    PlanCell,
    PlanWeekNote,
    RegisterMark,
    TimetableSettings,
    WorkRequest,
    lesson_locked,
)
from timetables.occupancy import LIVE, Use, room_use
from timetables.selectors.coverage import subjects_missed

W = WorkRequest.Status


# --- the default plan -------------------------------------------------------------------


def return_order(subject_counts: Counter, first: Iterable[str]) -> list[str]:
    """Subjects in the order they go back to class: the school's list first (matched
    without regard to case), then those with fewest lessons, then by name."""
    by_key = {s.casefold(): s for s in subject_counts}
    ordered: list[str] = []
    for name in first:
        subject = by_key.get(name.strip().casefold())
        if subject and subject not in ordered:
            ordered.append(subject)
    rest = sorted(
        (s for s in subject_counts if s not in ordered), key=lambda s: (subject_counts[s], s)
    )
    return ordered + rest


def in_class_share(week_index: int, weeks: int, first_percent: int) -> float:
    """The share of lessons in class in week `week_index` (0-based) of `weeks`: rising
    evenly from the first week's share to every lesson in the last (exit) week."""
    if weeks <= 1:
        return 1.0
    start = first_percent / 100
    return start + (1 - start) * week_index / (weeks - 1)


def subjects_in_class(
    subject_counts: Counter, weeks: int, rule: TimetableSettings
) -> list[set[str]]:
    """For each week of the placement, the subjects back in class (whole subjects, each
    staying back once returned)."""
    order = return_order(subject_counts, rule.subjects_first)
    total = sum(subject_counts.values())
    result: list[set[str]] = []
    for i in range(weeks):
        target = math.ceil(
            round(in_class_share(i, weeks, rule.first_week_in_class_percent) * total, 6)
        )
        chosen: set[str] = set()
        count = 0
        for subject in order:
            if count >= target:
                break
            chosen.add(subject)
            count += subject_counts[subject]
        result.append(chosen)
    return result


def _lesson_slots(student_id: int) -> dict[tuple[int, int, int], Lesson]:
    lessons = Lesson.objects.filter(student_id=student_id).select_related("period", "teacher")
    return {(lesson.week, lesson.day, lesson.period_id): lesson for lesson in lessons}


def _plan_days(placement: Placement, today: dt.date, since: dt.date | None) -> list[dt.date]:
    if not placement.start_date or not placement.planned_exit:
        return []
    first = placement.start_date
    if since is not None:
        first = max(first, since)
    elif placement.state == Placement.State.ACTIVE:
        first = max(first, today)
    return dates.calendar_for(placement.start_date).school_days(first, placement.planned_exit)


def placement_weeks(placement: Placement) -> list[list[dt.date]]:
    """The placement's school weeks (referrals.dates.school_weeks): week 1 first."""
    return dates.school_weeks(
        placement.start_date, placement.planned_exit, dates.calendar_for(placement.start_date)
    )


def default_modes(placement: Placement, slots, cycle: WeekCycle, rule) -> dict[dt.date, set[str]]:
    """Each school day of the placement -> the subjects in class that day: those of its
    school week of the placement, by the school's rule."""
    weeks = placement_weeks(placement)
    counts: Counter = Counter()
    for week in weeks:
        for day in week:
            letter = cycle.week_of(day)
            for (w, weekday, _period), lesson in slots.items():
                if w == letter and weekday == day.isoweekday():
                    counts[lesson.subject] += 1
    per_week = subjects_in_class(counts, len(weeks), rule)
    return {day: chosen for week, chosen in zip(weeks, per_week, strict=True) for day in week}


def _cell_for(placement, day, lesson, mode, by) -> PlanCell:
    return PlanCell(
        placement=placement,
        date=day,
        period_id=lesson.period_id,
        mode=mode,
        subject=lesson.subject,
        class_code=lesson.class_code,
        teacher_id=lesson.teacher_id,
        teacher_code=lesson.teacher_code,
        room=lesson.room,
        changed_by=None,
        changed_at=timezone.now(),
    )


def _request_for(cell: PlanCell) -> WorkRequest:
    return WorkRequest(
        placement_id=cell.placement_id,
        date=cell.date,
        period_id=cell.period_id,
        subject=cell.subject,
        class_code=cell.class_code,
        teacher_id=cell.teacher_id,
        teacher_code=cell.teacher_code,
    )


def generate_plan(
    placement: Placement, *, by=None, today: dt.date | None = None, since: dt.date | None = None
) -> int:
    """Add the cells the plan is missing (every lesson of every school day of the
    placement, from today for one already running unless `since` says otherwise), by the
    school's rule; cells that exist are left as they are. Returns how many were added."""
    today = today or timezone.localdate()
    days = _plan_days(placement, today, since)
    if not days:
        return 0
    slots = _lesson_slots(placement.student_id)
    if not slots:
        return 0
    cycle = WeekCycle()
    in_class = default_modes(placement, slots, cycle, TimetableSettings.load())
    have = set(PlanCell.objects.filter(placement=placement).values_list("date", "period_id"))
    cells = []
    for day in days:
        week = cycle.week_of(day)
        for (w, weekday, period_id), lesson in slots.items():
            if w != week or weekday != day.isoweekday() or (day, period_id) in have:
                continue
            mode = Mode.CLASS if lesson.subject in in_class.get(day, ()) else Mode.ROOM
            cells.append(_cell_for(placement, day, lesson, mode, by))
    PlanCell.objects.bulk_create(cells, ignore_conflicts=True)
    WorkRequest.objects.bulk_create(
        [_request_for(c) for c in cells if c.mode == Mode.ROOM], ignore_conflicts=True
    )
    return len(cells)


def replan_untouched(placement: Placement, *, today: dt.date | None = None) -> int:
    """Re-apply the school's rule to today's and later cells nobody has changed by hand
    (after the exit moved, so the plan still ends fully in class). Returns cells changed."""
    today = today or timezone.localdate()
    slots = _lesson_slots(placement.student_id)
    if not slots or not placement.planned_exit:
        return 0
    in_class = default_modes(placement, slots, WeekCycle(), TimetableSettings.load())
    changed = 0
    cells = list(
        PlanCell.objects.filter(placement=placement, date__gte=today, changed_by__isnull=True)
        .select_related("period")
        .select_for_update(of=("self",))
    )
    marked = _marked_lessons(placement.pk, {c.date for c in cells})
    for cell in cells:
        if lesson_locked(cell, today=today, marked=(cell.date, cell.period_id) in marked):
            continue
        mode = Mode.CLASS if cell.subject in in_class.get(cell.date, ()) else Mode.ROOM
        if mode != cell.mode:
            previous = cell.mode
            cell.mode = mode
            cell.save(update_fields=["mode"])
            _sync_request(cell, previous)
            changed += 1
    return changed


def trim_plan(placement: Placement, *, after: dt.date | None, by=None) -> int:
    """Drop the cells after `after` (all of them if None) and cancel their open work
    requests: the placement ends, or its exit came forward. Returns cells dropped."""
    cells = PlanCell.objects.filter(placement=placement)
    requests = WorkRequest.objects.filter(placement=placement, status__in=[W.REQUESTED, W.SET])
    if after is not None:
        cells = cells.filter(date__gt=after)
        requests = requests.filter(date__gt=after)
    _cancel(requests)
    dropped, _ = cells.delete()
    if after is not None and placement.state == Placement.State.ACTIVE:
        replan_untouched(placement)
    return dropped


def keep_within(placement: Placement) -> int:
    """Drop the cells outside the placement's dates (its start moved)."""
    outside = PlanCell.objects.filter(placement=placement).exclude(
        date__gte=placement.start_date, date__lte=placement.planned_exit
    )
    _cancel(
        WorkRequest.objects.filter(placement=placement, status__in=[W.REQUESTED, W.SET]).exclude(
            date__gte=placement.start_date, date__lte=placement.planned_exit
        )
    )
    dropped, _ = outside.delete()
    return dropped


# --- overfilling the room ---------------------------------------------------------------


def overfill_warning(
    use: Use, mode: str, capacity: int, spaces: int, *, period: Period, day: dt.date
) -> str:
    """Why putting one more student in the room in `mode` would overfill it, or ""."""
    when = f"{period.name} on {day_text(day)}"
    if use.room + 1 > capacity:
        return f"The room would hold {use.room + 1} students in {when}: its capacity is {capacity}."
    if mode == Mode.ONE_TO_ONE and use.one_to_one + 1 > spaces:
        return (
            f"There would be {use.one_to_one + 1} one-to-one sessions in {when}: the room has "
            f"{spaces} one-to-one space{'s' if spaces != 1 else ''}."
        )
    return ""


# --- changing a cell --------------------------------------------------------------------


@dataclass
class CellChange:
    cell: PlanCell
    applied: bool
    warning: str = ""
    notes: list[str] = field(default_factory=list)


def _sync_request(cell: PlanCell, previous: str) -> None:
    """Keep the cell's work request in step with its mode."""
    if cell.mode == Mode.ROOM:
        request = (
            WorkRequest.objects.select_for_update()
            .filter(placement_id=cell.placement_id, date=cell.date, period_id=cell.period_id)
            .first()
        )
        if request is None:
            _request_for(cell).save()
        elif request.status == W.CANCELLED:
            request.status = W.SET if request.set_at else W.REQUESTED
            request.save(update_fields=["status"])
    elif previous == Mode.ROOM:
        _cancel(
            WorkRequest.objects.filter(
                placement_id=cell.placement_id,
                date=cell.date,
                period_id=cell.period_id,
                status__in=[W.REQUESTED, W.SET],
            )
        )


def _cancel(requests) -> int:
    """Cancel `requests` (lessons no longer in the room). The teachers of those still
    waiting for work are told (timetables.hooks.work_settled), in this transaction, so
    the reminders asking them for it can clear."""
    teachers = set(
        requests.filter(status=W.REQUESTED, teacher__isnull=False).values_list(
            "teacher_id", flat=True
        )
    )
    cancelled = requests.update(status=W.CANCELLED)
    if teachers:
        work_settled.send(sender=WorkRequest, teacher_ids=teachers)
    return cancelled


def _marked_lessons(placement_id: int, days) -> set[tuple[dt.date, int]]:
    return set(
        RegisterMark.objects.filter(placement_id=placement_id, date__in=list(days)).values_list(
            "date", "period_id"
        )
    )


def _check_changeable(placement: Placement, day: dt.date, today: dt.date) -> None:
    if placement.state not in LIVE:
        raise ValidationError(
            f"The plan can be changed while the placement is scheduled or active; this one "
            f"is {placement.get_state_display().lower()}."
        )
    if day < today:
        raise ValidationError(
            f"{day_text(day)} has passed: earlier lessons stay as planned, and the register "
            "records what happened."
        )


def set_cell(
    cell: PlanCell,
    mode: str,
    *,
    by: Actor,
    confirm_overfill: bool = False,
    today: dt.date | None = None,
) -> CellChange:
    """Put one lesson in class, in the room or in a one-to-one. A change that would
    overfill the room that period is not made unless `confirm_overfill` (the coordinator
    saw the warning and chose to go ahead)."""
    acting = Actor.of(by)
    by = acting.user
    if mode not in Mode.values:
        raise ValidationError("Choose in class, in the room or one-to-one.")
    today = today or timezone.localdate()
    with transaction.atomic():
        room = lock_room()
        placement = Placement.objects.select_for_update().get(pk=cell.placement_id)
        cell = PlanCell.objects.select_for_update().select_related("period").get(pk=cell.pk)
        _check_changeable(placement, cell.date, today)
        marked = (cell.date, cell.period_id) in _marked_lessons(placement.pk, [cell.date])
        if locked := lesson_locked(cell, today=today, marked=marked):
            raise ValidationError(locked)
        if cell.mode == mode:
            return CellChange(cell, applied=True)
        warning = ""
        if mode in ROOM_MODES:
            use = room_use([cell.date], exclude=placement.pk).get(
                (cell.date, cell.period_id), Use()
            )
            warning = overfill_warning(
                use,
                mode,
                room.capacity,
                TimetableSettings.load().one_to_one_spaces,
                period=cell.period,
                day=cell.date,
            )
            if warning and not confirm_overfill:
                return CellChange(cell, applied=False, warning=warning)
        previous = cell.mode
        cell.mode = mode
        cell.changed_by = by
        cell.changed_at = timezone.now()
        cell.save(update_fields=["mode", "changed_by", "changed_at"])
        _sync_request(cell, previous)
    return CellChange(cell, applied=True, warning=warning)


def set_week(
    placement: Placement,
    week_start: dt.date,
    *,
    in_class: set[str],
    by: Actor,
    note: str = "",
    review=None,
    confirm_overfill: bool = False,
    today: dt.date | None = None,
) -> CellChange | None:
    """Set a whole school week of the placement at once (a review's agreed step; any day
    of it names it): the subjects named in class, the rest in the room; one-to-one
    sessions stay. Lessons that have started or are on the register are left alone.
    Returns the first overfill warning (nothing changed) or None when done."""
    acting = Actor.of(by)
    by = acting.user
    today = today or timezone.localdate()
    with transaction.atomic():
        room = lock_room()
        placement = Placement.objects.select_for_update().get(pk=placement.pk)
        _check_changeable(placement, today, today)  # a live placement (with dates)
        week = next((w for w in placement_weeks(placement) if w[0] <= week_start <= w[-1]), [])
        if not week:
            raise ValidationError(f"{day_text(week_start)} is not in a week of the placement.")
        week_start = week[0]
        _check_changeable(placement, max(week[-1], today), today)
        cells = list(
            PlanCell.objects.select_for_update(of=("self",))
            .select_related("period")
            .filter(placement=placement, date__in=[d for d in week if d >= today])
        )
        use = room_use({c.date for c in cells}, exclude=placement.pk)
        spaces = TimetableSettings.load().one_to_one_spaces
        marked = _marked_lessons(placement.pk, {c.date for c in cells})
        changes = []
        for cell in cells:
            if cell.mode == Mode.ONE_TO_ONE:
                continue
            if lesson_locked(cell, today=today, marked=(cell.date, cell.period_id) in marked):
                continue
            mode = Mode.CLASS if cell.subject in in_class else Mode.ROOM
            if mode == cell.mode:
                continue
            if mode == Mode.ROOM:
                warning = overfill_warning(
                    use.get((cell.date, cell.period_id), Use()),
                    mode,
                    room.capacity,
                    spaces,
                    period=cell.period,
                    day=cell.date,
                )
                if warning and not confirm_overfill:
                    return CellChange(cell, applied=False, warning=warning)
            changes.append((cell, mode))
        now = timezone.now()
        for cell, mode in changes:
            previous = cell.mode
            cell.mode, cell.changed_by, cell.changed_at = mode, by, now
            cell.save(update_fields=["mode", "changed_by", "changed_at"])
            _sync_request(cell, previous)
        if note.strip() or review is not None:
            PlanWeekNote.objects.update_or_create(
                placement=placement,
                week_start=week_start,
                defaults={
                    "note": note.strip(),
                    "review": review,
                    "written_by": by,
                    "written_at": now,
                },
            )
    return None


# --- an exit without every subject --------------------------------------------------------


def allow_exit_without(
    placement: Placement, *, by: Actor, reason: str, until: dt.date
) -> ExitOverride:
    """The SENCO lets the placement end although subjects were missed; recorded in the
    student's chronology with the reason."""
    acting = Actor.of(by)
    by = acting.user
    if not by.can(Capability.ALLOW_EXIT_WITHOUT_SUBJECT):
        raise ValidationError("Only the SENCO can allow an exit without every subject.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the placement may end without them."})
    with transaction.atomic():
        placement = Placement.objects.select_for_update().get(pk=placement.pk)
        if placement.state != Placement.State.ACTIVE:
            raise ValidationError("Only an active placement's exit can be allowed.")
        if hasattr(placement, "exit_override"):
            raise ValidationError("The exit was already allowed without every subject.")
        missed = subjects_missed(placement, until)
        if not missed:
            raise ValidationError("Every subject has been attended in class: nothing to allow.")
        override = ExitOverride.objects.create(
            placement=placement, subjects=missed, reason=reason.strip(), by=by
        )
        record_event(
            student=placement.student,
            actor=acting,
            code="placement.exit_override",
            summary=f"Exit allowed without {', '.join(missed)} attended in class",
            account=reason.strip(),
        )
    return override
