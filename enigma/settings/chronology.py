"""The keys of the chronology's hash chain (records/chain.py): checked for production,
made once per checkout for development. Not a settings module of its own."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

KEY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
MIN_SECRET_LENGTH = 32


def key_problem(keys: dict[str, str], key_id: str) -> str | None:
    """What is wrong with CHRONOLOGY_KEYS and CHRONOLOGY_KEY_ID, or None."""
    if not keys:
        return (
            "CHRONOLOGY_KEYS must be set (id=secret, 32+ random characters each): the "
            "chronology's hash chain is keyed with it. See README, 'The chronology's key'."
        )
    for kid, secret in keys.items():
        if not KEY_ID.match(kid):
            return f"Chronology key id {kid!r}: use up to 32 letters, digits, '.', '_' or '-'."
        if len(secret) < MIN_SECRET_LENGTH:
            return f"Chronology key {kid!r} must be {MIN_SECRET_LENGTH}+ random characters."
    if key_id not in keys:
        return "CHRONOLOGY_KEY_ID must name one of the keys in CHRONOLOGY_KEYS."
    return None


def local_key(var_dir: Path) -> tuple[dict[str, str], str]:
    """A key for this checkout only (make run, make up, make bench), made once in
    var/chronology-key beside the embedded databases it seals. Never for a real school."""
    key = _made_once(var_dir / "chronology-key", lambda: secrets.token_urlsafe(32))
    return {"local": key}, "local"


def local_backup_key(var_dir: Path) -> str:
    """An age key for this checkout's backups only (make run), made once in
    var/backup-key. Never for a real school."""
    from pyrage import x25519

    return _made_once(var_dir / "backup-key", lambda: str(x25519.Identity.generate()))


def _made_once(path: Path, make) -> str:
    """The secret in `path`, written there first (readable by this user only) by `make()`
    if the file is not there yet; two processes starting together write it once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as f:
            f.write(make() + "\n")
    return path.read_text().strip()
