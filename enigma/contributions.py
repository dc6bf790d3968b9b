"""What the core contributes, as the apps do (see enigma.registry): the Details tab on a
student's pages and the words of its audit actions."""

from enigma import audit, backups, services_accounts
from enigma.capabilities import Capability
from enigma.registry import Contributions, Tab

CONTRIBUTIONS = Contributions(
    student_tabs=(Tab("Details", "student_detail", Capability.VIEW_STUDENTS),),
    audit_labels={**audit.LABELS, **services_accounts.LABELS, **backups.LABELS},
    audit_groups={**audit.GROUPS, **backups.GROUPS},
)
