from django.apps import AppConfig


class TimetablesConfig(AppConfig):
    name = "timetables"
    verbose_name = "Timetables"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from timetables import signals

        signals.connect()
