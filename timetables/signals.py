"""The plan follows its placement: made when the placement is scheduled, cut back when
the exit comes forward or the placement ends."""

from __future__ import annotations

from referrals.hooks import placement_changed
from referrals.models import Placement

P = Placement.State


def _on_placement_changed(sender, placement, from_state, to_state, by, **kwargs):
    from timetables.services import plans

    if to_state == P.SCHEDULED:
        if from_state == P.SCHEDULED:  # new dates: keep only the cells inside them
            plans.keep_within(placement)
        plans.generate_plan(placement, by=by)
    elif to_state == P.ACTIVE and from_state == P.ACTIVE:
        plans.trim_plan(placement, after=placement.planned_exit, by=by)
    elif to_state in (P.COMPLETED, P.ENDED_EARLY):
        plans.trim_plan(placement, after=placement.actual_exit, by=by)


def connect() -> None:
    placement_changed.connect(_on_placement_changed, dispatch_uid="timetables.plan")
