"""The hash chain of a student's chronology: canonical content, hashing and checking.

Each link's hash is sha256 over a canonical JSON document holding the previous link's
hash, the link's own place (student, seq) and every field of its entry that a reader
relies on. Changing any of them, or removing or reordering links, breaks the chain from
that link on. The first link of a chronology chains from GENESIS.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

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


def link_hash(*, prev_hash: str, student_id: int, seq: int, entry) -> str:
    document = {
        "prev": prev_hash,
        "student": student_id,
        "seq": seq,
        "entry": entry_content(entry),
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Break:
    """The first link at which a student's chain stops adding up."""

    student_id: int
    seq: int
    entry_id: int
    reason: str

    def __str__(self):
        return f"student {self.student_id}: entry {self.entry_id} (link #{self.seq}) {self.reason}"


def first_break(links: Iterable) -> Break | None:
    """Check one student's links, given in seq order with their entries loaded."""
    prev, expected_seq = GENESIS, 1
    for link in links:
        where = {"student_id": link.student_id, "seq": link.seq, "entry_id": link.entry_id}
        if link.seq != expected_seq:
            return Break(**where, reason=f"is numbered {link.seq} where {expected_seq} belongs")
        if link.prev_hash != prev:
            return Break(**where, reason="does not follow from the link before it")
        actual = link_hash(
            prev_hash=link.prev_hash, student_id=link.student_id, seq=link.seq, entry=link.entry
        )
        if actual != link.hash:
            return Break(**where, reason="has been altered since it was recorded")
        prev, expected_seq = link.hash, expected_seq + 1
    return None
