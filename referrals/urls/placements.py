"""URLs: placements after approval. See referrals/views/placements.py.

The board and the placement's own pages are named "placement..." so one navigation
prefix ("referrals:placement") marks them all as current.
"""

from django.urls import path

from referrals.views import placements as views

urlpatterns = [
    path("placements/", views.placements_board, name="placements_board"),
    path("placements/<int:placement_pk>/", views.placement_detail, name="placement_detail"),
    path("placements/<int:placement_pk>/start/", views.placement_start, name="placement_start"),
    path(
        "placements/<int:placement_pk>/exit-date/",
        views.placement_exit_forward,
        name="placement_exit_forward",
    ),
    path(
        "placements/<int:placement_pk>/end-early/",
        views.placement_end_early,
        name="placement_end_early",
    ),
    path(
        "placements/<int:placement_pk>/measures/",
        views.placement_measures,
        name="placement_measures",
    ),
    path(
        "placements/<int:placement_pk>/complete/",
        views.placement_complete,
        name="placement_complete",
    ),
    path("reviews/", views.reviews_board, name="reviews_board"),
    path("reviews/<int:review_pk>/hold/", views.review_hold, name="review_hold"),
    path("reviews/<int:review_pk>/sign-off/", views.review_sign_off, name="review_sign_off"),
    path("follow-ups/<int:follow_up_pk>/", views.follow_up_record, name="follow_up_record"),
    path(
        "students/<int:pk>/placements/",
        views.student_placements,
        name="student_placements",
    ),
]
