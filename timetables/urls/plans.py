"""URLs: a placement's reintegration plan."""

from django.urls import path

from timetables.views import plans

urlpatterns = [
    path("placements/<int:placement_pk>/plan/", plans.plan, name="plan"),
    path("placements/<int:placement_pk>/plan/week/", plans.plan_week, name="plan_week"),
    path("placements/<int:placement_pk>/plan/make/", plans.plan_generate, name="plan_generate"),
    path("placements/<int:placement_pk>/plan/panel/", plans.plan_panel, name="plan_panel"),
    path(
        "placements/<int:placement_pk>/exit-without-subjects/",
        plans.exit_override,
        name="exit_override",
    ),
    path("plan-cells/<int:cell_pk>/", plans.plan_cell, name="plan_cell"),
]
