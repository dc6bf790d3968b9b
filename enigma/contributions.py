"""What the core adds to the pages it shares with the apps (see enigma.registry)."""

from enigma.capabilities import Capability
from enigma.registry import Contributions, Tab

CONTRIBUTIONS = Contributions(
    student_tabs=(Tab("Details", "student_detail", Capability.VIEW_STUDENTS),),
)
