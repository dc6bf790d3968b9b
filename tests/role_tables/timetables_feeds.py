"""Role-matrix rows for the printable week and the calendar links (url name -> the roles
allowed). POST_ONLY: views that only accept POST.

The printable week is for everyone who may see the student (others get 404); the
calendar panel sits on the placement page, so it is for the room team; the coordinator
and the SENCO make and revoke calendar links. The feed itself is public (PUBLIC in
tests/test_role_matrix.py): its secret address is the key.
"""

from enigma.roles import ALL_ROLES, ROOM_TEAM, Role

FEED_MANAGERS = frozenset({Role.COORDINATOR, Role.SENCO})

EXPECTED: dict = {
    "timetables:print_week": ALL_ROLES,
    "timetables:placement_calendar_panel": ROOM_TEAM,
    "timetables:feeds": FEED_MANAGERS,
    "timetables:feed_add": FEED_MANAGERS,
    "timetables:feed_revoke": FEED_MANAGERS,
}
POST_ONLY: set[str] = {"timetables:feed_add", "timetables:feed_revoke"}
