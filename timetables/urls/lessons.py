"""URLs: students' normal timetables, the MIS timetable import and the timetable settings."""

from django.urls import path

from timetables.views import lessons

urlpatterns = [
    path("import/", lessons.import_upload, name="import"),
    path("import/apply/", lessons.import_apply, name="import_apply"),
    path("import/template.csv", lessons.import_template, name="import_template"),
    path("settings/", lessons.timetable_settings, name="settings"),
    path("students/<int:pk>/timetable/", lessons.student_timetable, name="student_timetable"),
    path("students/<int:pk>/timetable/add/", lessons.lesson_add, name="lesson_add"),
    path("lessons/<int:lesson_pk>/", lessons.lesson_edit, name="lesson_edit"),
    path("lessons/<int:lesson_pk>/delete/", lessons.lesson_delete, name="lesson_delete"),
]
