"""Uploaded timetable files waiting between the preview and the apply.

As with the core's imports, the bytes wait in private files under
MEDIA_ROOT/imports/timetables, named by a random token only this session knows; the apply
reads them back and checks every row again. Files nobody applies go after an hour.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import time
from pathlib import Path

from django.conf import settings

from enigma.uploads import private_folder

SESSION_KEY = "timetables_imports"
KEEP_SECONDS = 60 * 60
MAX_PENDING = 3
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


def _root() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "timetables"


def _folder(token: str) -> Path | None:
    return _root() / token if _TOKEN.fullmatch(token or "") else None


def _sweep() -> None:
    cutoff = time.time() - KEEP_SECONDS
    for folder in _root().iterdir():
        try:
            if folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass


def _remove(token: str) -> None:
    folder = _folder(token)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def keep(request, shape: str, files: list[tuple[str, bytes]]) -> str:
    """Keep the files for this session; returns the token the apply form sends back."""
    private_folder(_root())
    _sweep()
    pending = request.session.get(SESSION_KEY, {})
    for old in sorted(pending, key=lambda t: pending[t]["at"])[: -MAX_PENDING + 1]:
        pending.pop(old)
        _remove(old)
    token = secrets.token_urlsafe(24)
    folder = _folder(token)
    folder.mkdir(mode=0o700)
    meta = []
    for i, (filename, data) in enumerate(files):
        fd = os.open(folder / f"{i}.csv", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        meta.append({"filename": filename, "sha256": hashlib.sha256(data).hexdigest()})
    pending[token] = {"shape": shape, "files": meta, "at": time.time()}
    request.session[SESSION_KEY] = pending
    return token


def take(request, token: str) -> tuple[str, list[tuple[str, bytes]]] | None:
    """The shape and files kept under token for this session, or None."""
    meta = request.session.get(SESSION_KEY, {}).get(token)
    folder = _folder(token)
    if meta is None or folder is None:
        return None
    files = []
    for i, entry in enumerate(meta["files"]):
        try:
            data = (folder / f"{i}.csv").read_bytes()
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            return None
        files.append((entry["filename"], data))
    return meta["shape"], files


def discard(request, token: str) -> None:
    pending = request.session.get(SESSION_KEY, {})
    pending.pop(token, None)
    request.session[SESSION_KEY] = pending
    _remove(token)
