from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications and reminders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_save

        from enigma import audit, extensions
        from enigma.capabilities import Capability
        from notifications import hooks
        from notifications.services import AUDIT_GROUPS, AUDIT_LABELS
        from records.models import Entry

        post_save.connect(hooks.entry_recorded, sender=Entry, dispatch_uid="notifications-dsl")
        audit.register_labels(AUDIT_LABELS, AUDIT_GROUPS)
        extensions.add_bench_command("bench_sweep", "--history", "3000")
        # Notifications are reached from the header's button with its unread count.
        from notifications.demo import seed_notifications

        extensions.add_demo_seeder(seed_notifications)
        extensions.add_nav_link(
            "Email problems",
            "notifications:email_problems",
            Capability.SEE_EMAIL_PROBLEMS,
            current_prefix="notifications:email_problems",
            position=910,
        )
