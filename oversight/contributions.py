"""What the oversight app adds to the other pages (see enigma.registry): Oversight in the
header for the deputy head and the SENCO, and its audit words."""

from enigma.capabilities import Capability
from enigma.registry import Contributions, NavLink
from oversight import audit_actions

CONTRIBUTIONS = Contributions(
    nav_links=(
        NavLink(
            "Oversight",
            "oversight:overview",
            Capability.VIEW_OVERSIGHT,
            current_prefix="oversight:",
        ),
    ),
    audit_labels=audit_actions.LABELS,
    audit_groups=audit_actions.GROUPS,
    private_data=audit_actions.PRIVATE_DATA,
)
