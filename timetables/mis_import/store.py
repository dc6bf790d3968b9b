"""Uploaded timetable files waiting between the preview and the apply.

As with the core's imports, the bytes wait in the private storage under
imports/timetables/ (enigma/waiting_files.py: shared by every web server), named by a
random token only this session knows; the apply reads them back and checks every row
again. Files nobody applies go after an hour.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time

from enigma import waiting_files

SESSION_KEY = "timetables_imports"
KEEP_SECONDS = 60 * 60
MAX_PENDING = 3
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
_FOLDER = "imports/timetables"


def _name(token: str, i: int) -> str:
    return f"{_FOLDER}/{token}-{i}.csv"


def _remove(request_pending: dict, token: str) -> None:
    meta = request_pending.get(token)
    if meta is not None and _TOKEN.fullmatch(token or ""):
        for i in range(len(meta["files"])):
            waiting_files.remove(_name(token, i))


def keep(request, shape: str, files: list[tuple[str, bytes]]) -> str:
    """Keep the files for this session; returns the token the apply form sends back."""
    waiting_files.sweep(_FOLDER, KEEP_SECONDS)
    pending = request.session.get(SESSION_KEY, {})
    for old in sorted(pending, key=lambda t: pending[t]["at"])[: -MAX_PENDING + 1]:
        _remove(pending, old)
        pending.pop(old)
    token = secrets.token_urlsafe(24)
    meta = []
    for i, (filename, data) in enumerate(files):
        waiting_files.save(_name(token, i), data)
        meta.append({"filename": filename, "sha256": hashlib.sha256(data).hexdigest()})
    pending[token] = {"shape": shape, "files": meta, "at": time.time()}
    request.session[SESSION_KEY] = pending
    return token


def take(request, token: str) -> tuple[str, list[tuple[str, bytes]]] | None:
    """The shape and files kept under token for this session, or None."""
    meta = request.session.get(SESSION_KEY, {}).get(token)
    if meta is None or not _TOKEN.fullmatch(token or ""):
        return None
    files = []
    for i, entry in enumerate(meta["files"]):
        data = waiting_files.read(_name(token, i))
        if data is None or hashlib.sha256(data).hexdigest() != entry["sha256"]:
            return None
        files.append((entry["filename"], data))
    return meta["shape"], files


def discard(request, token: str) -> None:
    pending = request.session.get(SESSION_KEY, {})
    _remove(pending, token)
    pending.pop(token, None)
    request.session[SESSION_KEY] = pending
