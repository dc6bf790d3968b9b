"""Role-matrix rows for the interventions pages (merged into tests/test_role_matrix.py).

url name -> the capability it needs. POST_ONLY: views that only accept POST.
The room team reads interventions (the school admin included); the coordinator, SENCO,
deputy head and DSL plan them and record sessions.
"""

from enigma.capabilities import Capability as C

NEEDS: dict = {
    "records:intervention_list": C.READ_INTERVENTIONS,
    "records:intervention_add": C.RUN_INTERVENTIONS,
    "records:intervention_detail": C.READ_INTERVENTIONS,
    "records:intervention_edit": C.RUN_INTERVENTIONS,
    "records:intervention_scores": C.RUN_INTERVENTIONS,
    "records:intervention_close": C.RUN_INTERVENTIONS,
    "records:intervention_session_add": C.RUN_INTERVENTIONS,
    "records:intervention_session_detail": C.READ_INTERVENTIONS,
    "records:intervention_impact": C.READ_INTERVENTIONS,
    "records:intervention_impact_csv": C.READ_INTERVENTIONS,
}
POST_ONLY: set[str] = {"records:intervention_close"}
