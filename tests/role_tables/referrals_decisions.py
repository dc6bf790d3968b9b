"""Role-matrix rows for the referrals app's decisions pages (merged into tests/test_role_matrix.py).

url name -> the capability it needs. POST_ONLY: views that only accept POST.
Only a deputy head decides referrals and keeps the waiting list; the coordinator and the
SENCO may read the approvals page and the waiting list (without the forms).
"""

from enigma.capabilities import Capability as C

NEEDS: dict = {
    "referrals:approvals": C.READ_APPROVALS,
    "referrals:referral_decide": C.DECIDE_REFERRAL,
    "referrals:start_outlook": C.DECIDE_REFERRAL,
    "referrals:waiting_list": C.READ_APPROVALS,
    "referrals:waiting_priority": C.DECIDE_REFERRAL,
    "referrals:waiting_remove": C.DECIDE_REFERRAL,
}
POST_ONLY: set[str] = {"referrals:waiting_priority", "referrals:waiting_remove"}
