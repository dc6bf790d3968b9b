"""Role-matrix rows for the timetables work pages (url name -> the roles allowed).

POST_ONLY: views that only accept POST.
"""

from enigma.roles import ROOM_TEAM, Role

READERS = frozenset({Role.COORDINATOR, Role.SENCO, Role.DEPUTY_HEAD})

EXPECTED: dict = {
    "timetables:my_students": frozenset({Role.CLASS_TEACHER}),
    "timetables:work_set": frozenset({Role.CLASS_TEACHER}),
    "timetables:work_file": frozenset({Role.CLASS_TEACHER}) | ROOM_TEAM,
    "timetables:work_outstanding": READERS,
    "timetables:work_outstanding_csv": READERS,
    "timetables:work_panel": READERS,
    "timetables:work_complete": frozenset({Role.COORDINATOR}),
    "timetables:work_return": frozenset({Role.COORDINATOR}),
}
POST_ONLY: set[str] = {"timetables:work_return"}
