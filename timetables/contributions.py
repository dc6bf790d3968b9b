"""What timetables adds to the other pages (see enigma.registry): Today, the room's work
and the timetables pages in the header; the coordinator's and class teachers' home
pages; the Timetable tab on a student's file; the plan and calendar panels on a
placement; the plan's part in a placement's exit and reviews; and what the audit log calls
its actions."""

from enigma.capabilities import Capability
from enigma.registry import Contributions, HomePage, NavLink, Panel, Tab
from timetables import audit_actions
from timetables.selectors import coverage
from timetables.selectors.register import review_initial
from timetables.services import feeds, lessons, work

CONTRIBUTIONS = Contributions(
    nav_links=(
        NavLink("Today", "timetables:today", Capability.OVERSEE_ROOM),
        NavLink("My students", "timetables:my_students", Capability.SET_WORK),
        NavLink(
            "Attendance codes",
            "timetables:attendance",
            Capability.EXPORT_ATTENDANCE,
            current_prefix="timetables:attendance",
        ),
        # The coordinator also reaches outstanding work from Today (timetables:work_panel).
        NavLink(
            "Work",
            "timetables:work_outstanding",
            Capability.OVERSEE_ROOM,
            current_prefix="timetables:work_",
        ),
        # Every import URL name starts "timetables:import"; the settings page links from it.
        NavLink(
            "Timetables",
            "timetables:import",
            Capability.MANAGE_TIMETABLES,
            current_prefix="timetables:import",
        ),
    ),
    home_pages=(
        HomePage("timetables:today", Capability.RUN_ROOM),
        HomePage("timetables:my_students", Capability.SET_WORK),
    ),
    student_tabs=(Tab("Timetable", "timetables:student_timetable", Capability.VIEW_STUDENTS),),
    placement_panels=(
        Panel("timetables:plan_panel", Capability.READ_PLACEMENTS),
        Panel("timetables:placement_calendar_panel", Capability.READ_PLACEMENTS),
    ),
    exit_checks=(coverage.exit_check,),
    review_summaries=(review_initial,),
    audit_labels={**lessons.LABELS, **work.AUDIT_LABELS, **feeds.LABELS, **audit_actions.LABELS},
    audit_groups={**lessons.GROUPS, **work.AUDIT_GROUPS},
)
