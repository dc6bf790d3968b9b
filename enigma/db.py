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


class RefuseUpdateButDisposal(pgtrigger.Protect):
    """Refuse UPDATE unless it only blanks `content` columns of a disposed record's row
    (records/disposal_triggers.py for the chronology; the audit log below).

    blanked: an SQL condition on NEW saying the content is blank; disposed: an SQL
    condition saying the row's entry has been disposed of.
    """

    def __init__(self, *, name: str, content: tuple[str, ...], blanked: str, disposed: str):
        self.content, self.blanked, self.disposed = content, blanked, disposed
        super().__init__(name=name, operation=pgtrigger.Update)

    def get_func(self, model):
        columns = "ARRAY[" + ", ".join(f"'{c}'" for c in self.content) + "]::text[]"
        return (
            f"IF (to_jsonb(NEW) - {columns}) = (to_jsonb(OLD) - {columns}) "
            f"AND ({self.blanked}) AND ({self.disposed}) THEN RETURN NEW; END IF; "
            "RAISE EXCEPTION 'pgtrigger: Cannot update rows from % table', TG_TABLE_NAME;"
        )


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


def audit_triggers() -> list[pgtrigger.Trigger]:
    """The audit log's: append-only, except that the disposal of a pupil's remaining record
    (disclosure's disclosure_dispose_pupil_record, run as the owner) blanks the words of the
    pupil's rows (object_repr names the pupil: "Referral of Amy Smith"; data may too).
    Who did what, to which kind of object and which id, and when, stays."""
    return [
        RefuseUpdateButDisposal(
            name="audit_no_update",
            content=("object_repr", "data"),
            blanked="NEW.object_repr = '' AND NEW.data = '{}'::jsonb",
            disposed=(
                "EXISTS (SELECT 1 FROM enigma_student s WHERE s.id = NEW.student_id "
                "AND s.record_disposed_at IS NOT NULL)"
            ),
        ),
        pgtrigger.Protect(name="audit_no_delete", operation=pgtrigger.Delete),
        _RefuseTruncate(name="audit_no_truncate"),
    ]
