"""What referrals adds to the other pages (see enigma.registry): its links in the header,
the home pages of the coordinator, the SENCO, the deputy head and referrers, and the
placements panel on a student's file, and what the audit log calls its actions."""

from enigma.capabilities import Capability
from enigma.registry import Contributions, HomePage, NavLink, Panel
from referrals import audit_actions

CONTRIBUTIONS = Contributions(
    nav_links=(
        NavLink(
            "Placements",
            "referrals:placements_board",
            Capability.FOLLOW_PLACEMENTS,
            current_prefix="referrals:placement",
        ),
        # The waiting list is reached from the Approvals page (and the Placements board).
        NavLink("Approvals", "referrals:approvals", Capability.READ_APPROVALS),
        NavLink(
            "Reviews",
            "referrals:reviews_board",
            Capability.SIGN_OFF_REVIEW,
            current_prefix="referrals:review",
        ),
        # Referrers, and the SENCO who refers students too; the rest of the room team reach
        # referrals from their own pages (approvals, the student file).
        NavLink("My referrals", "referrals:my_referrals", Capability.FOLLOW_OWN_REFERRALS),
    ),
    home_pages=(
        HomePage("referrals:placements_board", Capability.RUN_ROOM),
        HomePage("referrals:reviews_board", Capability.SIGN_OFF_REVIEW),
        HomePage("referrals:approvals", Capability.DECIDE_REFERRAL),
        HomePage("referrals:my_referrals", Capability.FOLLOW_OWN_REFERRALS),
    ),
    student_panels=(Panel("referrals:student_placements", Capability.VIEW_STUDENTS),),
    audit_labels=audit_actions.LABELS,
    audit_groups=audit_actions.GROUPS,
)
