"""PostgreSQL backend for the test suite only.

Transactional tests (live server, thread races, a real Celery worker) reset the
throwaway test database with Django's flush, a TRUNCATE of every table. The append-only
tables refuse TRUNCATE by trigger, as they must in production. Here, and only for the
flush between tests, the session runs as a replica so the reset can happen. No shipped
code path does this (tests/test_append_only.py greps for it).
"""

from django.db.backends.postgresql import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def execute_sql_flush(self, sql_list):
        with self.connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            super().execute_sql_flush(sql_list)
        finally:
            with self.connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
