"""What the referrals app writes to the audit log (contributed in referrals/contributions.py)."""

REFERRAL_VIEWED = "referrals.referral_viewed"
PLACEMENT_VIEWED = "referrals.placement_viewed"
PURPOSES_RENAMED = "referrals.purposes_renamed"

LABELS = {
    REFERRAL_VIEWED: "Viewed a referral",
    PLACEMENT_VIEWED: "Viewed a placement",
    PURPOSES_RENAMED: "Renamed the purposes of placements",
}
GROUPS = {"referrals.": "Referrals and placements"}
