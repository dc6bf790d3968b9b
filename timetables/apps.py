from django.apps import AppConfig


class TimetablesConfig(AppConfig):
    name = "timetables"
    verbose_name = "Timetables"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from enigma import audit
        from timetables import services_feeds, services_lessons, services_work, signals

        signals.connect()
        audit.register_labels(services_lessons.LABELS, services_lessons.GROUPS)
        audit.register_labels(services_work.AUDIT_LABELS, services_work.AUDIT_GROUPS)
        audit.register_labels(services_feeds.LABELS, services_feeds.GROUPS)

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
