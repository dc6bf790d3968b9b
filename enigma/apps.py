from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EnigmaConfig(AppConfig):
    name = "enigma"
    verbose_name = "Enigma core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from enigma import after_response, registry, signals  # noqa: F401 - signals connects its receivers
        from enigma.roles_sync import sync_roles

        post_migrate.connect(sync_roles, sender=self, dispatch_uid="enigma.sync_roles")
        after_response.connect()
        # What the apps contribute to each other's pages, collected (and checked) now, so
        # a mistake stops the start rather than the first page that shows it.
        registry.collected()
