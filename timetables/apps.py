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

        from enigma import extensions
        from timetables.demo import seed_timetables

        extensions.add_demo_seeder(seed_timetables)
        extensions.add_bench_command("bench_timetables")
        for name, path, who in (
            ("today", "/timetables/today/", "coordinator"),
            ("plan editor", "/timetables/placements/{plan_placement}/plan/", "coordinator"),
            ("my students", "/timetables/my-students/", "teacher"),
        ):
            extensions.add_bench_target(name, path, f"{who}@example.org")
