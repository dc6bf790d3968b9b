"""Writing interventions: the plan, who is on it, their scores, each session, closing.

The plan (Intervention, InterventionStudent) may be edited. A session is recorded once:
an InterventionSession and, per student, a SessionAttendance row and a chronology entry
in that student's file alone, all in one transaction. A student's entry holds their own
attendance and note and the session's general notes, never another child's name or
note: a chronology is disclosed to the student and their family. Changes to who is on
an intervention and new sessions both take a row lock on the intervention, so a register
always covers exactly the students who were on it when it was saved, and numbers never
repeat.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from enigma.actor import Actor
from enigma.formatting import day_text as _day
from enigma.models import Student
from records.models import (
    Entry,
    Intervention,
    InterventionSession,
    InterventionStudent,
    SessionAttendance,
)
from records.services.entries import record_entry

PLAN_FIELDS = (
    "title",
    "focus",
    "lead",
    "planned_sessions",
    "schedule",
    "starts_on",
    "targets",
    "measure_name",
    "scale_min",
    "scale_max",
    "higher_is_better",
)

Status = SessionAttendance.Status


# --- the plan and its students -----------------------------------------------------------


def intervention_create(*, user: Actor, students: Iterable[Student], **plan) -> Intervention:
    """Plan an intervention and put students on it."""
    user = Actor.of(user).user
    _check_plan_names(plan)
    intervention = Intervention(created_by=user, **plan)
    errors = _plan_errors(intervention)
    student_ids, student_errors = _students_to_add(user, students, existing=set())
    errors.update(student_errors)
    if not student_ids and "students" not in errors:
        errors["students"] = "Choose at least one student."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        intervention.save()
        InterventionStudent.objects.bulk_create(
            InterventionStudent(intervention=intervention, student_id=pk) for pk in student_ids
        )
    return intervention


def intervention_update(
    *, intervention: Intervention, user: Actor, students: Iterable[Student] | None = None, **plan
) -> Intervention:
    """Change the plan and, if `students` is given, who is on it.

    Students the person may not see are left as they are. A student with session records
    stays on: their attendance is part of what happened.
    """
    user = Actor.of(user).user
    _check_plan_names(plan)
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        changed = [name for name, value in plan.items() if getattr(locked, name) != value]
        for name in changed:
            setattr(locked, name, plan[name])
        errors = _plan_errors(locked)
        errors.update(_plan_change_errors(locked, changed, errors))
        add_ids: list[int] = []
        remove_ids: set[int] = set()
        if students is not None:
            add_ids, remove_ids, student_errors = _membership_changes(user, locked, students)
            errors.update(student_errors)
        if errors:
            raise ValidationError(errors)
        if changed:
            locked.save(update_fields=changed)
        if remove_ids:
            InterventionStudent.objects.filter(
                intervention=locked, student_id__in=remove_ids
            ).delete()
        InterventionStudent.objects.bulk_create(
            InterventionStudent(intervention=locked, student_id=pk) for pk in add_ids
        )
    return locked


def _check_plan_names(plan: Mapping) -> None:
    unknown = set(plan) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"Not part of an intervention's plan: {', '.join(sorted(unknown))}")


def _plan_errors(intervention: Intervention) -> dict[str, str]:
    """The plan's own rules, as field -> message, before the database's constraints."""
    errors: dict[str, str] = {}
    if intervention.planned_sessions is not None and intervention.planned_sessions < 1:
        errors["planned_sessions"] = "Plan at least one session."
    low, high = intervention.scale_min, intervention.scale_max
    if low is not None and high is not None and high <= low:
        errors["scale_max"] = "The top of the scale must be above the bottom."
    lead = intervention.lead if intervention.lead_id else None
    if lead is not None and not lead.is_active:
        errors["lead"] = f"{lead} no longer has an account. Choose someone else to lead it."
    try:
        intervention.full_clean(
            exclude=["created_by", *errors], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, " ".join(messages))
    return errors


def _plan_change_errors(intervention: Intervention, changed: list[str], errors: dict) -> dict:
    """Changes that would contradict what has already been recorded."""
    found: dict[str, str] = {}
    if "starts_on" in changed and "starts_on" not in errors:
        first = intervention.sessions.order_by("held_on").values_list("held_on", flat=True).first()
        if first is not None and intervention.starts_on > first:
            found["starts_on"] = (
                f"A session was held on {_day(first)}, so it cannot start after that."
            )
    scale = {"scale_min", "scale_max"}
    if scale & set(changed) and not scale & set(errors):
        low, high = intervention.scale_min, intervention.scale_max
        outside = [
            m.student.name
            for m in intervention.memberships.select_related("student")
            if any(s is not None and not low <= s <= high for s in (m.entry_score, m.exit_score))
        ]
        if outside:
            found["scale_max"] = (
                f"Scores already recorded for {_names(outside)} fall outside "
                f"{score_text(low)} to {score_text(high)}. Change those scores first."
            )
    return found


def _visible_on_roll(user):
    return Student.objects.visible_to(user).filter(on_roll=True)


def _students_to_add(
    user, students: Iterable[Student], *, existing: set[int]
) -> tuple[list[int], dict[str, str]]:
    """The ids of new members, checking the person may see each one and they are on roll."""
    wanted = {s.pk for s in students} - existing
    if not wanted:
        return [], {}
    allowed = set(_visible_on_roll(user).filter(pk__in=wanted).values_list("pk", flat=True))
    if allowed != wanted:
        return [], {"students": "Choose students on roll from the list."}
    return sorted(wanted), {}


def _membership_changes(
    user, intervention: Intervention, students: Iterable[Student]
) -> tuple[list[int], set[int], dict[str, str]]:
    current = set(intervention.memberships.values_list("student_id", flat=True))
    wanted = {s.pk for s in students}
    visible = set(
        Student.objects.visible_to(user).filter(pk__in=current).values_list("pk", flat=True)
    )
    # Students the person cannot see are not theirs to take off.
    wanted |= current - visible
    add_ids, errors = _students_to_add(user, [Student(pk=pk) for pk in wanted], existing=current)
    remove_ids = current - wanted
    if add_ids and intervention.closed_on is not None:
        errors["students"] = "This intervention is closed, so no one new can join it."
    if not wanted and "students" not in errors:
        errors["students"] = "An intervention needs at least one student."
    if remove_ids and "students" not in errors:
        kept = list(
            Student.objects.filter(
                pk__in=SessionAttendance.objects.filter(
                    session__intervention=intervention, student_id__in=remove_ids
                ).values("student_id")
            ).order_by("legal_surname", "legal_forename")
        )
        if kept:
            verb = "has" if len(kept) == 1 else "have"
            errors["students"] = (
                f"{_names([s.name for s in kept])} {verb} session records on this "
                "intervention, so they stay on it."
            )
    return add_ids, remove_ids, errors


# --- scores -------------------------------------------------------------------------------


def record_scores(
    *,
    intervention: Intervention,
    user: Actor,
    entry_scores: Mapping[int, Decimal | None] | None = None,
    exit_scores: Mapping[int, Decimal | None] | None = None,
) -> list[InterventionStudent]:
    """Set entry and exit scores on the intervention's measure, by student pk.

    Only the students given are changed; None clears a score. Errors are keyed
    "entry_<pk>" and "exit_<pk>".
    """
    user = Actor.of(user).user
    entry_scores, exit_scores = dict(entry_scores or {}), dict(exit_scores or {})
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        memberships = {
            m.student_id: m
            for m in locked.memberships.select_related("student").filter(
                student_id__in=set(entry_scores) | set(exit_scores)
            )
        }
        errors: dict[str, str] = {}
        low, high = locked.scale_min, locked.scale_max
        for prefix, scores in (("entry", entry_scores), ("exit", exit_scores)):
            for pk, score in scores.items():
                if pk not in memberships:
                    errors[NON_FIELD_ERRORS] = "Scores can only be given for students on it."
                elif score is not None and not low <= score <= high:
                    errors[f"{prefix}_{pk}"] = (
                        f"Give a score from {score_text(low)} to {score_text(high)}."
                    )
        if errors:
            raise ValidationError(errors)
        changed = []
        for pk, membership in memberships.items():
            fields = []
            for name, scores in (("entry_score", entry_scores), ("exit_score", exit_scores)):
                if pk in scores and getattr(membership, name) != scores[pk]:
                    setattr(membership, name, scores[pk])
                    fields.append(name)
            if fields:
                membership.save(update_fields=fields)
                changed.append(membership)
    return changed


# --- sessions -----------------------------------------------------------------------------


def record_session(
    *,
    intervention: Intervention,
    user: Actor,
    held_on: dt.date,
    attendance: Mapping[int, str],
    notes: str = "",
    student_notes: Mapping[int, str] | None = None,
    recorded_at: dt.datetime | None = None,
) -> InterventionSession:
    """Record one session: who came, notes, and an entry of its own in each member's
    chronology with only that member's attendance and note and the session notes.

    `attendance` maps every member's pk (and only theirs) to attended, late or absent.
    recorded_at is for bringing in history (the demo seed), as for record_entry.
    """
    user = Actor.of(user).user
    student_notes = {pk: note.strip() for pk, note in (student_notes or {}).items()}
    notes = notes.strip()
    with transaction.atomic():
        # The lock serialises numbering and membership changes for this intervention.
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        members = list(
            Student.objects.filter(intervention_memberships__intervention=locked).order_by(
                "legal_surname", "legal_forename", "pk"
            )
        )
        _check_session(locked, members, held_on, attendance, student_notes)
        number = (locked.sessions.aggregate(last=Max("number"))["last"] or 0) + 1
        summary = session_summary(locked, number)
        occurred_at = _occurred_at(held_on)
        recorded_at = recorded_at or timezone.now()
        session = InterventionSession.objects.create(
            intervention=locked,
            number=number,
            held_on=held_on,
            notes=notes,
            recorded_by=user,
            recorded_at=recorded_at,
        )
        # One entry per student, linked to that student only. In pk order, as
        # record_entry locks students, so this cannot deadlock with other writers.
        for student in sorted(members, key=lambda s: s.pk):
            note = student_notes.get(student.pk, "")
            entry = record_entry(
                author=user,
                students=[student],
                kind=Entry.Kind.SESSION,
                summary=summary,
                account=_session_account(attendance[student.pk], note, notes),
                occurred_at=occurred_at,
                recorded_at=recorded_at,
            )
            SessionAttendance.objects.create(
                session=session,
                student=student,
                status=attendance[student.pk],
                note=note,
                entry=entry,
            )
    return session


def _check_session(
    intervention: Intervention,
    members: list[Student],
    held_on: dt.date,
    attendance: Mapping[int, str],
    student_notes: Mapping[int, str],
) -> None:
    errors: dict[str, str] = {}
    if intervention.closed_on is not None:
        errors[NON_FIELD_ERRORS] = (
            f"This intervention closed on {_day(intervention.closed_on)}, so no more sessions "
            "can be recorded."
        )
    if held_on > timezone.localdate():
        errors["held_on"] = "This date is in the future. Record a session once it has happened."
    elif held_on < intervention.starts_on:
        errors["held_on"] = (
            f"The intervention starts on {_day(intervention.starts_on)}; "
            "give a date on or after that."
        )
    member_ids = {s.pk for s in members}
    if not members:
        errors["attendance"] = "Add students to this intervention before recording a session."
    elif set(attendance) != member_ids:
        errors["attendance"] = (
            "The students on this intervention have changed. Check the register and save again."
        )
    elif any(status not in Status.values for status in attendance.values()):
        errors["attendance"] = "Give attended, late or absent for each student."
    if set(student_notes) - member_ids:
        errors["student_notes"] = "Notes can only be given for students on this intervention."
    elif any(len(note) > 300 for note in student_notes.values()):
        errors["student_notes"] = "Keep each student's note to 300 characters."
    if errors:
        raise ValidationError(errors)


def session_summary(intervention: Intervention, number: int) -> str:
    """e.g. "Literacy: Reading catch-up, session 3 of 6"."""
    planned = intervention.planned_sessions
    count = (
        f"session {number} of {planned}"
        if number <= planned
        else (f"session {number} ({planned} planned)")
    )
    return f"{intervention.get_focus_display()}: {intervention.title}, {count}"


def _session_account(status: str, note: str, notes: str) -> str:
    """One student's account of a session: their attendance, their own note and the
    session's general notes. It names no one, so it says nothing about other students."""
    parts = [f"{Status(status).label}."]
    if note:
        parts.append(f"Note: {note}")
    if notes:
        parts.append(f"Session notes: {notes}")
    return "\n\n".join(parts)


def _occurred_at(held_on: dt.date) -> dt.datetime:
    """Sessions are recorded by date: they go into the chronology at midday that day, or
    now if that is still to come (a morning session recorded before noon)."""
    midday = timezone.make_aware(dt.datetime.combine(held_on, dt.time(12)))
    return min(midday, timezone.now())


# --- closing ------------------------------------------------------------------------------


def intervention_close(
    *, intervention: Intervention, user: Actor, closed_on: dt.date | None = None
) -> Intervention:
    """Close an intervention: no more sessions. Scores may still be recorded."""
    user = Actor.of(user).user
    closed_on = closed_on or timezone.localdate()
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        last = locked.sessions.aggregate(last=Max("held_on"))["last"]
        if locked.closed_on is not None:
            raise ValidationError(
                {NON_FIELD_ERRORS: f"This intervention already closed on {_day(locked.closed_on)}."}
            )
        if closed_on > timezone.localdate():
            error = "Close it on or before today."
        elif closed_on < locked.starts_on:
            error = f"It started on {_day(locked.starts_on)}; close it on or after that."
        elif last is not None and closed_on < last:
            error = f"The last session was on {_day(last)}; close it on or after that."
        else:
            error = ""
        if error:
            raise ValidationError({"closed_on": error})
        locked.closed_on = closed_on
        locked.save(update_fields=["closed_on"])
    return locked


# --- wording ------------------------------------------------------------------------------


def score_text(value: Decimal) -> str:
    """2 for 2.00, 2.5 for 2.50."""
    return f"{value.normalize():f}" if isinstance(value, Decimal) else str(value)


def _names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"
