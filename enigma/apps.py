from django.apps import AppConfig


class EnigmaConfig(AppConfig):
    name = "enigma"
    verbose_name = "Enigma core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from enigma import signals  # noqa: F401
