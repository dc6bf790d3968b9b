from django.apps import AppConfig


class TimetablesConfig(AppConfig):
    name = "timetables"
    default_auto_field = "django.db.models.BigAutoField"
