"""Role-matrix rows for the retention pages (see tests/test_role_matrix.py): the records
app's (chronology entries, legal holds) and the disclosure app's (room records,
leavers' remaining records)."""

from enigma.capabilities import Capability as C

NEEDS: dict = {
    "records:retention_review": C.REVIEW_DISPOSAL,
    "records:retention_propose": C.PROPOSE_DISPOSAL,
    "records:retention_decide": C.APPROVE_DISPOSAL,
    "records:retention_holds": C.PLACE_LEGAL_HOLD,
    "records:retention_hold_release": C.PLACE_LEGAL_HOLD,
    "disclosure:room_retention": C.REVIEW_DISPOSAL,
    "disclosure:room_retention_propose": C.PROPOSE_DISPOSAL,
    "disclosure:room_retention_decide": C.APPROVE_DISPOSAL,
    "disclosure:pupil_retention": C.REVIEW_DISPOSAL,
    "disclosure:pupil_retention_propose": C.PROPOSE_DISPOSAL,
    "disclosure:pupil_retention_decide": C.APPROVE_DISPOSAL,
}
POST_ONLY: set[str] = {
    "records:retention_propose",
    "records:retention_decide",
    "records:retention_hold_release",
    "disclosure:room_retention_propose",
    "disclosure:room_retention_decide",
    "disclosure:pupil_retention_propose",
    "disclosure:pupil_retention_decide",
}
