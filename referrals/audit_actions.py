"""What the referrals app writes to the audit log (contributed in referrals/contributions.py)."""

REFERRAL_VIEWED = "referrals.referral_viewed"
PLACEMENT_VIEWED = "referrals.placement_viewed"

LABELS = {
    REFERRAL_VIEWED: "Viewed a referral",
    PLACEMENT_VIEWED: "Viewed a placement",
}
GROUPS = {"referrals.": "Referrals and placements"}
