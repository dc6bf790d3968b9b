"""The Approvals and Waiting list links in the main navigation, and the deputy head's
home page (called from ReferralsConfig.ready)."""

from enigma import extensions
from enigma.roles import Role

READERS = frozenset({Role.DEPUTY_HEAD, Role.COORDINATOR, Role.SENCO})


def register() -> None:
    extensions.add_nav_link(
        "Approvals",
        "referrals:approvals",
        READERS,
        # The waiting list is reached from the Approvals page (and the Placements board).
        current_prefix="referrals:approvals",
        position=15,
    )
    extensions.add_home_page(Role.DEPUTY_HEAD, "referrals:approvals", priority=30)
