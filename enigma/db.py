"""Database-level building blocks shared by the apps."""

import pgtrigger


class _RefuseTruncate(pgtrigger.Trigger):
    """Row triggers do not fire on TRUNCATE; this statement trigger does."""

    when = pgtrigger.Before
    operation = pgtrigger.Truncate
    level = pgtrigger.Statement

    def get_func(self, model):
        return "RAISE EXCEPTION 'enigma: % is append-only; TRUNCATE is refused', TG_TABLE_NAME;"


def append_only_triggers(prefix: str) -> list[pgtrigger.Trigger]:
    """Triggers that make a table insert-only: UPDATE, DELETE and TRUNCATE raise.

    Nothing in this project switches them off (tests/test_append_only.py checks).
    """
    return [
        pgtrigger.Protect(name=f"{prefix}_no_update", operation=pgtrigger.Update),
        pgtrigger.Protect(name=f"{prefix}_no_delete", operation=pgtrigger.Delete),
        _RefuseTruncate(name=f"{prefix}_no_truncate"),
    ]
