"""Role-matrix rows for the timetables lessons pages (url name -> the capability it needs).

POST_ONLY: views that only accept POST.
"""

from enigma.capabilities import Capability as C

NEEDS: dict = {
    "timetables:import": C.MANAGE_TIMETABLES,
    "timetables:import_apply": C.MANAGE_TIMETABLES,
    "timetables:import_template": C.MANAGE_TIMETABLES,
    "timetables:settings": C.MANAGE_TIMETABLES,
    "timetables:student_timetable": C.VIEW_STUDENTS,
    "timetables:lesson_add": C.MANAGE_TIMETABLES,
    "timetables:lesson_edit": C.MANAGE_TIMETABLES,
    "timetables:lesson_delete": C.MANAGE_TIMETABLES,
}
POST_ONLY: set[str] = {"timetables:import_apply", "timetables:lesson_delete"}
