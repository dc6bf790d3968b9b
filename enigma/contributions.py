"""What the core contributes, as the apps do (see enigma.registry): the Details tab on a
student's pages and the words of its audit actions."""

from enigma import audit, backups
from enigma.capabilities import Capability
from enigma.registry import Contributions, Tab
from enigma.services import accounts

CONTRIBUTIONS = Contributions(
    student_tabs=(Tab("Details", "student_detail", Capability.VIEW_STUDENTS),),
    audit_labels={**audit.LABELS, **accounts.LABELS, **backups.LABELS},
    audit_groups={**audit.GROUPS, **backups.GROUPS},
)
