"""Role-matrix rows for the oversight app (see tests/test_role_matrix.py)."""

from enigma.capabilities import Capability as C

NEEDS: dict = {
    "oversight:overview": C.VIEW_OVERSIGHT,
    "oversight:export": C.VIEW_OVERSIGHT,
    "oversight:report": C.VIEW_OVERSIGHT,
    "oversight:case_summary": C.VIEW_OVERSIGHT,
}
POST_ONLY: set[str] = set()


def objects() -> dict:
    """What the oversight URLs are reversed with beyond the matrix's own objects (the
    case summary uses the matrix's active placement)."""
    return {"table": "outcomes"}
