"""URLs: attachments. See records/views/attachments.py."""

from django.urls import path

from records.views import attachments

urlpatterns: list = [
    path(
        "entries/<int:entry_pk>/attachments/add/",
        attachments.attachment_add,
        name="attachment_add",
    ),
    path(
        "attachments/<int:attachment_pk>/",
        attachments.attachment_download,
        name="attachment_download",
    ),
]
