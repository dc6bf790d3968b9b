"""The school's settings and its calendar rows: each change and its audit event in one
transaction."""

from __future__ import annotations

from django.db import transaction
from django.forms import ModelForm

from enigma import audit


def _changes(form: ModelForm) -> dict:
    return {
        name: {"old": _plain(form.initial.get(name)), "new": _plain(form.cleaned_data.get(name))}
        for name in form.changed_data
    }


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


@transaction.atomic
def school_settings_update(*, request, form: ModelForm):
    changes = _changes(form)
    with transaction.atomic():
        settings_row = form.save()
        if changes:
            audit.record(
                audit.Action.SETTINGS_CHANGED,
                request=request,
                obj=settings_row,
                data={"changes": changes},
            )
    return settings_row


@transaction.atomic
def audited_form_save(*, request, form: ModelForm, action: str = audit.Action.CALENDAR_CHANGED):
    """Save a model form and record what changed (calendar rows and the like)."""
    created = form.instance.pk is None
    changes = _changes(form)
    obj = form.save()
    if created or changes:
        audit.record(
            action,
            request=request,
            obj=obj,
            data={"kind": "added" if created else "changed", "changes": changes},
        )
    return obj


@transaction.atomic
def audited_delete(*, request, obj, action: str = audit.Action.CALENDAR_CHANGED):
    label, pk = str(obj), obj.pk
    obj.delete()
    audit.record(
        action,
        request=request,
        data={"kind": "deleted", "object": label, "id": pk, "model": obj._meta.label},
    )
