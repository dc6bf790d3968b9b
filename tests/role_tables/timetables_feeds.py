"""Role-matrix rows for the printable week and the calendar links (url name -> the
capability it needs). POST_ONLY: views that only accept POST.

The printable week is for everyone who may see the student (others get 404); the
calendar panel sits on the placement page, so it is for those who read placements; the
coordinator and the SENCO make and revoke calendar links. The feed itself is public
(PUBLIC in tests/test_role_matrix.py): its secret address is the key.
"""

from enigma.capabilities import Capability as C

NEEDS: dict = {
    "timetables:print_week": C.VIEW_STUDENTS,
    "timetables:placement_calendar_panel": C.READ_PLACEMENTS,
    "timetables:feeds": C.MANAGE_CALENDAR_FEEDS,
    "timetables:feed_add": C.MANAGE_CALENDAR_FEEDS,
    "timetables:feed_revoke": C.MANAGE_CALENDAR_FEEDS,
}
POST_ONLY: set[str] = {"timetables:feed_add", "timetables:feed_revoke"}
