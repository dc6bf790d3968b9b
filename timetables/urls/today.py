"""URLs: the coordinator's Today page and the room register."""

from django.urls import path

from timetables.views import today

urlpatterns = [
    path("today/", today.today, name="today"),
    path("register/<int:cell_pk>/", today.register_mark, name="register_mark"),
    path("register/<int:cell_pk>/concern/", today.register_concern, name="register_concern"),
]
