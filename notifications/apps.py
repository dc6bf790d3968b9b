from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications and reminders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_save

        from notifications import hooks
        from records.models import Entry

        post_save.connect(hooks.entry_recorded, sender=Entry, dispatch_uid="notifications-dsl")

        from timetables.hooks import work_nudged

        work_nudged.connect(hooks.work_nudged, dispatch_uid="notifications-work-nudge")
