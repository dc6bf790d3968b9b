"""The hash chain of a student's chronology: canonical content, keyed hashing and checking.

Each link's hash is an HMAC-SHA256, under a secret key kept outside the database, of a
canonical JSON document holding the previous link's hash, the link's own place (student,
seq), the key's id and every field of its entry that a reader relies on. Changing any of
them, or removing or reordering links, breaks the chain from that link on; and without
the key nobody, not even the database's owner, can recompute a chain that checks again.
The first link of a chronology chains from GENESIS.

Two link formats. A first-format link (content_digest empty: links sealed before
records migration 0009) hashes the entry's content itself, so it can only be checked
while the content is there. A digest link stores content_digest, an HMAC under the same
key of the entry's canonical content, and its hash covers that digest instead of the
content. Checking such a link checks the digest against the entry, then the hash
against the digest; once an entry has been disposed of under the retention schedule
(records.retention) its content is gone, its digest stays, and every later link still
checks. Every link is a digest link since migration 0009.

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


# What a disposed entry's content columns hold once records_dispose() has blanked them.
DISPOSED_SUMMARY = "Disposed of under the retention schedule"
CONTENT_BLANKS = {
    "summary": DISPOSED_SUMMARY,
    "account": "",
    "contact_with": "",
    "agreed": "",
}


def is_blanked(entry) -> bool:
    """Whether an entry holds nothing but what disposal leaves."""
    reason_blank = entry.amendment_reason == ("" if entry.amends_id is None else DISPOSED_SUMMARY)
    return reason_blank and all(getattr(entry, f) == v for f, v in CONTENT_BLANKS.items())


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


def content_digest(entry, key: bytes) -> str:
    """A keyed digest of everything about an entry that the chain vouches for. Keyed, so
    that the digest of a disposed entry cannot be used to guess its words."""
    canonical = json.dumps(
        {"entry": entry_content(entry)}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hmac.digest(key, canonical.encode(), "sha256").hex()


def digest_link_hash(
    *, prev_hash: str, student_id: int, seq: int, digest: str, key_id: str, key: bytes
) -> str:
    document = {
        "prev": prev_hash,
        "student": student_id,
        "seq": seq,
        "key": key_id,
        "digest": digest,
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.digest(key, canonical.encode(), "sha256").hex()


@dataclass(frozen=True)
class Seal:
    key_id: str
    content_digest: str
    hash: str


def seal(*, prev_hash: str, student_id: int, seq: int, entry) -> Seal:
    """The key id, content digest and hash of a new link, under the current key."""
    key_id, key = current_key()
    digest = content_digest(entry, key)
    where = {"prev_hash": prev_hash, "student_id": student_id, "seq": seq}
    return Seal(key_id, digest, digest_link_hash(**where, digest=digest, key_id=key_id, key=key))


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
        place = {"prev_hash": link.prev_hash, "student_id": link.student_id, "seq": link.seq}
        digest = getattr(link, "content_digest", "")
        if not digest:
            actual = link_hash(**place, entry=link.entry, key_id=link.key_id, key=key)
        else:
            actual = digest_link_hash(**place, digest=digest, key_id=link.key_id, key=key)
            if link.entry.disposed_at is not None:
                if not is_blanked(link.entry):
                    return Break(**where, reason="is marked disposed of but holds content")
            elif not hmac.compare_digest(content_digest(link.entry, key), digest):
                return Break(**where, reason="has been altered since it was recorded")
        if not hmac.compare_digest(actual, link.hash):
            return Break(**where, reason="has been altered since it was recorded")
        prev, expected_seq = link.hash, expected_seq + 1
    return None
