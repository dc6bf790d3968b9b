"""URLs: decisions. See referrals/views/decisions.py.

The waiting list's names all start "waiting", so one navigation prefix
("referrals:waiting") marks them all as current; "Approvals" marks its own page.
"""

from django.urls import path

from referrals.views import decisions as views

urlpatterns = [
    path("approvals/", views.approvals, name="approvals"),
    path(
        "approvals/<int:referral_pk>/decide/",
        views.referral_decide,
        name="referral_decide",
    ),
    path("approvals/start/", views.start_outlook, name="start_outlook"),
    path("waiting-list/", views.waiting_list, name="waiting_list"),
    path(
        "waiting-list/<int:placement_pk>/priority/",
        views.waiting_priority,
        name="waiting_priority",
    ),
    path(
        "waiting-list/<int:placement_pk>/remove/",
        views.waiting_remove,
        name="waiting_remove",
    ),
]
