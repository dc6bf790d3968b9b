"""The plan on the placement page and the review form, and the plan's part in a
placement's exit and reviews (called from TimetablesConfig.ready)."""

from enigma.capabilities import Capability
from referrals import hooks


def register() -> None:
    from timetables.selectors import coverage
    from timetables.selectors.register import review_initial

    hooks.add_placement_panel("timetables:plan_panel", Capability.READ_PLACEMENTS, position=10)
    hooks.add_exit_check(coverage.exit_check)
    hooks.add_review_summary(review_initial)
