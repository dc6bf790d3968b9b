from django.urls import path

from disclosure import views
from disclosure.retention import views as retention

app_name = "disclosure"

urlpatterns = [
    path("students/<int:pk>/", views.student, name="student"),
    path("students/<int:pk>/exports/", views.export_request, name="export_request"),
    path("students/<int:pk>/transfer/", views.transfer_prepare, name="transfer_prepare"),
    path("students/<int:pk>/leaving/close/", views.leaving_close, name="leaving_close"),
    path("exports/<int:export_pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:export_pk>/download/", views.export_download, name="export_download"),
    path("transfers/", views.transfers, name="transfers"),
    path("transfers/<int:transfer_pk>/", views.transfer_detail, name="transfer_detail"),
    path("transfers/<int:transfer_pk>/send/", views.transfer_send, name="transfer_send"),
    path("transfers/<int:transfer_pk>/fail/", views.transfer_fail, name="transfer_fail"),
    path("retention/", retention.room_retention, name="room_retention"),
    path("retention/propose/", retention.room_retention_propose, name="room_retention_propose"),
    path("retention/decide/", retention.room_retention_decide, name="room_retention_decide"),
    path("retention/pupils/", retention.pupil_retention, name="pupil_retention"),
    path(
        "retention/pupils/propose/",
        retention.pupil_retention_propose,
        name="pupil_retention_propose",
    ),
    path(
        "retention/pupils/decide/", retention.pupil_retention_decide, name="pupil_retention_decide"
    ),
    # The receiving school's pages: public, behind the link's secret and the code.
    path("receive/<str:transfer_token>/", views.receive, name="receive"),
    path(
        "receive/<str:transfer_token>/download/",
        views.receive_download,
        name="receive_download",
    ),
    path("receive/<str:transfer_token>/confirm/", views.receive_confirm, name="receive_confirm"),
]
