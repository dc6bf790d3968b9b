"""URLs of the referrals app, one module per area, all in the "referrals" namespace."""

from referrals.urls import decisions, panels, placements, purposes, referral

app_name = "referrals"
urlpatterns = (
    referral.urlpatterns
    + decisions.urlpatterns
    + placements.urlpatterns
    + panels.urlpatterns
    + purposes.urlpatterns
)
