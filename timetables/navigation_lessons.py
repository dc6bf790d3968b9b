"""The Timetables link (import and settings), the Timetable tab on a student's file and
the audit labels of the lessons pages (called from TimetablesConfig.ready)."""

from enigma import audit, extensions
from enigma.capabilities import Capability


def register() -> None:
    from timetables.services.lessons import GROUPS, LABELS

    # Every import URL name starts "timetables:import"; the settings page links from it.
    extensions.add_nav_link(
        "Timetables",
        "timetables:import",
        Capability.MANAGE_TIMETABLES,
        current_prefix="timetables:import",
        position=40,
    )
    extensions.add_student_tab(
        "Timetable", "timetables:student_timetable", Capability.VIEW_STUDENTS, position=30
    )
    audit.register_labels(LABELS, GROUPS)
