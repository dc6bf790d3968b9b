"""Database-level building blocks shared by the apps."""

import pgtrigger

# The operations a refusing trigger can stand for, as privilege names.
_REFUSABLE = ("UPDATE", "DELETE", "TRUNCATE")


class _RefuseTruncate(pgtrigger.Trigger):
    """Row triggers do not fire on TRUNCATE; this statement trigger does."""

    when = pgtrigger.Before
    operation = pgtrigger.Truncate
    level = pgtrigger.Statement

    def get_func(self, model):
        return "RAISE EXCEPTION 'enigma: % is append-only; TRUNCATE is refused', TG_TABLE_NAME;"


def append_only_triggers(prefix: str) -> list[pgtrigger.Trigger]:
    """Triggers that make a table insert-only: UPDATE, DELETE and TRUNCATE raise.

    Nothing in this project switches them off (tests/test_append_only.py checks), and the
    application's database role is not granted what they refuse (refused_operations).
    """
    return [
        pgtrigger.Protect(name=f"{prefix}_no_update", operation=pgtrigger.Update),
        pgtrigger.Protect(name=f"{prefix}_no_delete", operation=pgtrigger.Delete),
        _RefuseTruncate(name=f"{prefix}_no_truncate"),
    ]


def refused_operations(model) -> set[str]:
    """The operations (UPDATE, DELETE, TRUNCATE) that a trigger refuses outright on model.

    A trigger alone is not enough against the application's own database role: pgtrigger
    lets any session skip a trigger through its ignore setting, so the application role
    is never granted these privileges either (enigma.db_roles.grant_app_role).
    """
    refused = set()
    for trigger in getattr(model._meta, "triggers", ()):
        if getattr(trigger, "condition", None) is not None:
            continue  # refuses only some rows: the privilege is still needed
        if isinstance(trigger, pgtrigger.Protect | _RefuseTruncate):
            refused |= {op for op in str(trigger.operation).split(" OR ") if op in _REFUSABLE}
    return refused


def append_only_models() -> list:
    """Every installed model whose table refuses UPDATE, DELETE and TRUNCATE."""
    from django.apps import apps

    return [m for m in apps.get_models() if refused_operations(m) == set(_REFUSABLE)]
