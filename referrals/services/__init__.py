"""Writes for referrals and placements, one module per area of the referrals views:
drafting and submitting a referral (referral), deciding it and keeping the waiting list
(decisions), and a placement's life after approval (placements). transitions moves a
referral or placement from one status to the next and records it.
"""
