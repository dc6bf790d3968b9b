"""What the student file adds to the other pages (see enigma.registry): its tab, which a
student's name opens, the records links in the header, the DSL's home page, and what the
audit log calls its actions and keeps private."""

from enigma.capabilities import Capability
from enigma.registry import Contributions, HomePage, NavLink, Tab
from records import audit_actions

CONTRIBUTIONS = Contributions(
    nav_links=(
        NavLink(
            "Safeguarding",
            "records:safeguarding_queue",
            Capability.OVERSEE_SAFEGUARDING,
            current_prefix="records:safeguarding",
        ),
        NavLink("My actions", "records:my_actions", Capability.FOLLOW_UP_ACTIONS),
        NavLink(
            "Use of force",
            "records:force_list",
            Capability.READ_FORCE_RECORDS,
            current_prefix="records:force",
        ),
        # "Retention" in the header is the disclosure app's page, which sums this app's
        # retention review up beside the room records' (records imports nothing above it).
        # Every interventions URL name starts "intervention", sessions included.
        NavLink(
            "Interventions",
            "records:intervention_list",
            Capability.READ_INTERVENTIONS,
            current_prefix="records:intervention",
        ),
    ),
    home_pages=(HomePage("records:safeguarding_queue", Capability.OVERSEE_SAFEGUARDING),),
    student_tabs=(
        Tab("Chronology", "records:student_file", Capability.VIEW_STUDENTS, landing=True),
    ),
    audit_labels=audit_actions.LABELS,
    audit_groups=audit_actions.GROUPS,
    private_objects=audit_actions.PRIVATE_OBJECTS,
    private_data=audit_actions.PRIVATE_DATA,
)
