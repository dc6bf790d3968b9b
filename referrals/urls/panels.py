"""URLs: fragments for other pages (the coordinator's Today page)."""

from django.urls import path

from referrals.views import panels

urlpatterns = [
    path("panels/reviews-due/", panels.reviews_due_panel, name="panel_reviews_due"),
    path("panels/exits/", panels.exits_panel, name="panel_exits"),
    path("panels/waiting/", panels.waiting_panel, name="panel_waiting"),
]
