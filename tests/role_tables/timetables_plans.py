"""Role-matrix rows for a placement's plan (url name -> the capability it needs).

Those who read placements read plans; the coordinator and the SENCO change them; only
the SENCO allows an exit without every subject. POST_ONLY: views that only accept POST.
"""

from enigma.capabilities import Capability as C

NEEDS: dict = {
    "timetables:plan": C.READ_PLACEMENTS,
    "timetables:plan_week": C.PLAN_REINTEGRATION,
    "timetables:plan_generate": C.PLAN_REINTEGRATION,
    "timetables:plan_panel": C.READ_PLACEMENTS,
    "timetables:exit_override": C.ALLOW_EXIT_WITHOUT_SUBJECT,
    "timetables:plan_cell": C.PLAN_REINTEGRATION,
}
POST_ONLY: set[str] = {
    "timetables:plan_week",
    "timetables:plan_generate",
    "timetables:plan_cell",
}
