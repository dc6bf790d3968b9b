"""URLs: interventions. See records/views/interventions.py.

Every name starts "intervention" so one navigation prefix ("records:intervention")
marks them all as current.
"""

from django.urls import path

from records.views import interventions as views

urlpatterns = [
    path("interventions/", views.intervention_list, name="intervention_list"),
    path("interventions/add/", views.intervention_add, name="intervention_add"),
    path(
        "interventions/<int:intervention_pk>/",
        views.intervention_detail,
        name="intervention_detail",
    ),
    path(
        "interventions/<int:intervention_pk>/edit/",
        views.intervention_edit,
        name="intervention_edit",
    ),
    path(
        "interventions/<int:intervention_pk>/scores/",
        views.intervention_scores,
        name="intervention_scores",
    ),
    path(
        "interventions/<int:intervention_pk>/close/",
        views.intervention_close,
        name="intervention_close",
    ),
    path(
        "interventions/<int:intervention_pk>/sessions/add/",
        views.intervention_session_add,
        name="intervention_session_add",
    ),
    path(
        "interventions/<int:intervention_pk>/sessions/<int:session_pk>/",
        views.intervention_session_detail,
        name="intervention_session_detail",
    ),
    path(
        "interventions/<int:intervention_pk>/impact/",
        views.intervention_impact,
        name="intervention_impact",
    ),
    path(
        "interventions/<int:intervention_pk>/impact.csv",
        views.intervention_impact_csv,
        name="intervention_impact_csv",
    ),
]
