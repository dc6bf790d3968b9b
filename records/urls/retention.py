from django.urls import path

from records.views import retention

urlpatterns = [
    path("retention/", retention.retention_review, name="retention_review"),
    path("retention/propose/", retention.retention_propose, name="retention_propose"),
    path("retention/decide/", retention.retention_decide, name="retention_decide"),
    path("retention/students/<int:pk>/holds/", retention.retention_holds, name="retention_holds"),
    path(
        "retention/holds/release/", retention.retention_hold_release, name="retention_hold_release"
    ),
]
