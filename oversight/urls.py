from django.urls import path

from oversight import views

app_name = "oversight"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("export/<slug:table>.csv", views.export, name="export"),
    path("report/", views.report, name="report"),
    path("placements/<int:placement_pk>/summary/", views.case_summary, name="case_summary"),
]
