from django.urls import path

from enigma.views import audit_log, health, home, school, students

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("students/", students.directory, name="student_directory"),
    path("students/export.csv", students.directory_export, name="student_directory_export"),
    path("students/<int:pk>/", students.student_detail, name="student_detail"),
    path("settings/", school.school_settings, name="school_settings"),
    path("audit/", audit_log.audit_log, name="audit_log"),
]
