"""URLs: the school's names for the placement purposes. See referrals/views/purposes.py."""

from django.urls import path

from referrals.views import purposes as views

urlpatterns = [
    path("purposes/", views.purpose_names, name="purpose_names"),
]
