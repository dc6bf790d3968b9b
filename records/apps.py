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


def register_pages() -> None:
    """The demo seeders and the benchmark's pages."""
    from enigma import extensions
    from records.demo import seed_chronologies, seed_interventions

    extensions.add_demo_seeder(seed_chronologies)
    extensions.add_demo_seeder(seed_interventions)
    register_bench_pages()


def register_bench_pages() -> None:
    """What `make bench` measures of the records app (see devtools/benchmark.py)."""
    from enigma import extensions

    coordinator, dsl = "coordinator@example.org", "dsl@example.org"
    extensions.add_bench_command("seed_bench_records", "--entries", "1000")
    long_file = "/records/students/{records_long_file}/"
    extensions.add_bench_target("student file (1,000 entries)", long_file, coordinator)
    extensions.add_bench_target("student file, page 20", long_file + "?page=20", coordinator)
    extensions.add_bench_target("student file as DSL", long_file, dsl)
    extensions.add_bench_target("safeguarding queue", "/records/safeguarding/", dsl)
    extensions.add_bench_target("my actions", "/records/actions/", coordinator)
    extensions.add_bench_target("interventions", "/records/interventions/", coordinator)


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Student records"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        register_pages()
        post_migrate.connect(
            grant_category_permissions, sender=self, dispatch_uid="records.category_permissions"
        )
