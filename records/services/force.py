"""Recording a significant use of reasonable force, correcting it and adding its debrief.

A use of force is one chronology entry (kind FORCE, always restricted) in the file of every
pupil involved, with a ForceRecord holding what is counted. Its narrative goes into the
entry's account, laid out under headings, so the hash chain seals it and the existing
pages, prints and exports show it exactly where a restricted entry's content may be shown.
A correction, or the debrief held later, is a new entry amending the last one: nothing is
ever changed in place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from enigma import audit
from enigma.actor import Actor
from enigma.capabilities import Capability
from enigma.formatting import day_text
from enigma.models import Student
from records.audit_actions import RecordsAction
from records.models import Entry, ForceRecord, ForceRecordStaff
from records.services.entries import record_entry

# Longer than any lesson or the school day would be a typing slip.
MAX_MINUTES = 600


@dataclass(frozen=True)
class ForceDetails:
    occurred_at: dt.datetime
    place: str
    place_detail: str
    summary: str
    before: str
    what_was_done: str
    duration_minutes: int
    staff: Sequence = ()
    pupil_injured: bool = False
    pupil_injuries: str = ""
    staff_injured: bool = False
    staff_injuries: str = ""
    parents_told: str = ForceRecord.ParentsTold.NOT_YET
    parents_told_at: dt.datetime | None = None
    parents_told_detail: str = ""
    debrief_at: dt.datetime | None = None
    debrief: str = ""
    extra: dict = field(default_factory=dict)


def _errors(d: ForceDetails, now: dt.datetime) -> dict[str, str]:
    errors: dict[str, str] = {}
    if d.occurred_at > now:
        errors["occurred_at"] = "This is in the future. Record it once it has happened."
    if d.place not in ForceRecord.Place.values:
        errors["place"] = "Choose where it happened."
    if not d.summary.strip():
        errors["summary"] = "Give the record a one-line summary."
    if not d.before.strip():
        errors["before"] = "Say what happened before, and what was tried to calm things."
    if not d.what_was_done.strip():
        errors["what_was_done"] = "Say what was done: the hold or guiding used, and by whom."
    if not 1 <= d.duration_minutes <= MAX_MINUTES:
        errors["duration_minutes"] = f"Give the minutes it lasted, from 1 to {MAX_MINUTES}."
    if not d.staff:
        errors["staff"] = "Choose the staff who were involved."
    if d.pupil_injured and not d.pupil_injuries.strip():
        errors["pupil_injuries"] = "Describe the injury and the first aid given."
    if d.staff_injured and not d.staff_injuries.strip():
        errors["staff_injuries"] = "Describe the injury and the first aid given."
    if d.parents_told not in ForceRecord.ParentsTold.values:
        errors["parents_told"] = "Say how parents were told, or that they have not been yet."
    elif d.parents_told == ForceRecord.ParentsTold.NOT_YET:
        if d.parents_told_at is not None:
            errors["parents_told_at"] = "Leave this empty while parents have not been told."
    elif d.parents_told_at is None:
        errors["parents_told_at"] = "Say when parents were told."
    elif d.parents_told_at > now:
        errors["parents_told_at"] = "This is in the future."
    elif d.parents_told_at < d.occurred_at:
        errors["parents_told_at"] = "Parents cannot have been told before it happened."
    if d.debrief_at is not None:
        if d.debrief_at > now:
            errors["debrief_at"] = "This is in the future."
        elif d.debrief_at < d.occurred_at:
            errors["debrief_at"] = "The debrief cannot come before what it is about."
        if not d.debrief.strip():
            errors["debrief"] = "Say what the debrief found and what will change."
    elif d.debrief.strip():
        errors["debrief_at"] = "Say when the debrief was held."
    return errors


def _when(value: dt.datetime) -> str:
    local = timezone.localtime(value)
    return f"{day_text(local.date())} {local:%H:%M}"


def account_text(d: ForceDetails, staff_names: Sequence[str]) -> str:
    """The narrative, under headings, as it is sealed into the entry."""
    place = ForceRecord.Place(d.place).label
    if d.place_detail.strip():
        place = f"{place}: {d.place_detail.strip()}"
    if d.parents_told == ForceRecord.ParentsTold.NOT_YET:
        parents = "Not yet told."
    else:
        parents = f"{ForceRecord.ParentsTold(d.parents_told).label}, {_when(d.parents_told_at)}."
        if d.parents_told_detail.strip():
            parents += f" {d.parents_told_detail.strip()}"
    if d.debrief_at is None:
        debrief = "Not yet held."
    else:
        debrief = f"{_when(d.debrief_at)}. {d.debrief.strip()}"
    sections = [
        ("Where", place),
        ("Staff involved", ", ".join(staff_names)),
        ("What happened before", d.before.strip()),
        ("What was done", d.what_was_done.strip()),
        ("For how long", f"{d.duration_minutes} minute{'s' if d.duration_minutes != 1 else ''}"),
        ("Injuries to pupils", d.pupil_injuries.strip() if d.pupil_injured else "None."),
        ("Injuries to staff", d.staff_injuries.strip() if d.staff_injured else "None."),
        ("Parents told", parents),
        ("Debrief", debrief),
    ]
    return "\n\n".join(f"{heading}:\n{text}" for heading, text in sections)


def record_force(
    *,
    by: Actor,
    students: Sequence[Student],
    details: ForceDetails,
    amends: Entry | None = None,
    amendment_reason: str = "",
) -> ForceRecord:
    """Record a use of force in each involved pupil's file (or correct one: `amends`, the
    latest record of its thread, keeps its pupils). Raises ValidationError by field."""
    by = Actor.of(by)
    user = by.user
    if not user.can(Capability.RECORD_FORCE):
        raise ValidationError("Only the room coordinator, the DSL team and the deputy head can.")
    if amends is not None:
        if amends.kind != Entry.Kind.FORCE:
            raise ValidationError("Only a record of the use of force is corrected here.")
        if amends.amendments.exists():
            raise ValidationError(
                {"amendment_reason": "This record was corrected since you opened it."}
            )
        students = list(amends.students.order_by("pk"))
    now = timezone.now()
    errors = _errors(details, now)
    if not students:
        errors["students"] = "Choose the pupils involved."
    if amends is not None and not amendment_reason.strip():
        errors["amendment_reason"] = "Say what changed, so readers know why."
    if errors:
        raise ValidationError(errors)
    staff = sorted({u.pk: u for u in details.staff}.values(), key=lambda u: (str(u), u.pk))
    with transaction.atomic():
        entry = record_entry(
            author=user,
            students=students,
            kind=Entry.Kind.FORCE,
            summary=details.summary,
            occurred_at=details.occurred_at,
            account=account_text(details, [str(u) for u in staff]),
            amends=amends,
            amendment_reason=amendment_reason,
        )
        record = ForceRecord.objects.create(
            entry=entry,
            place=details.place,
            duration_minutes=details.duration_minutes,
            pupil_injured=details.pupil_injured,
            staff_injured=details.staff_injured,
            parents_told=details.parents_told,
            parents_told_at=details.parents_told_at,
            debrief_at=details.debrief_at,
        )
        ForceRecordStaff.objects.bulk_create(
            ForceRecordStaff(force_record=record, user=u) for u in staff
        )
        audit.record(
            RecordsAction.FORCE_CORRECTED if amends is not None else RecordsAction.FORCE_RECORDED,
            actor=by,
            obj=entry,
            student=students[0],
            # Ids only: the record's words are restricted.
            data={"entry": entry.pk, "pupils": len(students), "amends": amends and amends.pk},
        )
    return record
