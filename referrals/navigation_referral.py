"""The referrer's "My referrals" link and home page (called from ReferralsConfig.ready)."""

from enigma import extensions
from enigma.capabilities import Capability


def register() -> None:
    # Referrers, and the SENCO who refers students too; the rest of the room team reach
    # referrals from their own pages (approvals, the student file).
    extensions.add_nav_link(
        "My referrals",
        "referrals:my_referrals",
        Capability.FOLLOW_OWN_REFERRALS,
        current_prefix="referrals:my_referrals",
        position=25,
    )
    extensions.add_home_page(Capability.FOLLOW_OWN_REFERRALS, "referrals:my_referrals", priority=50)
