"""The Placements and Reviews links, the coordinator's and SENCO's home pages, and the
placement panel on a student's file (called from ReferralsConfig.ready)."""

from enigma import audit, extensions
from enigma.roles import ALL_ROLES, Role


def register() -> None:
    extensions.add_nav_link(
        "Placements",
        "referrals:placements_board",
        {Role.COORDINATOR, Role.DEPUTY_HEAD, Role.SENCO, Role.DSL},
        current_prefix="referrals:placement",
        position=14,
    )
    extensions.add_nav_link(
        "Reviews",
        "referrals:reviews_board",
        {Role.SENCO},
        current_prefix="referrals:review",
        position=16,
    )
    extensions.add_home_page(Role.COORDINATOR, "referrals:placements_board", priority=10)
    extensions.add_home_page(Role.SENCO, "referrals:reviews_board", priority=20)
    extensions.add_student_panel("referrals:student_placements", ALL_ROLES, position=20)
    audit.register_labels(
        {"referrals.placement_viewed": "Viewed a placement"},
        {"referrals.": "Referrals and placements"},
    )
