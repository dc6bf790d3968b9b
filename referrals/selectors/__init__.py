"""Reads for referrals and placements, one module per area of the referrals views:
a referrer's referrals (referral), the approvals page and waiting list (decisions), and
placements after approval with the SENCO's reviews (placements). Reads never import the
services: what both sides need lives in referrals.places and referrals.dates.
"""
