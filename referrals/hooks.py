"""How apps downstream of referrals (timetables) take part in a placement's life without
referrals importing them.

- ``placement_changed`` is sent (inside the transaction, under the placement's row lock)
  after every state move, including same-state moves such as an exit brought forward;
  ``referral_moved`` after every move of a referral's status, ``review_held`` and
  ``follow_up_recorded`` when a review is held and a follow-up check recorded, all
  inside the transaction that made the change.
- Exit checks and review summaries are what the apps contribute (their
  contributions.py, see enigma.registry); these run them all.
"""

from __future__ import annotations

from django.dispatch import Signal

from enigma import registry

placement_changed = Signal()  # kwargs: placement, from_state, to_state, by
# What someone was asked to do, now done (sent inside the transaction that did it), so
# what asked for it (the notifications app's reminders) can clear itself with it.
referral_moved = Signal()  # kwargs: referral, from_status, to_status, by
review_held = Signal()  # kwargs: review, by
follow_up_recorded = Signal()  # kwargs: follow_up, by


def exit_problems(placement, exit_day) -> list[str]:
    """What stops `placement` from completing on `exit_day`, from every exit check."""
    problems: list[str] = []
    for check in registry.collected().exit_checks:
        problems.extend(check(placement, exit_day))
    return problems


def review_initial(placement, review) -> dict:
    """Initial values for the review form, from every review summary."""
    initial: dict = {}
    for summary in registry.collected().review_summaries:
        initial.update(summary(placement, review))
    return initial
