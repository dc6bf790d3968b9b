"""What the disclosure app adds to the other pages (see enigma.registry): a pupil's
"Records requests" tab, the DSL team's transfers in the header, and its audit words."""

from disclosure import audit_actions
from enigma.capabilities import Capability
from enigma.registry import Contributions, NavLink, Tab

CONTRIBUTIONS = Contributions(
    nav_links=(
        NavLink(
            "File transfers",
            "disclosure:transfers",
            Capability.TRANSFER_CP_FILE,
            current_prefix="disclosure:transfer",
        ),
        NavLink(
            "Retention",
            "disclosure:room_retention",
            Capability.REVIEW_DISPOSAL,
            current_prefix="disclosure:room_retention",
        ),
    ),
    student_tabs=(Tab("Records requests", "disclosure:student", Capability.EXPORT_SUBJECT_ACCESS),),
    audit_labels=audit_actions.LABELS,
    audit_groups=audit_actions.GROUPS,
    private_data=audit_actions.PRIVATE_DATA,
    private_objects=audit_actions.PRIVATE_OBJECTS,
)
