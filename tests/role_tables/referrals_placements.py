"""Role-matrix rows for the placements pages (merged into tests/test_role_matrix.py).

url name -> the capability it needs. POST_ONLY: views that only accept POST.
The room team reads placements and the boards (the school admin included); the
coordinator, SENCO and deputy head change them and hold reviews; only the SENCO signs off
reviews. The placement panel on a student's file is for everyone who may see the
student (others 404); the Today panels are for those who oversee the room.
"""

from enigma.capabilities import Capability as C

NEEDS: dict = {
    "referrals:placements_board": C.READ_PLACEMENTS,
    "referrals:reviews_board": C.READ_PLACEMENTS,
    "referrals:placement_detail": C.READ_PLACEMENTS,
    "referrals:placement_start": C.MANAGE_PLACEMENTS,
    "referrals:placement_exit_forward": C.MANAGE_PLACEMENTS,
    "referrals:placement_end_early": C.MANAGE_PLACEMENTS,
    "referrals:placement_measures": C.MANAGE_PLACEMENTS,
    "referrals:placement_complete": C.MANAGE_PLACEMENTS,
    "referrals:review_hold": C.HOLD_REVIEW,
    "referrals:review_sign_off": C.SIGN_OFF_REVIEW,
    "referrals:follow_up_record": C.MANAGE_PLACEMENTS,
    "referrals:student_placements": C.VIEW_STUDENTS,
    "referrals:panel_reviews_due": C.OVERSEE_ROOM,
    "referrals:panel_exits": C.OVERSEE_ROOM,
    "referrals:panel_waiting": C.OVERSEE_ROOM,
}
POST_ONLY: set[str] = {"referrals:placement_start"}
