"""Role-matrix rows for the placements pages (merged into tests/test_role_matrix.py).

url name -> the roles allowed. POST_ONLY: views that only accept POST.
The room team reads placements and the boards (the school admin included); the
coordinator, SENCO and deputy head change them; only the SENCO signs off reviews. The
placement panel on a student's file is for everyone who may see the student (others 404).
"""

from enigma.roles import ALL_ROLES, ROOM_TEAM, Role

WRITE = frozenset({Role.COORDINATOR, Role.SENCO, Role.DEPUTY_HEAD})
SENCO = frozenset({Role.SENCO})

EXPECTED: dict = {
    "referrals:placements_board": ROOM_TEAM,
    "referrals:reviews_board": ROOM_TEAM,
    "referrals:placement_detail": ROOM_TEAM,
    "referrals:placement_start": WRITE,
    "referrals:placement_exit_forward": WRITE,
    "referrals:placement_end_early": WRITE,
    "referrals:placement_measures": WRITE,
    "referrals:placement_complete": WRITE,
    "referrals:review_hold": WRITE,
    "referrals:review_sign_off": SENCO,
    "referrals:follow_up_record": WRITE,
    "referrals:student_placements": ALL_ROLES,
    "referrals:panel_reviews_due": WRITE,
    "referrals:panel_exits": WRITE,
    "referrals:panel_waiting": WRITE,
}
POST_ONLY: set[str] = {"referrals:placement_start"}
