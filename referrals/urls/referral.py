"""URLs: referral. See referrals/views/referral.py.

The referral pages' names start "referral_" (one navigation prefix); the referrer's list
is "my_referrals".
"""

from django.urls import path

from referrals.views import referral as views

urlpatterns = [
    path("mine/", views.my_referrals, name="my_referrals"),
    path("new/", views.referral_start, name="referral_start"),
    path("<int:referral_pk>/", views.referral_detail, name="referral_detail"),
    path("<int:referral_pk>/edit/", views.referral_edit, name="referral_edit"),
    path("<int:referral_pk>/withdraw/", views.referral_withdraw, name="referral_withdraw"),
]
