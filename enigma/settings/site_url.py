"""ENIGMA_SITE_URL, checked at start-up in production: emails carry links made from it."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def site_url_problem(url: str) -> str | None:
    """Why url cannot be the site's address, or None when it can."""
    example = "e.g. ENIGMA_SITE_URL=https://enigma.example.org"
    if not url:
        return f"ENIGMA_SITE_URL must be set to the address people open Enigma at ({example})."
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return f"ENIGMA_SITE_URL={url!r} is not a web address ({example})."
    if parts.scheme != "https" and not _loopback(parts.hostname):
        return f"ENIGMA_SITE_URL={url!r} must start with https:// ({example})."
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return f"ENIGMA_SITE_URL={url!r} must be only the scheme and host ({example})."
    return None
