"""`manage.py migrate`, run as the database owner (DATABASE_OWNER_URL), then the
application role (DATABASE_URL) granted what it needs: see enigma/db_roles.py."""

from django.core.management.commands import migrate
from django.db import connections

from enigma import db_roles


class Command(migrate.Command):
    help = (
        "Migrate as the database owner (DATABASE_OWNER_URL), then grant the application "
        "role (DATABASE_URL) its privileges: no UPDATE, DELETE or TRUNCATE on the "
        "append-only tables."
    )

    def handle(self, *args, **options):
        connection = connections[options["database"]]
        role = db_roles.app_role(connection)
        if role is None:
            self.stderr.write(
                self.style.WARNING(
                    "Migrating as the application's own database role: it owns the tables, "
                    "so it could switch the append-only triggers off. Set DATABASE_OWNER_URL "
                    "to a separate owner role (see README, 'Database roles')."
                )
            )
        with db_roles.as_owner(connection):
            super().handle(*args, **options)
            if role is not None and not options["plan"] and not options["check_unapplied"]:
                db_roles.grant_app_role(connection, role)
