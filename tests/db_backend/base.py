"""PostgreSQL backend for the test suite only.

The suite connects as the application role, as production does (enigma/db_roles.py),
so that every test also proves the product works with its reduced privileges. Three
things need the owner instead, and go through an owner connection here:

- making (and dropping) the test database; migrating it is `migrate`'s own business;
- the flush between transactional tests (live server, thread races, a real Celery
  worker), a TRUNCATE of every table. The append-only tables refuse TRUNCATE by trigger,
  as they must in production; here, and only for this flush, the owner switches their
  triggers off inside the flush's own transaction. No shipped code path does this
  (tests/test_append_only.py greps for it).
"""

from django.db.backends.postgresql import base, creation, operations

from enigma import db_roles


class DatabaseOperations(operations.DatabaseOperations):
    def execute_sql_flush(self, sql_list):
        from enigma.db import append_only_models

        tables = [self.quote_name(m._meta.db_table) for m in append_only_models()]
        owner = db_roles.owner_connection(self.connection)
        try:
            owner.ensure_connection()
            with owner.connection.transaction(), owner.connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
                for sql in sql_list:
                    cursor.execute(sql)
                for table in tables:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        finally:
            owner.close()


class DatabaseCreation(creation.DatabaseCreation):
    def _create_test_db(self, *args, **kwargs):
        with db_roles.as_owner(self.connection):
            return super()._create_test_db(*args, **kwargs)

    def _destroy_test_db(self, *args, **kwargs):
        with db_roles.as_owner(self.connection):
            super()._destroy_test_db(*args, **kwargs)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    creation_class = DatabaseCreation
