"""The referrer's "My referrals" link and home page (called from ReferralsConfig.ready)."""

from enigma import extensions
from enigma.roles import Role


def register() -> None:
    # The SENCO refers students too; the rest of the room team reach referrals from
    # their own pages (approvals, the student file).
    extensions.add_nav_link(
        "My referrals",
        "referrals:my_referrals",
        {Role.REFERRER, Role.SENCO},
        current_prefix="referrals:my_referrals",
        position=25,
    )
    extensions.add_home_page(Role.REFERRER, "referrals:my_referrals", priority=50)
