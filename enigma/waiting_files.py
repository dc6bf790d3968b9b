"""Uploaded files waiting between an import's preview and its apply, in the private
storage (settings.STORAGES["private"]: a shared bucket in production, a private folder
on disk otherwise), so that the apply finds them whichever web server it reaches.

Names are made by the callers from a random token only the uploader's session knows;
nothing here gives a file a URL.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone

log = logging.getLogger(__name__)


def _storage():
    return storages["private"]


def save(name: str, data: bytes) -> None:
    written = _storage().save(name, ContentFile(data))
    if written != name:  # the token is random: a clash means something is wrong
        _storage().delete(written)
        raise FileExistsError(name)


def read(name: str) -> bytes | None:
    """The file's bytes, or None if it is gone (swept, applied, never there)."""
    try:
        with _storage().open(name, "rb") as f:
            return f.read()
    except (FileNotFoundError, OSError):
        return None


def remove(name: str) -> None:
    try:
        _storage().delete(name)
    except OSError:
        log.warning("Could not remove the waiting import file %s", name)


def sweep(folder: str, keep_seconds: int) -> None:
    """Remove the files in folder older than keep_seconds (nobody applied them)."""
    storage = _storage()
    try:
        _, names = storage.listdir(folder)
    except (FileNotFoundError, OSError):
        return
    cutoff = timezone.now() - timedelta(seconds=keep_seconds)
    for name in names:
        path = f"{folder}/{name}"
        try:
            if storage.get_modified_time(path) < cutoff:
                storage.delete(path)
        except (FileNotFoundError, OSError):
            pass
