"""Reminders caused by a change in another app, created in the same transaction.

records must not import notifications, so the DSL alert listens to post_save of
records.models.Entry (connected in apps.py); record_entry saves inside transaction.atomic,
so the alert rows commit or roll back with the entry, and are sent after the commit."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from enigma.roles import Role
from notifications.models import Kind
from notifications.services import Due, create_notifications, users_with


def entry_recorded(sender, instance, created, raw=False, **kwargs):
    if raw or not created or not instance.restricted:
        return
    recipients = tuple(u for u in users_with(Role.DSL) if u != instance.author_id)
    if not recipients:
        return
    create_notifications(
        [
            Due(
                kind=Kind.SAFEGUARDING,
                subject_key=f"entry:{instance.pk}",
                due_on=timezone.localdate(),
                title="A safeguarding entry has been recorded",
                body="A new restricted entry has been recorded. Open Enigma to read it.",
                url=reverse("records:entry_detail", args=[instance.pk]),
                recipients=recipients,
            )
        ]
    )
