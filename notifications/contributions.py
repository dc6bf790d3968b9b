"""What notifications adds to the other pages (see enigma.registry). A person's own
notifications are reached from the header's button with its unread count."""

from enigma.capabilities import Capability
from enigma.registry import Contributions, NavLink
from notifications.services import AUDIT_GROUPS, AUDIT_LABELS

CONTRIBUTIONS = Contributions(
    nav_links=(
        NavLink("Email problems", "notifications:email_problems", Capability.SEE_EMAIL_PROBLEMS),
    ),
    audit_labels=AUDIT_LABELS,
    audit_groups=AUDIT_GROUPS,
)
