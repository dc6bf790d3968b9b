from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    """Records that follow the child: subject access exports and the child-protection file
    sent to the next school. The top layer: it reads every other app; nothing imports it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "disclosure"
    verbose_name = "Disclosure"
