"""The two entry points: a dry run that writes nothing but its audit event, and an
all-or-nothing apply that re-reads and re-checks the whole file inside one transaction."""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, connection, transaction

from enigma import audit
from enigma.actor import Actor

from .common import read_file
from .contacts import ContactImport
from .headers import COLUMNS
from .planning import RecordImport
from .result import ImportResult
from .staff import StaffImport
from .students import StudentImport

KINDS: dict[str, type[RecordImport]] = {
    "students": StudentImport,
    "contacts": ContactImport,
    "staff": StaffImport,
}
_LOCK_KEY = 0x454E49474D41  # one import at a time, whoever starts it


class UnknownKind(ValueError):
    pass


def _kind(kind: str) -> type[RecordImport]:
    if kind not in KINDS:
        raise UnknownKind(f"Unknown kind of import {kind!r}; use one of {', '.join(KINDS)}.")
    return KINDS[kind]


def _build(kind: str, file_bytes: bytes, filename: str) -> tuple[ImportResult, RecordImport | None]:
    planner = _kind(kind)()
    result = ImportResult(
        kind=kind, filename=filename, sha256=hashlib.sha256(file_bytes).hexdigest()
    )
    read = read_file(
        file_bytes,
        COLUMNS[kind],
        result,
        student_keys=planner.student_keys,
        each=planner.each,
    )
    if read is None:
        return result, None
    parsed, hmap = read
    plan = planner.run(parsed, hmap)
    result.errors = sorted(plan.errors, key=lambda e: (e.line, e.column))
    result.warnings = sorted(plan.warnings, key=lambda e: (e.line, e.column))
    result.notes.extend(plan.notes)
    result.planned = sorted(plan.planned, key=lambda p: p.line)
    result.created = len(plan.creates)
    result.updated = len(plan.planned) - len(plan.creates)
    result.unchanged = plan.unchanged
    return result, planner


def _audit_data(result: ImportResult) -> dict:
    return {
        "kind": result.kind,
        "filename": result.filename[:200],
        "sha256": result.sha256,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
    }


def import_preview(
    kind: str,
    file_bytes: bytes,
    filename: str,
    *,
    actor: Actor | None = None,
    actor_label: str = "",
) -> ImportResult:
    """Read and check the file and plan every change; write nothing but the audit event."""
    result, _ = _build(kind, file_bytes, filename)
    audit.record(
        audit.Action.IMPORT_PREVIEWED,
        actor=Actor.of(actor),
        actor_label=actor_label,
        data={
            **_audit_data(result),
            "rows": result.rows,
            "errors": len(result.errors) + len(result.file_errors),
        },
    )
    return result


class _Refused(Exception):
    def __init__(self, result: ImportResult):
        self.result = result


def import_apply(
    kind: str,
    file_bytes: bytes,
    filename: str,
    actor: Actor | None = None,
    *,
    actor_label: str = "",
) -> ImportResult:
    """Check the file again from scratch and write all of it, or (on any error) none of it."""
    _kind(kind)  # an unknown kind is refused before the transaction starts
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
            result, planner = _build(kind, file_bytes, filename)
            if not result.ok or planner is None:
                raise _Refused(result)
            planner.write()
            result.applied = True
            audit.record(
                audit.Action.IMPORT_APPLIED,
                actor=Actor.of(actor),
                actor_label=actor_label,
                data={**_audit_data(result), **planner.audit_data()},
            )
    except _Refused as refused:
        return refused.result
    except IntegrityError:
        result = ImportResult(
            kind=kind, filename=filename, sha256=hashlib.sha256(file_bytes).hexdigest()
        )
        result.file_errors.append(
            "The database refused the import because the data changed while it ran, so "
            "nothing was saved. Preview the file again and re-apply it."
        )
        return result
    return result
