from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class EnigmaConfig(AppConfig):
    name = "enigma"
    verbose_name = "Enigma core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from enigma import after_response, registry, signals  # noqa: F401 - signals connects its receivers
        from enigma.db_timestamps import use_c_timestamps
        from enigma.roles_sync import sync_roles

        connection_created.connect(use_c_timestamps, dispatch_uid="enigma.use_c_timestamps")

        post_migrate.connect(sync_roles, sender=self, dispatch_uid="enigma.sync_roles")
        _index_opclasses()
        after_response.connect()
        # What the apps contribute to each other's pages, collected (and checked) now, so
        # a mistake stops the start rather than the first page that shows it.
        registry.collected()


def _index_opclasses():
    """Let an index expression name its operator class (Student's name-prefix indexes use
    OpClass), as django.contrib.postgres does in its ready(). That app is not installed:
    its connection_created handler looks each new connection up by alias, and the
    owner's connection (enigma.db_roles) is not in DATABASES."""
    from django.contrib.postgres.indexes import OpClass
    from django.db.models import OrderBy
    from django.db.models.functions import Collate
    from django.db.models.indexes import IndexExpression

    IndexExpression.register_wrappers(OrderBy, OpClass, Collate)
