"""Role-matrix rows for Today and the room register (url name -> the roles allowed).

The room team reads the day; the coordinator and the SENCO take the register.
POST_ONLY: views that only accept POST.
"""

from enigma.roles import ROOM_TEAM, Role

REGISTER = frozenset({Role.COORDINATOR, Role.SENCO})

EXPECTED: dict = {
    "timetables:today": ROOM_TEAM,
    "timetables:register_mark": REGISTER,
    "timetables:register_concern": REGISTER,
}
POST_ONLY: set[str] = {"timetables:register_mark", "timetables:register_concern"}
