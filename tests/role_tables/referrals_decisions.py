"""Role-matrix rows for the referrals app's decisions pages (merged into tests/test_role_matrix.py).

url name -> the roles allowed. POST_ONLY: views that only accept POST.
Only a deputy head decides referrals and keeps the waiting list; the coordinator and the
SENCO may read the approvals page and the waiting list (without the forms).
"""

from enigma.roles import Role

DECIDE = frozenset({Role.DEPUTY_HEAD})
READ = frozenset({Role.DEPUTY_HEAD, Role.COORDINATOR, Role.SENCO})

EXPECTED: dict = {
    "referrals:approvals": READ,
    "referrals:referral_decide": DECIDE,
    "referrals:waiting_list": READ,
    "referrals:waiting_priority": DECIDE,
    "referrals:waiting_remove": DECIDE,
}
POST_ONLY: set[str] = {"referrals:waiting_priority", "referrals:waiting_remove"}
