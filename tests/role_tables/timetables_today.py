"""Role-matrix rows for Today and the room register (url name -> the capability it needs).

Those who read placements read the day; the coordinator and the SENCO take the register.
POST_ONLY: views that only accept POST.
"""

from enigma.capabilities import Capability as C

NEEDS: dict = {
    "timetables:today": C.READ_PLACEMENTS,
    "timetables:register_mark": C.TAKE_REGISTER,
    "timetables:register_concern": C.TAKE_REGISTER,
    "timetables:attendance": C.EXPORT_ATTENDANCE,
    "timetables:attendance_csv": C.EXPORT_ATTENDANCE,
}
POST_ONLY: set[str] = {"timetables:register_mark", "timetables:register_concern"}
