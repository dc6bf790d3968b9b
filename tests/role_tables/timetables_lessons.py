"""Role-matrix rows for the timetables lessons pages (url name -> the roles allowed).

POST_ONLY: views that only accept POST.
"""

from enigma.roles import ALL_ROLES, Role

EDITORS = frozenset({Role.COORDINATOR, Role.SCHOOL_ADMIN})

EXPECTED: dict = {
    "timetables:import": EDITORS,
    "timetables:import_apply": EDITORS,
    "timetables:import_template": EDITORS,
    "timetables:settings": EDITORS,
    "timetables:student_timetable": ALL_ROLES,
    "timetables:lesson_add": EDITORS,
    "timetables:lesson_edit": EDITORS,
    "timetables:lesson_delete": EDITORS,
}
POST_ONLY: set[str] = {"timetables:import_apply", "timetables:lesson_delete"}
