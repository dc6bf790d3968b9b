"""Role-matrix rows for the interventions pages (merged into tests/test_role_matrix.py).

url name -> the roles allowed. POST_ONLY: views that only accept POST.
The room team reads interventions (the school admin included); the coordinator, SENCO,
deputy head and DSL plan them and record sessions.
"""

from enigma.roles import ROOM_TEAM, Role

WRITE = frozenset({Role.COORDINATOR, Role.SENCO, Role.DEPUTY_HEAD, Role.DSL})

EXPECTED: dict = {
    "records:intervention_list": ROOM_TEAM,
    "records:intervention_add": WRITE,
    "records:intervention_detail": ROOM_TEAM,
    "records:intervention_edit": WRITE,
    "records:intervention_scores": WRITE,
    "records:intervention_close": WRITE,
    "records:intervention_session_add": WRITE,
    "records:intervention_session_detail": ROOM_TEAM,
    "records:intervention_impact": ROOM_TEAM,
    "records:intervention_impact_csv": ROOM_TEAM,
}
POST_ONLY: set[str] = {"records:intervention_close"}
