"""The one UPDATE the append-only tables of the student file accept: disposal's blanking.

Entries, their actions, outcomes, shares, files and session notes refuse UPDATE, DELETE
and TRUNCATE (enigma.db.append_only_triggers), and the application's role holds no
UPDATE on them. The disposal function (records_dispose, records migration 0010), which
runs as the tables' owner, blanks the content of an entry whose disposal was approved.
These UPDATE triggers let exactly that through and nothing else: every other column
must stay as it was, the content columns must become blank, and the entry must be
disposed of (a disposal log row for it exists). Any other UPDATE, by anyone, raises.

They are pgtrigger.Protect triggers, so enigma.db.refused_operations still counts UPDATE
as refused and the application's role is never granted it.

The one DELETE three of them accept: a pupil's attendance at intervention sessions and the
structured facts of a use of force (with its staff) go with the pupil's remaining record
(disclosure's disclosure_dispose_pupil_record, run as the owner, which marks the pupil's
row disposed before it deletes). A row may go only once its entry is disposed of and
every pupil it concerns has had their record disposed of; any other DELETE, by anyone,
raises, and the application's role holds no DELETE on these tables.
"""

from __future__ import annotations

import pgtrigger

from enigma.db import RefuseUpdateButDisposal, _RefuseTruncate


def _entry_disposed(entry_id_sql: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM records_entry e WHERE e.id = {entry_id_sql} "  # noqa: S608
        "AND e.disposed_at IS NOT NULL)"
    )


def pupils_disposed(entry_id_sql: str) -> str:
    """An SQL condition: the entry is disposed of and no pupil whose chronology holds it
    still has a record (enigma.Student.record_disposed_at is set on every one)."""
    return (
        f"{_entry_disposed(entry_id_sql)} AND NOT EXISTS (SELECT 1 FROM records_chronologylink l "  # noqa: S608
        f"JOIN enigma_student s ON s.id = l.student_id WHERE l.entry_id = {entry_id_sql} "
        "AND s.record_disposed_at IS NULL)"
    )


def pupil_disposed(entry_id_sql: str, student_id_sql: str) -> str:
    """An SQL condition: the entry is disposed of and so is this pupil's record."""
    return (
        f"{_entry_disposed(entry_id_sql)} AND EXISTS (SELECT 1 FROM enigma_student s "  # noqa: S608
        f"WHERE s.id = {student_id_sql} AND s.record_disposed_at IS NOT NULL)"
    )


class RefuseDeleteButDisposal(pgtrigger.Protect):
    """Refuse DELETE unless `allowed` (an SQL condition on OLD) holds."""

    def __init__(self, *, name: str, allowed: str):
        self.allowed = allowed
        super().__init__(name=name, operation=pgtrigger.Delete)

    def get_func(self, model):
        return (
            f"IF ({self.allowed}) THEN RETURN OLD; END IF; "
            "RAISE EXCEPTION 'pgtrigger: Cannot delete rows from % table', TG_TABLE_NAME;"
        )


def blankable_triggers(
    prefix: str, *, content: tuple[str, ...], entry_id_sql: str, deletable: str | None = None
):
    """append_only_triggers(prefix), with an UPDATE trigger that lets disposal blank the
    text columns `content` of rows belonging to a disposed entry (and, given `deletable`,
    a DELETE trigger that lets a row go when that condition on OLD holds)."""
    blanked = " AND ".join(f"NEW.{c} = ''" for c in content)
    name = f"{prefix}_no_delete"
    return [
        RefuseUpdateButDisposal(
            name=f"{prefix}_no_update",
            content=content,
            blanked=blanked,
            disposed=_entry_disposed(entry_id_sql),
        ),
        RefuseDeleteButDisposal(name=name, allowed=deletable)
        if deletable
        else pgtrigger.Protect(name=name, operation=pgtrigger.Delete),
        _RefuseTruncate(name=f"{prefix}_no_truncate"),
    ]


def deletable_with_pupils_triggers(prefix: str, *, allowed: str):
    """append_only_triggers(prefix), but a row may be deleted when `allowed` holds."""
    return [
        pgtrigger.Protect(name=f"{prefix}_no_update", operation=pgtrigger.Update),
        RefuseDeleteButDisposal(name=f"{prefix}_no_delete", allowed=allowed),
        _RefuseTruncate(name=f"{prefix}_no_truncate"),
    ]


def entry_triggers(disposed_summary: str):
    """The entry table's triggers: its content may be blanked once, by disposal."""
    content = ("summary", "account", "contact_with", "agreed", "amendment_reason", "disposed_at")
    summary = disposed_summary.replace("'", "''")
    blanked = (
        f"NEW.summary = '{summary}' AND NEW.account = '' AND NEW.contact_with = '' "
        "AND NEW.agreed = '' AND NEW.amendment_reason = CASE WHEN NEW.amends_id IS NULL "
        f"THEN '' ELSE '{summary}' END AND OLD.disposed_at IS NULL "
        "AND NEW.disposed_at IS NOT NULL"
    )
    disposed = "EXISTS (SELECT 1 FROM records_disposallog l WHERE l.entry_id = NEW.id)"
    return [
        RefuseUpdateButDisposal(
            name="entry_no_update", content=content, blanked=blanked, disposed=disposed
        ),
        pgtrigger.Protect(name="entry_no_delete", operation=pgtrigger.Delete),
        _RefuseTruncate(name="entry_no_truncate"),
    ]
