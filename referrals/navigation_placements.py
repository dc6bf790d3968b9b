"""The Placements and Reviews links, the coordinator's and SENCO's home pages, and the
placement panel on a student's file (called from ReferralsConfig.ready)."""

from enigma import audit, extensions
from enigma.capabilities import Capability


def register() -> None:
    extensions.add_nav_link(
        "Placements",
        "referrals:placements_board",
        Capability.FOLLOW_PLACEMENTS,
        current_prefix="referrals:placement",
        position=14,
    )
    extensions.add_nav_link(
        "Reviews",
        "referrals:reviews_board",
        Capability.SIGN_OFF_REVIEW,
        current_prefix="referrals:review",
        position=16,
    )
    extensions.add_home_page(Capability.RUN_ROOM, "referrals:placements_board", priority=10)
    extensions.add_home_page(Capability.SIGN_OFF_REVIEW, "referrals:reviews_board", priority=20)
    extensions.add_student_panel(
        "referrals:student_placements", Capability.VIEW_STUDENTS, position=20
    )
    audit.register_labels(
        {"referrals.placement_viewed": "Viewed a placement"},
        {"referrals.": "Referrals and placements"},
    )
