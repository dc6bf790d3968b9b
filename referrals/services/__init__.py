"""Writes for referrals and placements, one module per area of the referrals views:
drafting and submitting a referral (referral), deciding it and keeping the waiting list
(decisions), and a placement's life after approval (placements). Shared by them:
scheduling (a placement's dates and reviews, and free places offered to the waiting list)
and transitions (a status change, logged and written into the chronology).
"""
