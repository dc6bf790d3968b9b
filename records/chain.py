"""The hash chain of a student's chronology: canonical content, keyed hashing and checking.

Each link's hash is an HMAC-SHA256, under a secret key kept outside the database, of a
canonical JSON document holding the previous link's hash, the link's own place (student,
seq), the key's id and every field of its entry that a reader relies on. Changing any of
them, or removing or reordering links, breaks the chain from that link on; and without
the key nobody, not even the database's owner, can recompute a chain that checks again.
The first link of a chronology chains from GENESIS.

The keys are settings (CHRONOLOGY_KEYS: key id -> secret; CHRONOLOGY_KEY_ID: the key new
links are sealed with). Each link names its key, so links sealed before a new key came
in still check with theirs; a link whose key is not configured cannot be checked and is
reported. What a chain cannot show is its own end being cut off: see README.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

GENESIS = "0" * 64


def _when(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def entry_content(entry) -> dict:
    """Everything about an entry that the chain vouches for."""
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "category": entry.category_id,
        "restricted": entry.restricted,
        "occurred_at": _when(entry.occurred_at),
        "recorded_at": _when(entry.recorded_at),
        "author": entry.author_id,
        "summary": entry.summary,
        "account": entry.account,
        "contact_with": entry.contact_with,
        "contact_method": entry.contact_method,
        "agreed": entry.agreed,
        "event_code": entry.event_code,
        "amends": entry.amends_id,
        "amendment_reason": entry.amendment_reason,
    }


def keys() -> dict[str, bytes]:
    """Every configured key, by id."""
    return {key_id: secret.encode() for key_id, secret in settings.CHRONOLOGY_KEYS.items()}


def current_key() -> tuple[str, bytes]:
    """The id and secret that new links are sealed with."""
    key_id = settings.CHRONOLOGY_KEY_ID
    secret = settings.CHRONOLOGY_KEYS.get(key_id)
    if not secret:
        raise ImproperlyConfigured(
            "CHRONOLOGY_KEY_ID must name a key in CHRONOLOGY_KEYS: the chronology cannot be "
            "written without it."
        )
    return key_id, secret.encode()


def link_hash(*, prev_hash: str, student_id: int, seq: int, entry, key_id: str, key: bytes) -> str:
    document = {
        "prev": prev_hash,
        "student": student_id,
        "seq": seq,
        "key": key_id,
        "entry": entry_content(entry),
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.digest(key, canonical.encode(), "sha256").hex()


def seal(*, prev_hash: str, student_id: int, seq: int, entry) -> tuple[str, str]:
    """(key id, hash) for a new link, under the current key."""
    key_id, key = current_key()
    where = {"prev_hash": prev_hash, "student_id": student_id, "seq": seq, "entry": entry}
    return key_id, link_hash(**where, key_id=key_id, key=key)


@dataclass(frozen=True)
class Break:
    """The first link at which a student's chain stops adding up."""

    student_id: int
    seq: int
    entry_id: int
    reason: str

    def __str__(self):
        return f"student {self.student_id}: entry {self.entry_id} (link #{self.seq}) {self.reason}"


def first_break(links: Iterable, key_ring: Mapping[str, bytes] | None = None) -> Break | None:
    """Check one student's links, given in seq order with their entries loaded, against
    key_ring (by default the configured keys)."""
    key_ring = keys() if key_ring is None else key_ring
    prev, expected_seq = GENESIS, 1
    for link in links:
        where = {"student_id": link.student_id, "seq": link.seq, "entry_id": link.entry_id}
        if link.seq != expected_seq:
            return Break(**where, reason=f"is numbered {link.seq} where {expected_seq} belongs")
        if link.prev_hash != prev:
            return Break(**where, reason="does not follow from the link before it")
        key = key_ring.get(link.key_id)
        if key is None:
            return Break(
                **where,
                reason=f"is sealed with key “{link.key_id}”, which is not in CHRONOLOGY_KEYS: "
                "it cannot be checked",
            )
        actual = link_hash(
            prev_hash=link.prev_hash,
            student_id=link.student_id,
            seq=link.seq,
            entry=link.entry,
            key_id=link.key_id,
            key=key,
        )
        if not hmac.compare_digest(actual, link.hash):
            return Break(**where, reason="has been altered since it was recorded")
        prev, expected_seq = link.hash, expected_seq + 1
    return None
