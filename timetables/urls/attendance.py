"""URLs: the room register as attendance codes. Every name starts "attendance"."""

from django.urls import path

from timetables.views import attendance

urlpatterns = [
    path("attendance/", attendance.attendance, name="attendance"),
    path("attendance.csv", attendance.attendance_csv, name="attendance_csv"),
]
