"""The Approvals and Waiting list links in the main navigation, and the deputy head's
home page (called from ReferralsConfig.ready)."""

from enigma import extensions
from enigma.capabilities import Capability


def register() -> None:
    extensions.add_nav_link(
        "Approvals",
        "referrals:approvals",
        Capability.READ_APPROVALS,
        # The waiting list is reached from the Approvals page (and the Placements board).
        current_prefix="referrals:approvals",
        position=15,
    )
    extensions.add_home_page(Capability.DECIDE_REFERRAL, "referrals:approvals", priority=30)
