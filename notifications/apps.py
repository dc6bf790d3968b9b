from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications and reminders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_save

        from notifications import hooks
        from records.models import ChronologyLink, Entry

        post_save.connect(hooks.entry_recorded, sender=Entry, dispatch_uid="notifications-dsl")
        post_save.connect(
            hooks.link_appended, sender=ChronologyLink, dispatch_uid="notifications-dsl-pupil"
        )

        from records.hooks import restricted_entry_answered

        restricted_entry_answered.connect(
            hooks.safeguarding_answered, dispatch_uid="notifications-dsl-answered"
        )

        from referrals import hooks as referral_hooks

        referral_hooks.review_held.connect(hooks.review_held, dispatch_uid="notifications-review")
        referral_hooks.follow_up_recorded.connect(
            hooks.follow_up_recorded, dispatch_uid="notifications-follow-up"
        )
        referral_hooks.referral_moved.connect(
            hooks.referral_moved, dispatch_uid="notifications-referral"
        )
        referral_hooks.placement_changed.connect(
            hooks.placement_changed, dispatch_uid="notifications-placement"
        )

        from timetables.hooks import work_nudged, work_settled

        work_nudged.connect(hooks.work_nudged, dispatch_uid="notifications-work-nudge")
        work_settled.connect(hooks.work_settled, dispatch_uid="notifications-work-settled")
