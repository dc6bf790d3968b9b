"""Writing to the student file. Views, tasks, commands and the other apps call these.

Every write that adds to a chronology locks the students it involves (in id order, so two
writers never deadlock), reads each chronology's last link, and appends a link that
chains from it, all in one transaction. Nothing here updates or deletes a row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from enigma import audit
from enigma.actor import Actor
from enigma.capabilities import Capability
from enigma.models import Student
from records import access, chain, hooks
from records.audit_actions import RecordsAction
from records.models import Action, ActionCompletion, Category, ChronologyLink, Entry, EntryShare


@dataclass(frozen=True)
class NewAction:
    description: str
    assignee: object  # a User
    due_on: dt.date


def record_entry(
    *,
    author: Actor,
    students: Iterable[Student],
    kind: str,
    summary: str,
    occurred_at: dt.datetime | None = None,
    category: Category | None = None,
    account: str = "",
    contact_with: str = "",
    contact_method: str = "",
    agreed: str = "",
    event_code: str = "",
    amends: Entry | None = None,
    amendment_reason: str = "",
    actions: Sequence[NewAction] = (),
    recorded_at: dt.datetime | None = None,
) -> Entry:
    """Add one entry to the chronology of each student it involves.

    recorded_at is for bringing in history (the demo seed, records moved from another
    system), never for forms: an entry is recorded now.
    """
    author = Actor.of(author).user
    student_ids = sorted({s.pk for s in students})
    now = recorded_at or timezone.now()
    occurred_at = occurred_at or now
    errors = {}
    if not student_ids:
        errors["students"] = "Choose at least one student."
    if not summary.strip():
        errors["summary"] = "Give the entry a short summary."
    if recorded_at is not None and recorded_at > timezone.now():
        errors["recorded_at"] = "An entry cannot be recorded in the future."
    if occurred_at > now:
        errors["occurred_at"] = "This is in the future. Record things once they have happened."
    if category is not None and not category.active and amends is None:
        errors["category"] = f"The category {category} is no longer in use."
    if amends is not None and not amendment_reason.strip():
        errors["amendment_reason"] = "Say what was wrong, so readers know why it changed."
    if kind == Entry.Kind.EVENT and not event_code:
        errors["event_code"] = "A placement event needs its code."
    if errors:
        raise ValidationError(errors)
    # Never less restricted than what it corrects, as that is now (by flag, category or
    # its own chain of corrections).
    restricted = bool(
        kind == Entry.Kind.FORCE
        or (category is not None and category.restricted)
        or (amends is not None and access.is_restricted(amends))
    )
    with transaction.atomic():
        locked = list(Student.objects.select_for_update().filter(pk__in=student_ids).order_by("pk"))
        if len(locked) != len(student_ids):
            raise ValidationError({"students": "One of these students is not in Enigma."})
        entry = Entry.objects.create(
            kind=kind,
            category=category,
            restricted=restricted,
            occurred_at=occurred_at,
            recorded_at=now,
            author=author,
            summary=summary.strip(),
            account=account,
            contact_with=contact_with,
            contact_method=contact_method,
            agreed=agreed,
            event_code=event_code,
            amends=amends,
            amendment_reason=amendment_reason.strip(),
        )
        for student in locked:
            _append_link(entry, student.pk)
        _add_actions(entry, author, actions, now)
    return entry


def _add_actions(entry: Entry, by, actions: Sequence[NewAction], now) -> None:
    """Actions on a restricted entry go to the DSL team; a DSL may give one to a colleague,
    which shares the entry with them (they cannot act on what they cannot read)."""
    for a in actions:
        if not a.description.strip():
            raise ValidationError({"actions": "Say what the action is."})
        if a.due_on < timezone.localdate(now):
            raise ValidationError({"actions": f"The action “{a.description}” is due in the past."})
    Action.objects.bulk_create(
        Action(
            entry=entry,
            description=a.description.strip(),
            assignee=a.assignee,
            due_on=a.due_on,
            created_at=now,
        )
        for a in actions
    )
    if not access.is_restricted(entry):
        return
    outsiders = {
        a.assignee
        for a in actions
        if not (
            a.assignee.can(Capability.READ_RESTRICTED)
            or (entry.kind == Entry.Kind.FORCE and a.assignee.can(Capability.READ_FORCE_RECORDS))
        )
    }
    if outsiders and not by.can(Capability.SHARE_RESTRICTED):
        names = ", ".join(sorted(str(u) for u in outsiders))
        raise ValidationError(
            {
                "actions": f"This entry is restricted, so its actions go to the safeguarding "
                f"team. {names} cannot be given one; ask the designated safeguarding lead."
            }
        )
    for colleague in outsiders:
        EntryShare.objects.get_or_create(
            entry=entry,
            shared_with=colleague,
            defaults={"shared_by": by, "reason": "Holds a follow-up action on this entry."},
        )


def add_actions(*, entry: Entry, by: Actor, actions: Sequence[NewAction]) -> None:
    """Follow-up actions set after the entry was recorded."""
    actor = Actor.of(by)
    with transaction.atomic():
        _add_actions(entry, actor.user, actions, timezone.now())
        if actions:
            _answered(entry, actor)


def _answered(entry: Entry, actor: Actor) -> None:
    """A response recorded on the entry: by the safeguarding team on a restricted one, the
    concern is taken up (records/hooks.py). Call inside the transaction that recorded it."""
    user = actor.user
    if (
        user is not None
        and user.can(Capability.OVERSEE_SAFEGUARDING)
        and access.is_restricted(entry)
    ):
        hooks.restricted_entry_answered.send(sender=Entry, entry=entry, by=actor)


def share_entry(*, entry: Entry, shared_by: Actor, colleague, reason: str) -> EntryShare:
    """A DSL lets one named colleague read one restricted entry."""
    by = Actor.of(shared_by)
    shared_by = by.user
    errors = {}
    if not shared_by.can(Capability.SHARE_RESTRICTED):
        raise ValidationError("Only the safeguarding team can share a restricted entry.")
    if not access.is_restricted(entry):
        errors["colleague"] = "This entry is not restricted: everyone who sees the file sees it."
    elif not colleague.is_active:
        errors["colleague"] = f"{colleague} no longer has an account."
    elif colleague.can(Capability.READ_RESTRICTED):
        errors["colleague"] = f"{colleague} is in the safeguarding team and already sees it."
    if not reason.strip():
        errors["reason"] = "Say why they need to see it; it is kept with the share."
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            share = EntryShare.objects.create(
                entry=entry, shared_with=colleague, shared_by=shared_by, reason=reason.strip()
            )
            audit.record(
                RecordsAction.ENTRY_SHARED,
                actor=by,
                obj=entry,
                student=entry.students.order_by("pk").first(),
                # The reason stays with the share; the log names no words of it.
                data={"with": colleague.pk, "share": share.pk},
            )
            return share
    except IntegrityError:
        raise ValidationError({"colleague": f"{colleague} can already read this entry."}) from None


def _append_link(entry: Entry, student_id: int) -> ChronologyLink:
    """Call with the student's row locked."""
    last = (
        ChronologyLink.objects.filter(student_id=student_id)
        .order_by("-seq")
        .values_list("seq", "hash")
        .first()
    )
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, chain.GENESIS)
    sealed = chain.seal(prev_hash=prev_hash, student_id=student_id, seq=seq, entry=entry)
    return ChronologyLink.objects.create(
        entry=entry,
        student_id=student_id,
        seq=seq,
        prev_hash=prev_hash,
        key_id=sealed.key_id,
        content_digest=sealed.content_digest,
        hash=sealed.hash,
    )


def amend_entry(
    *, author: Actor, original: Entry, reason: str, summary: str, account: str, **fields
) -> Entry:
    """Correct an entry by recording a new one that amends it; the original stays as it was.

    The amendment sits in the same chronologies as the original, keeps its kind, and is
    restricted whenever the original is.
    """
    if original.kind == Entry.Kind.EVENT:
        raise ValidationError("Placement events are corrected by the placement, not amended.")
    if original.kind == Entry.Kind.FORCE:
        raise ValidationError(
            "A record of the use of force is corrected with its own form (records.services.force)."
        )
    return record_entry(
        author=author,
        students=original.students.all(),
        kind=original.kind,
        category=fields.pop("category", original.category),
        occurred_at=fields.pop("occurred_at", original.occurred_at),
        summary=summary,
        account=account,
        amends=original,
        amendment_reason=reason,
        **fields,
    )


def record_event(
    *,
    student: Student,
    actor: Actor,
    code: str,
    summary: str,
    account: str = "",
    occurred_at: dt.datetime | None = None,
) -> Entry:
    """A lifecycle event from another app (referral submitted, placement started, ...)."""
    return record_entry(
        author=actor,
        students=[student],
        kind=Entry.Kind.EVENT,
        event_code=code,
        summary=summary,
        account=account,
        occurred_at=occurred_at,
    )


def complete_action(
    *, action: Action, user: Actor, outcome: str, done_at: dt.datetime | None = None
) -> ActionCompletion:
    actor = Actor.of(user)
    if not outcome.strip():
        raise ValidationError({"outcome": "Say what came of it."})
    try:
        with transaction.atomic():
            completion = ActionCompletion.objects.create(
                action=action,
                done_by=actor.user,
                outcome=outcome.strip(),
                done_at=done_at or timezone.now(),
            )
            _answered(action.entry, actor)
            return completion
    except IntegrityError:
        raise ValidationError("This action was already marked done.") from None
