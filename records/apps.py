from django.apps import AppConfig
from django.db.models.signals import post_migrate


def grant_category_permissions(**kwargs) -> None:
    """The school admin keeps the category list (after enigma's sync_roles, every migrate)."""
    from django.contrib.auth.models import Group, Permission

    from enigma.roles import Role

    group, _ = Group.objects.get_or_create(name=Role.SCHOOL_ADMIN.value)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="records", content_type__model="category"
        ).exclude(codename="delete_category")
    )


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Student records"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        post_migrate.connect(
            grant_category_permissions, sender=self, dispatch_uid="records.category_permissions"
        )
