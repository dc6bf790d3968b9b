from django.apps import AppConfig


class TimetablesConfig(AppConfig):
    name = "timetables"
    verbose_name = "Timetables"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from timetables import signals

        signals.connect()

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
