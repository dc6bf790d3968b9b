"""The two database roles: an owner that runs migrations, and the application role.

The web, worker and beat processes connect as the application role (DATABASE_URL). It
owns nothing, so it cannot switch a trigger off (ALTER TABLE needs the table's owner);
it may read and write the ordinary tables but only read and insert into the append-only
ones, so it cannot update or delete a recorded row even by telling pgtrigger to skip a
trigger (pgtrigger lets any session skip one; nobody can skip a missing privilege).

The owner (DATABASE_OWNER_URL) owns the schema. Only `manage.py migrate` uses it
(enigma/management/commands/migrate.py): it migrates as the owner, then grant_app_role()
gives the application role its privileges, worked out from the models, so a new table
or a new append-only model is covered by the next migrate without a hand-kept list.
"""

from __future__ import annotations

import copy
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# What identifies the role a connection signs in as (the database NAME stays the same).
CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")


def _owner() -> dict | None:
    return getattr(settings, "DATABASE_OWNER", None)


def app_role(connection) -> str | None:
    """The application role's name, or None when no separate owner is configured."""
    owner = _owner()
    user = connection.settings_dict.get("USER")
    if owner is None or not user or owner["USER"] == user:
        return None
    return user


@contextmanager
def as_owner(connection):
    """Run the block with `connection` signed in as the owner.

    Nothing changes when no owner is configured or the connection is the owner already.
    The connection is closed on the way in and out; it must not be in a transaction.
    """
    owner = _owner()
    if owner is None or connection.settings_dict.get("USER") == owner["USER"]:
        yield connection
        return
    if connection.in_atomic_block:
        raise RuntimeError("Cannot switch to the database owner inside a transaction.")
    saved = {key: connection.settings_dict.get(key) for key in CREDENTIALS}
    connection.close()
    connection.settings_dict.update({key: copy.deepcopy(owner.get(key)) for key in CREDENTIALS})
    try:
        yield connection
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def owner_connection(connection):
    """A new connection to `connection`'s database, signed in as the owner (when one is
    configured). The caller closes it."""
    other = connection.copy(alias=f"{connection.alias}_owner")
    owner = _owner()
    if owner is not None:
        other.settings_dict.update({key: copy.deepcopy(owner.get(key)) for key in CREDENTIALS})
    return other


def grant_app_role(connection, role: str) -> None:
    """Give the application role what it needs and nothing more. Run as the owner, after
    migrating; safe to run again.

    Ordinary tables: SELECT, INSERT, UPDATE, DELETE (also by default on every table the
    owner makes later). Sequences: USAGE, SELECT. Tables whose triggers refuse UPDATE,
    DELETE or TRUNCATE (enigma.db.refused_operations): those privileges revoked. Tables
    kept by the database (a model's kept_by_the_database): read only.
    django_migrations: read only. Refuses to go on if the application role could undo
    any of it: a superuser, a member of the owner, or able to create in the schema.
    """
    from django.apps import apps

    from enigma.db import refused_operations

    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema(), current_user")
        schema, owner = cursor.fetchone()
        if owner == role:
            raise ImproperlyConfigured(
                f"The application role {role} is the database owner: migrations must run "
                f"as another role (DATABASE_OWNER_URL)."
            )
        cursor.execute(
            "SELECT rolsuper OR rolbypassrls, pg_has_role(%s, current_user, 'MEMBER'), "
            "has_schema_privilege(%s, %s, 'CREATE') FROM pg_roles WHERE rolname = %s",
            [role, role, schema, role],
        )
        row = cursor.fetchone()
        if row is None:
            raise ImproperlyConfigured(f"The application role {role} does not exist.")
        superuser, member_of_owner, can_create = row
        problems = [
            "it is a superuser" if superuser else "",
            f"it is a member of the owner {owner}" if member_of_owner else "",
            f"it may create objects in schema {schema} (REVOKE CREATE ON SCHEMA {schema} "
            f"FROM PUBLIC, {role})"
            if can_create
            else "",
        ]
        if any(problems):
            raise ImproperlyConfigured(
                f"The application role {role} could undo the append-only protections: "
                + "; ".join(p for p in problems if p)
                + "."
            )
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'S', 'v', 'm') "
            "AND pg_get_userbyid(c.relowner) <> current_user ORDER BY 1",
            [schema],
        )
        strays = [name for (name,) in cursor.fetchall()]
        if strays:
            raise ImproperlyConfigured(
                f"{len(strays)} objects in schema {schema} are not owned by {owner}, the "
                f"role migrations run as (e.g. {', '.join(strays[:5])}): transfer them "
                f"(ALTER TABLE ... OWNER TO {owner}; see README, 'Database roles')."
            )

        app, where = quote(role), quote(schema)
        statements = [
            f"GRANT USAGE ON SCHEMA {where} TO {app}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {where} "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {where} GRANT USAGE, SELECT ON SEQUENCES TO {app}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {where} TO {app}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {where} TO {app}",
            f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {where} FROM {app}",
            f"REVOKE INSERT, UPDATE, DELETE ON {quote('django_migrations')} FROM {app}",
            # Functions the owner keeps from PUBLIC (records_dispose) are the app's to
            # call, never to change: EXECUTE is the only privilege a function has.
            f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {where} TO {app}",
        ]
        existing = set(connection.introspection.table_names(cursor))
        for model in apps.get_models():
            # Tables the database keeps by triggers that run as the owner (records'
            # open-action markers): the application only reads them.
            if getattr(model, "kept_by_the_database", False) and (model._meta.db_table in existing):
                statements.append(
                    f"REVOKE INSERT, UPDATE, DELETE ON {quote(model._meta.db_table)} FROM {app}"
                )
                continue
            refused = refused_operations(model)
            # A table not there (migrated back before it) has nothing to revoke.
            if refused and model._meta.db_table in existing:
                statements.append(
                    f"REVOKE {', '.join(sorted(refused))} ON {quote(model._meta.db_table)} "
                    f"FROM {app}"
                )
        for statement in statements:
            cursor.execute(statement)
