from django.apps import AppConfig


class TimetablesConfig(AppConfig):
    name = "timetables"
    verbose_name = "Timetables"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from timetables import (
            navigation_feeds,
            navigation_lessons,
            navigation_plans,
            navigation_today,
            navigation_work,
            signals,
        )

        signals.connect()
        for area in (
            navigation_lessons,
            navigation_plans,
            navigation_today,
            navigation_work,
            navigation_feeds,
        ):
            area.register()
