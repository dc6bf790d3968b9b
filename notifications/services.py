"""Writing reminders: rows in the outbox. Creating one twice is a no-op (the unique
constraint and ignore_conflicts), so the sweep and the hooks may run as often as they like."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from enigma.roles import Role
from notifications.models import ALWAYS_IMMEDIATE, Notification, NotificationPreference


@dataclass(frozen=True)
class Due:
    kind: str
    subject_key: str
    due_on: dt.date
    title: str
    body: str
    url: str
    recipients: tuple  # user ids


def users_with(*roles: Role) -> list[int]:
    User = get_user_model()
    return list(
        User.objects.filter(is_active=True, groups__name__in=[r.value for r in roles])
        .distinct()
        .values_list("pk", flat=True)
    )


def _digest_users(kinds: set[str], user_ids: set[int]) -> set[tuple[int, str]]:
    return set(
        NotificationPreference.objects.filter(
            user_id__in=user_ids, kind__in=kinds, mode=NotificationPreference.Mode.DIGEST
        ).values_list("user_id", "kind")
    )


def create_notifications(dues: Iterable[Due], *, deliver: bool = True) -> list[int]:
    """Add the rows (skipping any that already exist); returns the ids of those created.
    With deliver, the new immediate ones are sent once the transaction commits."""
    dues = list(dues)
    if not dues:
        return []
    user_ids = {u for d in dues for u in d.recipients}
    digest = _digest_users({d.kind for d in dues}, user_ids)
    now = timezone.now()
    rows = []
    for d in dues:
        for user_id in sorted(set(d.recipients)):
            by_digest = (user_id, d.kind) in digest and d.kind not in ALWAYS_IMMEDIATE
            rows.append(
                Notification(
                    kind=d.kind,
                    subject_key=d.subject_key,
                    due_on=d.due_on,
                    recipient_id=user_id,
                    title=d.title,
                    body=d.body,
                    url=d.url,
                    created_at=now,
                    email_status=(
                        Notification.EmailStatus.DIGEST
                        if by_digest
                        else Notification.EmailStatus.PENDING
                    ),
                )
            )
    with transaction.atomic():
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        # ignore_conflicts gives no ids back: the rows just made are the ones stamped now.
        created = list(
            Notification.objects.filter(
                created_at=now, kind__in={d.kind for d in dues}, recipient_id__in=user_ids
            ).values_list("pk", "email_status")
        )
        if deliver:
            from notifications.delivery import enqueue

            pending = [pk for pk, status in created if status == Notification.EmailStatus.PENDING]
            if pending:
                transaction.on_commit(lambda: enqueue(pending))
    return [pk for pk, _ in created]


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(user, pk: int | None = None) -> int:
    """Mark one of the user's notifications read (or all of them, with no pk)."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if pk is not None:
        qs = qs.filter(pk=pk)
    return qs.update(read_at=timezone.now())


def set_preferences(user, modes: dict[str, str]) -> None:
    with transaction.atomic():
        for kind, mode in modes.items():
            if kind in ALWAYS_IMMEDIATE:
                continue
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"mode": mode}
            )
