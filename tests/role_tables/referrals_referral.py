"""Role-matrix rows for the referrals app's referral pages (merged into tests/test_role_matrix.py).

url name -> the capability it needs. POST_ONLY: views that only accept POST.

Referrers and the room team (without the school admin) use every referral page. Which
referrals each may read is decided per object: the room team reads them all, a referrer
only their own (others are 404), and only the referrer edits, while it is a draft or
more information has been asked for (otherwise the form redirects to the referral).
tests/test_referral_*.py check those rules.
"""

from enigma.capabilities import Capability as C

NEEDS: dict = {
    "referrals:my_referrals": C.REFER,
    "referrals:referral_start": C.REFER,
    "referrals:referral_edit": C.REFER,
    "referrals:referral_detail": C.REFER,
    "referrals:referral_withdraw": C.REFER,
    # The school's names for the purposes: a section of the school's settings.
    "referrals:purpose_names": C.MANAGE_SCHOOL,
}
POST_ONLY: set[str] = {"referrals:referral_withdraw"}
