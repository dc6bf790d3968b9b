"""Role-matrix rows for a placement's plan (url name -> the roles allowed).

The room team reads plans; the coordinator and the SENCO change them; only the SENCO
allows an exit without every subject. POST_ONLY: views that only accept POST.
"""

from enigma.roles import ROOM_TEAM, Role

WRITE = frozenset({Role.COORDINATOR, Role.SENCO})

EXPECTED: dict = {
    "timetables:plan": ROOM_TEAM,
    "timetables:plan_week": WRITE,
    "timetables:plan_generate": WRITE,
    "timetables:plan_panel": ROOM_TEAM,
    "timetables:exit_override": frozenset({Role.SENCO}),
    "timetables:plan_cell": WRITE,
}
POST_ONLY: set[str] = {
    "timetables:plan_week",
    "timetables:plan_generate",
    "timetables:plan_cell",
}
