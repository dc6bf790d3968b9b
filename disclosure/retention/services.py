"""Writes for a room record's retention: the two halves of its disposal.

Disposal goes through the database function disclosure_dispose_room_record (disclosure
migration 0004), which checks again everything checked here (approval by a second
person, no legal hold, the record closed, the date has come) and refuses otherwise. The
record's work files are deleted from storage once the transaction that deleted its rows
has committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from disclosure.audit_actions import DisclosureAction
from disclosure.models import (
    PupilRecordDecision,
    PupilRecordDisposal,
    PupilRecordProposal,
    RoomRecordDecision,
    RoomRecordDisposal,
    RoomRecordProposal,
)
from disclosure.retention.selectors import (
    file_held,
    pupil_record_state,
    pupil_retention_of,
    room_retention_of,
)
from enigma import audit
from enigma.actor import Actor
from enigma.capabilities import Capability, has_capability
from enigma.models import Student
from records.retention import REFUSED
from records.storage import private_storage
from referrals.models import Placement, Referral

log = logging.getLogger(__name__)

# A foreign key still pointing at a deleted row (SQLSTATE): a table the function does not
# know of yet holds part of the record.
FOREIGN_KEY_VIOLATION = "23503"


def _need(user, capability: Capability, message: str) -> None:
    if not has_capability(user, capability):
        raise PermissionDenied(message)


def _lock_student(student_id: int) -> None:
    """Serialise decisions about one pupil's records (as records.services.retention)."""
    Student.objects.select_for_update().filter(pk=student_id).first()


def propose_room_disposal(*, referral: Referral, by) -> RoomRecordProposal:
    """The DSL's half: this referral's room record has fallen due under its rule."""
    acting = Actor.of(by)
    by = acting.user
    _need(by, Capability.PROPOSE_DISPOSAL, "Only the DSL can propose a disposal.")
    today = timezone.localdate()
    with transaction.atomic():
        _lock_student(referral.student_id)
        found = (
            Referral.objects.filter(pk=referral.pk)
            .annotate(is_held=file_held())
            .select_related("placement")
            .first()
        )
        if found is None:
            raise ValidationError("This record has already been disposed of.")
        if found.is_held:
            raise ValidationError("A legal hold stands on this pupil's file.")
        if found.is_open:
            raise ValidationError("The referral is still open: it cannot be disposed of.")
        # A missing reverse one-to-one raises an AttributeError subclass.
        placement = getattr(found, "placement", None)
        if placement is not None and placement.state in Placement.LIVE:
            raise ValidationError("The placement is not over: it cannot be disposed of.")
        if RoomRecordProposal.objects.filter(
            referral_number=found.pk, decision__isnull=True
        ).exists():
            raise ValidationError("This record is already proposed for disposal.")
        rule_id, due_on = room_retention_of(found)
        if due_on is None or due_on > today:
            raise ValidationError("This record is not yet due for disposal.")
        proposal = RoomRecordProposal.objects.create(
            student_id=found.student_id,
            referral_number=found.pk,
            rule_id=rule_id,
            due_on=due_on,
            proposed_by=by,
        )
        audit.record(
            DisclosureAction.ROOM_DISPOSAL_PROPOSED,
            actor=acting,
            obj=proposal,
            student=proposal.student,
            data={"referral": found.pk, "rule": rule_id},
        )
    return proposal


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            private_storage().delete(name)
        except OSError:
            log.exception("Could not delete a disposed room record's file %s", name)


@dataclass(frozen=True)
class _Unit:
    """What differs between the kinds of record disposed of here: the tables of their
    decisions and tombstones, their database function, their audit actions and what the
    audit rows name."""

    decision: type
    disposal: type
    function: str
    approved: str
    rejected: str
    names: Callable[[object], dict]


ROOM = _Unit(
    decision=RoomRecordDecision,
    disposal=RoomRecordDisposal,
    function="disclosure_dispose_room_record",
    approved=DisclosureAction.ROOM_DISPOSAL_APPROVED,
    rejected=DisclosureAction.ROOM_DISPOSAL_REJECTED,
    names=lambda proposal: {"referral": proposal.referral_number},
)
PUPIL = _Unit(
    decision=PupilRecordDecision,
    disposal=PupilRecordDisposal,
    function="disclosure_dispose_pupil_record",
    approved=DisclosureAction.PUPIL_DISPOSAL_APPROVED,
    rejected=DisclosureAction.PUPIL_DISPOSAL_REJECTED,
    names=lambda proposal: {"pupil": proposal.student_id},
)


def decide_room_disposal(*, proposal: RoomRecordProposal, by, approve: bool, reason: str = ""):
    """The second person's half. Approving disposes of the record at once, through the
    database function; if it refuses, nothing is recorded and its reason is raised."""
    return _decide(ROOM, proposal=proposal, by=by, approve=approve, reason=reason)


def decide_pupil_disposal(*, proposal: PupilRecordProposal, by, approve: bool, reason: str = ""):
    """As decide_room_disposal, for a pupil's remaining record."""
    return _decide(PUPIL, proposal=proposal, by=by, approve=approve, reason=reason)


def _decide(unit: _Unit, *, proposal, by, approve: bool, reason: str):
    acting = Actor.of(by)
    by = acting.user
    _need(by, Capability.APPROVE_DISPOSAL, "Only the head or the school admin can decide.")
    if proposal.proposed_by_id == by.pk:
        raise ValidationError("Someone other than who proposed it must decide.")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError({"reason": "Say why the record should be kept."})
    files: list[str] = []
    with transaction.atomic():
        _lock_student(proposal.student_id)
        if unit.decision.objects.filter(proposal=proposal).exists():
            raise ValidationError("This proposal has already been decided.")
        decision = unit.decision.objects.create(
            proposal=proposal, approved=approve, decided_by=by, reason=reason
        )
        rows = 0
        if approve:
            files = _dispose(unit.function, proposal)
            rows = unit.disposal.objects.get(proposal=proposal).rows_total
        audit.record(
            unit.approved if approve else unit.rejected,
            actor=acting,
            obj=proposal,
            student=proposal.student,
            data={
                **unit.names(proposal),
                "rule": proposal.rule_id,
                "rows": rows,
                "files": len(files),
            },
        )
        if files:
            transaction.on_commit(lambda: _delete_files(files))
    return decision


def _dispose(function: str, proposal) -> list[str]:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SELECT {function}(%s)", [proposal.pk])
            return [name for (name,) in cursor.fetchall()]
    except IntegrityError as error:
        if getattr(error.__cause__, "sqlstate", None) != FOREIGN_KEY_VIOLATION:
            raise
        log.exception("A record could not be disposed of: something still points at it")
        raise ValidationError(
            "Something else still refers to this record, so it was not disposed of. "
            "Nothing was removed; please tell the school's Enigma support."
        ) from None
    except DatabaseError as error:
        if getattr(error.__cause__, "sqlstate", None) != REFUSED:
            raise
        raise ValidationError(error.__cause__.diag.message_primary) from None


def propose_pupil_disposal(*, student: Student, by) -> PupilRecordProposal:
    """The DSL's half for a pupil's remaining record: the pupil has left, none of their
    chronology entries or room records remains, and the latest rule's day has come."""
    acting = Actor.of(by)
    by = acting.user
    _need(by, Capability.PROPOSE_DISPOSAL, "Only the DSL can propose a disposal.")
    today = timezone.localdate()
    with transaction.atomic():
        _lock_student(student.pk)
        state = pupil_record_state(student.pk)
        if state is None:
            raise ValidationError("There is no such pupil.")
        if state["disposed"]:
            raise ValidationError("This record has already been disposed of.")
        if state["is_held"]:
            raise ValidationError("A legal hold stands on this pupil's file.")
        if state["on_roll"]:
            raise ValidationError("The pupil is still on roll: their record cannot be disposed of.")
        if state["has_entries"]:
            raise ValidationError(
                "Some of the pupil's chronology entries have not been disposed of: "
                "they go first, by their own rules."
            )
        if state["has_referrals"]:
            raise ValidationError(
                "Some of the pupil's room records have not been disposed of: they go first."
            )
        if state["proposed"]:
            raise ValidationError("This record is already proposed for disposal.")
        rule_id, due_on = pupil_retention_of(student)
        if due_on is None or due_on > today:
            raise ValidationError("This record is not yet due for disposal.")
        proposal = PupilRecordProposal.objects.create(
            student_id=student.pk, rule_id=rule_id, due_on=due_on, proposed_by=by
        )
        audit.record(
            DisclosureAction.PUPIL_DISPOSAL_PROPOSED,
            actor=acting,
            obj=proposal,
            student=proposal.student,
            data={"pupil": student.pk, "rule": rule_id},
        )
    return proposal
