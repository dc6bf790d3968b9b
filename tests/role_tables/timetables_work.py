"""Role-matrix rows for the timetables work pages (url name -> the capability it needs;
a tuple: any one of them). POST_ONLY: views that only accept POST.
"""

from enigma.capabilities import Capability as C

NEEDS: dict = {
    "timetables:my_students": C.SET_WORK,
    "timetables:work_set": C.SET_WORK,
    "timetables:work_set_many": C.SET_WORK,
    # Its own teacher (others 404) or the room team.
    "timetables:work_file": (C.SET_WORK, C.READ_ROOM_WORK),
    "timetables:work_outstanding": C.OVERSEE_ROOM,
    "timetables:work_outstanding_csv": C.OVERSEE_ROOM,
    "timetables:work_panel": C.OVERSEE_ROOM,
    "timetables:work_complete": C.RUN_ROOM,
    "timetables:work_return": C.RUN_ROOM,
    "timetables:work_nudge": C.RUN_ROOM,
}
POST_ONLY: set[str] = {
    "timetables:work_return",
    "timetables:work_nudge",
    "timetables:work_set_many",
}
