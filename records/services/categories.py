"""Writes for chronology categories: the school admin's list, kept in the Django admin.

A category's flags decide who reads its entries (restricted), how long they are kept
(sen_record) and whether it is offered (active), so every change is audited with what
changed, old and new: un-restricting a category opens its entries to all staff who read
the file, which must never happen without a trace.
"""

from __future__ import annotations

from django.db import transaction

from enigma import audit
from enigma.actor import Actor
from records.audit_actions import RecordsAction
from records.models import Category

AUDITED = ("name", "restricted", "sen_record", "active", "position")


def save_category(*, actor: Actor, category: Category) -> Category:
    """Save a new or changed category and write what changed to the audit log."""
    with transaction.atomic():
        before = (
            Category.objects.select_for_update().filter(pk=category.pk).values(*AUDITED).first()
            if category.pk
            else None
        )
        changes = {
            field: [before[field] if before else None, getattr(category, field)]
            for field in AUDITED
            if before is None or before[field] != getattr(category, field)
        }
        if before is None:
            category.save()
        elif changes:
            category.save(update_fields=list(changes))
        if changes:
            audit.record(
                RecordsAction.CATEGORY_ADDED if before is None else RecordsAction.CATEGORY_CHANGED,
                actor=actor,
                obj=category,
                data={"category": category.name, "changes": changes},
            )
    return category
