"""Role-matrix rows for the student file, entries, actions and the safeguarding queue."""

from enigma.roles import ALL_ROLES, Role

DSL = frozenset({Role.DSL})

EXPECTED: dict = {
    "records:student_file": ALL_ROLES,
    "records:chronology_print": ALL_ROLES,
    "records:chronology_csv": ALL_ROLES,
    "records:entry_add": ALL_ROLES,
    "records:entry_detail": ALL_ROLES,
    "records:entry_amend": ALL_ROLES,
    "records:entry_share": DSL,
    "records:my_actions": ALL_ROLES,
    "records:action_complete": ALL_ROLES,
    "records:safeguarding_queue": DSL,
}
POST_ONLY: set[str] = {"records:action_complete"}
