"""Navigation, home pages and audit labels for the work pages: My students is the class
teacher's home; the room team reaches outstanding work from its own link (and the
coordinator's Today page, which loads timetables:work_panel)."""

from enigma import audit, extensions
from enigma.capabilities import Capability


def register() -> None:
    from timetables.services.work import AUDIT_GROUPS, AUDIT_LABELS

    extensions.add_nav_link(
        "My students",
        "timetables:my_students",
        Capability.SET_WORK,
        current_prefix="timetables:my_students",
        position=12,
    )
    extensions.add_nav_link(
        "Work",
        "timetables:work_outstanding",
        Capability.OVERSEE_ROOM,
        current_prefix="timetables:work_",
        position=18,
    )
    extensions.add_home_page(Capability.SET_WORK, "timetables:my_students", priority=60)
    audit.register_labels(AUDIT_LABELS, AUDIT_GROUPS)
