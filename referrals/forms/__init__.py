"""Forms for the referrals views, one module per area: referral, decisions, placements."""
