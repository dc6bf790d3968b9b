"""Every change of a referral's status or a placement's state: checked against the
allowed moves, logged (who, when, why) and written into the student's chronology.

Callers hold the row lock (select_for_update) on the referral or placement they change.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone

from enigma.actor import Actor
from records.services.entries import record_event
from referrals.hooks import placement_changed, referral_moved
from referrals.models import Placement, PlacementTransition, Referral, ReferralTransition

R = Referral.Status
P = Placement.State

REFERRAL_MOVES: dict[str, set[str]] = {
    "": {R.DRAFT},
    R.DRAFT: {R.SUBMITTED, R.WITHDRAWN},
    R.SUBMITTED: {R.APPROVED, R.DECLINED, R.INFO_REQUESTED, R.WITHDRAWN},
    R.INFO_REQUESTED: {R.SUBMITTED, R.WITHDRAWN},
    R.APPROVED: set(),
    R.DECLINED: set(),
    R.WITHDRAWN: set(),
}
PLACEMENT_MOVES: dict[str, set[str]] = {
    "": {P.WAITING, P.SCHEDULED},
    P.WAITING: {P.SCHEDULED, P.ENDED_EARLY},
    P.SCHEDULED: {P.ACTIVE, P.ENDED_EARLY, P.SCHEDULED},  # SCHEDULED -> SCHEDULED: new dates
    P.ACTIVE: {P.COMPLETED, P.ENDED_EARLY, P.ACTIVE},  # ACTIVE -> ACTIVE: exit brought forward
    P.COMPLETED: set(),
    P.ENDED_EARLY: set(),
}

# The chronology's words for each move (event code -> summary); {room} is the room's name.
REFERRAL_EVENTS = {
    R.DRAFT: None,  # a draft is private to its referrer until submitted
    R.SUBMITTED: "Referred to the {room}",
    R.INFO_REQUESTED: "More information asked for on the referral",
    R.APPROVED: "Referral to the {room} approved",
    R.DECLINED: "Referral to the {room} declined",
    R.WITHDRAWN: "Referral to the {room} withdrawn",
}
PLACEMENT_EVENTS = {
    P.WAITING: "On the waiting list for the {room}",
    P.SCHEDULED: "Placement in the {room} scheduled",
    P.ACTIVE: "Placement in the {room} started",
    P.COMPLETED: "Placement in the {room} completed",
    P.ENDED_EARLY: "Placement in the {room} ended early",
}


def _room() -> str:
    from enigma.models import SchoolSettings

    settings_row = SchoolSettings.load()
    return settings_row.room_name if settings_row else "room"


def _refuse(kind: str, current: str, to: str, labels) -> None:
    now = labels(current).label if current else "new"
    raise ValidationError(
        f"A {kind} that is {str(now).lower()} cannot become {str(labels(to).label).lower()}."
    )


def _save(row: Referral | Placement, status: str, changed: tuple[str, ...]) -> None:
    """Insert a new row whole; update only the status and the fields named for one that
    exists, so a field the caller did not mean to change is never written back."""
    if row.pk is None:
        row.save()
    else:
        row.save(update_fields=[status, *changed, "updated_at"])


def move_referral(
    referral: Referral,
    to: str,
    *,
    by: Actor,
    reason: str = "",
    summary: str = "",
    changed: tuple[str, ...] = (),
) -> None:
    """Change a referral's status (saving it with the other fields the caller `changed`),
    log the move and record the event."""
    by = Actor.of(by)
    current = referral.status if referral.pk else ""
    if to not in REFERRAL_MOVES[current]:
        _refuse("referral", current, to, Referral.Status)
    referral.status = to
    _save(referral, "status", changed)
    ReferralTransition.objects.create(
        referral=referral, from_status=current, to_status=to, by=by.user, reason=reason
    )
    words = REFERRAL_EVENTS.get(to)
    # A draft never reached anyone: withdrawing it leaves no line in the chronology.
    if words and not (current == R.DRAFT and to == R.WITHDRAWN):
        record_event(
            student=referral.student,
            actor=by,
            code=f"referral.{to}",
            summary=summary or words.format(room=_room()),
            account=reason,
        )
    referral_moved.send(
        sender=Referral, referral=referral, from_status=current, to_status=to, by=by
    )


def move_placement(
    placement: Placement,
    to: str,
    *,
    by: Actor,
    reason: str = "",
    summary: str = "",
    on=None,
    changed: tuple[str, ...] = (),
) -> None:
    """Change a placement's state (saving it with the other fields the caller `changed`),
    log the move and record the event.

    A move to the same state (new dates, exit brought forward) is logged and recorded
    with its own summary.
    """
    by = Actor.of(by)
    current = placement.state if placement.pk and placement.state else ""
    if placement.pk:
        current = Placement.objects.filter(pk=placement.pk).values_list("state", flat=True).get()
    if to not in PLACEMENT_MOVES[current]:
        _refuse("placement", current, to, Placement.State)
    placement.state = to
    _save(placement, "state", changed)
    PlacementTransition.objects.create(
        placement=placement, from_state=current, to_state=to, by=by.user, reason=reason
    )
    record_event(
        student=placement.student,
        actor=by,
        code=f"placement.{to}" if to != current else "placement.changed",
        summary=summary or PLACEMENT_EVENTS[to].format(room=_room()),
        account=reason,
        occurred_at=on or timezone.now(),
    )
    placement_changed.send(
        sender=Placement, placement=placement, from_state=current, to_state=to, by=by.user
    )
