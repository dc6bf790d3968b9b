"""URLs: work for room lessons (the class teacher's My students, the room team's
outstanding work, and each request's moves)."""

from django.urls import path

from timetables.views import work

urlpatterns = [
    path("my-students/", work.my_students, name="my_students"),
    path("my-students/set/", work.work_set_many, name="work_set_many"),
    path("work/<int:work_pk>/set/", work.work_set, name="work_set"),
    path("work/<int:work_pk>/file/", work.work_file, name="work_file"),
    path("work/<int:work_pk>/complete/", work.work_complete, name="work_complete"),
    path("work/<int:work_pk>/return/", work.work_return, name="work_return"),
    path("work/outstanding/", work.work_outstanding, name="work_outstanding"),
    path("work/nudge/<int:teacher_pk>/", work.work_nudge, name="work_nudge"),
    path("work/outstanding.csv", work.work_outstanding_csv, name="work_outstanding_csv"),
    path("work/panel/", work.work_panel, name="work_panel"),
]
