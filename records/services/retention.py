"""Writes for the retention schedule: legal holds and two-person disposal.

Disposal is the one path that removes content from the student file, and it goes
through the database function records_dispose (records migration 0010), which checks
again everything checked here (approval by a second person, no legal hold, the date has
come) and refuses otherwise. The entry's files are deleted from storage once the
transaction that emptied the entry has committed.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from enigma import audit
from enigma.actor import Actor
from enigma.capabilities import Capability, has_capability
from enigma.models import Student
from records.audit_actions import RecordsAction
from records.models import (
    DisposalDecision,
    DisposalProposal,
    Entry,
    LegalHold,
    LegalHoldRelease,
)
from records.retention import REFUSED
from records.selectors.retention import held, retention_of
from records.storage import private_storage

log = logging.getLogger(__name__)


def _need(user, capability: Capability, message: str) -> None:
    if not has_capability(user, capability):
        raise PermissionDenied(message)


def _lock_students_of(entry: Entry) -> None:
    """Serialise decisions about one entry (its students' rows, as records.services)."""
    ids = list(entry.links.values_list("student_id", flat=True))
    list(Student.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


def place_hold(
    *, student: Student, by: Actor, reason: str, entry: Entry | None = None
) -> LegalHold:
    acting = Actor.of(by)
    by = acting.user
    _need(by, Capability.PLACE_LEGAL_HOLD, "Only the DSL, the head or the school admin can.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the file is held (the inquiry, the claim)."})
    if entry is not None and not entry.links.filter(student=student).exists():
        raise ValidationError({"entry": "That record is not in this student's file."})
    with transaction.atomic():
        hold = LegalHold.objects.create(student=student, entry=entry, reason=reason, placed_by=by)
        audit.record(
            RecordsAction.LEGAL_HOLD_PLACED,
            actor=acting,
            obj=hold,
            student=student,
            data={"entry": entry.pk if entry else None},
        )
    return hold


def release_hold(*, hold: LegalHold, by: Actor, reason: str) -> LegalHoldRelease:
    acting = Actor.of(by)
    by = acting.user
    _need(by, Capability.PLACE_LEGAL_HOLD, "Only the DSL, the head or the school admin can.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the hold is released."})
    with transaction.atomic():
        try:
            with transaction.atomic():
                release = LegalHoldRelease.objects.create(hold=hold, reason=reason, released_by=by)
        except IntegrityError:
            raise ValidationError("This hold has already been released.") from None
        audit.record(
            RecordsAction.LEGAL_HOLD_RELEASED, actor=acting, obj=hold, student=hold.student
        )
    return release


def propose_disposal(*, entry: Entry, by) -> DisposalProposal:
    """The DSL's half: this entry has fallen due under its rule."""
    acting = Actor.of(by)
    by = acting.user
    _need(by, Capability.PROPOSE_DISPOSAL, "Only the DSL can propose a disposal.")
    today = timezone.localdate()
    with transaction.atomic():
        _lock_students_of(entry)
        entry = Entry.objects.annotate(is_held=held()).get(pk=entry.pk)
        if entry.disposed_at is not None:
            raise ValidationError("This record has already been disposed of.")
        if entry.is_held:
            raise ValidationError("A legal hold stands on this record.")
        if entry.disposal_proposals.filter(decision__isnull=True).exists():
            raise ValidationError("This record is already proposed for disposal.")
        rule_id, due_on = retention_of(entry)
        if due_on is None or due_on > today:
            raise ValidationError("This record is not yet due for disposal.")
        proposal = DisposalProposal.objects.create(
            entry=entry, rule_id=rule_id, due_on=due_on, proposed_by=by
        )
        audit.record(
            RecordsAction.DISPOSAL_PROPOSED,
            actor=acting,
            obj=proposal,
            data={"entry": entry.pk, "rule": rule_id},
        )
    return proposal


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            private_storage().delete(name)
        except OSError:
            log.exception("Could not delete a disposed entry's file %s", name)


def decide_disposal(
    *, proposal: DisposalProposal, by: Actor, approve: bool, reason: str = ""
) -> DisposalDecision:
    """The second person's half. Approving disposes of the entry at once, through the
    database function; if it refuses, nothing is recorded and its reason is raised."""
    acting = Actor.of(by)
    by = acting.user
    _need(by, Capability.APPROVE_DISPOSAL, "Only the head or the school admin can decide.")
    if proposal.proposed_by_id == by.pk:
        raise ValidationError("Someone other than who proposed it must decide.")
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError({"reason": "Say why the record should be kept."})
    files: list[str] = []
    with transaction.atomic():
        _lock_students_of(proposal.entry)
        if DisposalDecision.objects.filter(proposal=proposal).exists():
            raise ValidationError("This proposal has already been decided.")
        decision = DisposalDecision.objects.create(
            proposal=proposal, approved=approve, decided_by=by, reason=reason
        )
        if approve:
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("SELECT records_dispose(%s)", [proposal.pk])
                    files = [name for (name,) in cursor.fetchall()]
            except DatabaseError as error:
                if getattr(error.__cause__, "sqlstate", None) != REFUSED:
                    raise
                raise ValidationError(error.__cause__.diag.message_primary) from None
        audit.record(
            RecordsAction.DISPOSAL_APPROVED if approve else RecordsAction.DISPOSAL_REJECTED,
            actor=acting,
            obj=proposal,
            data={"entry": proposal.entry_id, "rule": proposal.rule_id, "files": len(files)},
        )
        if files:
            transaction.on_commit(lambda: _delete_files(files))
    return decision
