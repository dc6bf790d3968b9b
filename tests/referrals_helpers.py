"""Building placements for tests: a term, a submitted referral, its approval, the start,
and (for completed placements) every review held and signed off and the exit recorded.

Dates matter, so each step runs at a fixed moment with time-machine (`at(day)`); the
helpers work inside or outside a test's own time travel.
"""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from enigma.models import Term
from referrals.models import Placement, ProposedTarget, Referral, Review, TargetRating
from referrals.services import decisions, placements
from tests.factories import StudentFactory, TermFactory

D = dt.date
START = D(2026, 9, 7)  # a Monday early in the Autumn 2026 term (TermFactory)
TARGETS = (
    ("learning", "Attend maths and English lessons"),
    ("social", "Eat lunch with a friend"),
)


def at(day: dt.date, hour: int = 10):
    """Travel to `hour` o'clock (school time) on `day`."""
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    return time_machine.travel(moment, tick=False)


def autumn_term() -> Term:
    return Term.objects.filter(name="Autumn 2026").first() or TermFactory()


def submitted_referral(referrer, student=None, targets=TARGETS) -> Referral:
    referral = Referral.objects.create(
        student=student or StudentFactory(),
        referrer=referrer,
        status=Referral.Status.SUBMITTED,
        reasons="Struggling in lessons despite support.",
        submitted_at=timezone.now(),
    )
    for area, description in targets:
        ProposedTarget.objects.create(referral=referral, area=area, description=description)
    return referral


def make_placement(
    *,
    approver,
    referrer,
    student=None,
    start: dt.date = START,
    started: bool = False,
    targets=TARGETS,
    priority: int = 3,
) -> Placement:
    """An approved placement starting on `start` (scheduled, or waiting if the room is
    full); started on its start date if `started`."""
    autumn_term()
    with at(start, 8):
        referral = submitted_referral(referrer, student, targets)
        placement = decisions.approve(
            referral, by=approver, start=start, priority=priority, today=start
        ).placement
    if started:
        with at(start, 9):
            placements.start(placement, by=approver, today=start)
    placement.refresh_from_db()
    return placement


def ratings_for(placement: Placement, rating: str = TargetRating.Rating.SOME) -> dict:
    return {t.pk: (rating, "") for t in placement.targets.filter(active=True)}


def hold(review: Review, by, *, on: dt.date | None = None, **kwargs) -> Review:
    """Hold a review on `on` (default: its due date) with every active target rated."""
    on = on or review.due_on
    kwargs.setdefault("ratings", ratings_for(review.placement))
    kwargs.setdefault("engagement", Review.Engagement.GOOD)
    kwargs.setdefault("next_step", "Back in maths from Monday.")
    with at(on, 14):
        return placements.hold_review(review, by=by, today=on, **kwargs)


def hold_all_reviews(placement: Placement, coordinator, senco) -> None:
    """Hold every review on its due date; the SENCO signs off the mid-point and exit."""
    for review in placement.reviews.order_by("number"):
        hold(review, coordinator)
        if review.needs_sign_off:
            with at(review.due_on, 15):
                placements.sign_off(review, by=senco, note="Agreed.")


def completed_placement(
    *,
    approver,
    referrer,
    coordinator,
    senco,
    student=None,
    start: dt.date = START,
    outcome: str = Placement.Outcome.FULL,
) -> Placement:
    """A placement run to its planned exit: reviews held and signed off, exit recorded
    (so its follow-up checks exist)."""
    placement = make_placement(
        approver=approver, referrer=referrer, student=student, start=start, started=True
    )
    hold_all_reviews(placement, coordinator, senco)
    exit_day = placement.planned_exit
    with at(exit_day, 15):
        placements.complete(
            placement,
            by=coordinator,
            outcome=outcome,
            exit_summary="Back in all lessons; a check-in with the tutor each morning.",
            exit_day=exit_day,
            today=exit_day,
        )
    placement.refresh_from_db()
    return placement
