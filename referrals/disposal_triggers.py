"""The one DELETE the append-only transition tables accept: a transition going with its
referral or placement, when a room record is disposed of.

A referral's and a placement's transitions refuse UPDATE, DELETE and TRUNCATE, and the
application's role holds no DELETE on them (enigma.db.refused_operations counts these
triggers as refusing). The disposal of a room record (disclosure/retention, the database
function disclosure_dispose_room_record, which runs as the tables' owner) deletes the
referral and its placement first, then their transitions: these triggers let a
transition go only once the row it belongs to is gone in the same transaction (the
foreign keys are checked at the end of it), and refuse every other DELETE, by anyone.
"""

from __future__ import annotations

import pgtrigger

from enigma.db import _RefuseTruncate


class RefuseDeleteButWithParent(pgtrigger.Protect):
    """Refuse DELETE unless the row that OLD.<column> points at in `table` no longer
    exists."""

    def __init__(self, *, name: str, table: str, column: str):
        self.table, self.column = table, column
        super().__init__(name=name, operation=pgtrigger.Delete)

    def get_func(self, model):
        return (
            f"IF NOT EXISTS (SELECT 1 FROM {self.table} p WHERE p.id = OLD.{self.column}) "  # noqa: S608 - fixed names
            "THEN RETURN OLD; END IF; "
            "RAISE EXCEPTION 'pgtrigger: Cannot delete rows from % table', TG_TABLE_NAME;"
        )


def transition_triggers(prefix: str, *, table: str, column: str):
    """append_only_triggers(prefix), but a row may be deleted once its parent is gone."""
    return [
        pgtrigger.Protect(name=f"{prefix}_no_update", operation=pgtrigger.Update),
        RefuseDeleteButWithParent(name=f"{prefix}_no_delete", table=table, column=column),
        _RefuseTruncate(name=f"{prefix}_no_truncate"),
    ]
