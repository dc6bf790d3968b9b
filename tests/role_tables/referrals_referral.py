"""Role-matrix rows for the referrals app's referral pages (merged into tests/test_role_matrix.py).

url name -> the roles allowed. POST_ONLY: views that only accept POST.

Referrers and the room team (without the school admin) use every referral page. Which
referrals each may read is decided per object: the room team reads them all, a referrer
only their own (others are 404), and only the referrer edits, while it is a draft or
more information has been asked for (otherwise the form redirects to the referral).
tests/test_referral_*.py check those rules.
"""

from referrals.services_referral import REFER_ROLES

EXPECTED: dict = {
    "referrals:my_referrals": REFER_ROLES,
    "referrals:referral_start": REFER_ROLES,
    "referrals:referral_edit": REFER_ROLES,
    "referrals:referral_detail": REFER_ROLES,
    "referrals:referral_withdraw": REFER_ROLES,
}
POST_ONLY: set[str] = {"referrals:referral_withdraw"}
