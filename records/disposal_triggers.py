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
"""

from __future__ import annotations

import pgtrigger

from enigma.db import RefuseUpdateButDisposal, _RefuseTruncate


def _entry_disposed(entry_id_sql: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM records_entry e WHERE e.id = {entry_id_sql} "  # noqa: S608
        "AND e.disposed_at IS NOT NULL)"
    )


def blankable_triggers(prefix: str, *, content: tuple[str, ...], entry_id_sql: str):
    """append_only_triggers(prefix), with an UPDATE trigger that lets disposal blank the
    text columns `content` of rows belonging to a disposed entry."""
    blanked = " AND ".join(f"NEW.{c} = ''" for c in content)
    return [
        RefuseUpdateButDisposal(
            name=f"{prefix}_no_update",
            content=content,
            blanked=blanked,
            disposed=_entry_disposed(entry_id_sql),
        ),
        pgtrigger.Protect(name=f"{prefix}_no_delete", operation=pgtrigger.Delete),
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
