"""The school's settings and its calendar rows: each change and its audit event in one
transaction."""

from __future__ import annotations

from django.db import transaction
from django.forms import ModelForm

from enigma import audit
from enigma.actor import Actor


def _changes(form: ModelForm) -> dict:
    return {
        name: {"old": _plain(form.initial.get(name)), "new": _plain(form.cleaned_data.get(name))}
        for name in form.changed_data
    }


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def write_form(form: ModelForm):
    """Write a validated model form's row: a new row whole; an existing one only the
    fields the form changed (named, so a concurrent change to another field is kept),
    and its updated_at if it has one. Returns the row. Call inside a transaction."""
    row = form.instance
    if row.pk is None:
        row.save()
        return row
    columns = {f.name for f in row._meta.concrete_fields}
    fields = [name for name in form.changed_data if name in columns]
    if not fields:
        return row
    for name in fields:
        setattr(row, name, form.cleaned_data[name])
    if "updated_at" in columns:
        fields.append("updated_at")
    row.save(update_fields=fields)
    return row


def school_settings_update(*, by: Actor, form: ModelForm):
    by = Actor.of(by)
    changes = _changes(form)
    with transaction.atomic():
        settings_row = write_form(form)
        if changes:
            audit.record(
                audit.Action.SETTINGS_CHANGED,
                actor=by,
                obj=settings_row,
                data={"changes": changes},
            )
    return settings_row


def audited_form_save(*, by: Actor, form: ModelForm, action: str = audit.Action.CALENDAR_CHANGED):
    """Save a model form and record what changed (calendar rows and the like)."""
    by = Actor.of(by)
    created = form.instance.pk is None
    changes = _changes(form)
    with transaction.atomic():
        obj = write_form(form)
        if created or changes:
            audit.record(
                action,
                actor=by,
                obj=obj,
                data={"kind": "added" if created else "changed", "changes": changes},
            )
    return obj


def audited_delete(*, by: Actor, obj, action: str = audit.Action.CALENDAR_CHANGED):
    by = Actor.of(by)
    label, pk = str(obj), obj.pk
    with transaction.atomic():
        obj.delete()
        audit.record(
            action,
            actor=by,
            data={"kind": "deleted", "object": label, "id": pk, "model": obj._meta.label},
        )
