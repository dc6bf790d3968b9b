"""Role-matrix rows for the records app's retention pages (see tests/test_role_matrix.py)."""

from enigma.capabilities import Capability as C

NEEDS: dict = {
    "records:retention_review": C.REVIEW_DISPOSAL,
    "records:retention_propose": C.PROPOSE_DISPOSAL,
    "records:retention_decide": C.APPROVE_DISPOSAL,
    "records:retention_holds": C.PLACE_LEGAL_HOLD,
    "records:retention_hold_release": C.PLACE_LEGAL_HOLD,
}
POST_ONLY: set[str] = {
    "records:retention_propose",
    "records:retention_decide",
    "records:retention_hold_release",
}
