"""Writing reminders: rows in the outbox. Creating one twice is a no-op (the unique
constraint and ignore_conflicts), so the sweep and the hooks may run as often as they like."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from enigma import audit
from enigma.actor import Actor
from enigma.compiled import CompiledQuery
from enigma.roles import Role
from notifications import publish
from notifications.models import (
    ALWAYS_IMMEDIATE,
    EmailProblem,
    Notification,
    NotificationPreference,
)

EMAIL_PROBLEM_RESOLVED = "notifications.email_problem_resolved"
FAILED_EMAILS_RETRIED = "notifications.failed_emails_retried"
SAFEGUARDING_ALERT_CLEARED = "notifications.safeguarding_alert_cleared"
AUDIT_LABELS = {
    SAFEGUARDING_ALERT_CLEARED: "Took up a safeguarding entry (its alert cleared for the team)",
    EMAIL_PROBLEM_RESOLVED: "Marked an email problem resolved",
    FAILED_EMAILS_RETRIED: "Asked for failed reminder emails to be sent again",
}
AUDIT_GROUPS = {"notifications.": "Reminders and email"}


@dataclass(frozen=True)
class Due:
    kind: str
    subject_key: str
    due_on: dt.date
    title: str
    body: str
    url: str
    recipients: tuple  # user ids
    # The pupil it is about: shown in the app only (Notification.student).
    student_id: int | None = None


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
                    student_id=d.student_id,
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
            pending = [pk for pk, status in created if status == Notification.EmailStatus.PENDING]
            if pending:
                # After the commit, and after the response when in a request: a request
                # never waits on the broker (notifications/publish.py).
                transaction.on_commit(lambda: publish.queue(pending))
    return [pk for pk, _ in created]


def unread_count(user) -> int:
    """The header's count, on every page: read by SQL compiled once a process (building
    the count's query cost more than running it)."""
    rows = _compiled_unread().tuples({"user": user.pk})
    return rows[0][0] if rows else 0


# A primary key no user has, standing for the reader's in the compiled count.
_ANY_USER = -5_118_334_760_947


@functools.cache
def _compiled_unread() -> CompiledQuery:
    return CompiledQuery(
        Notification.objects.filter(recipient_id=_ANY_USER, read_at__isnull=True)
        .values("recipient_id")
        .annotate(n=Count("pk"))
        .values_list("n"),
        {"user": _ANY_USER},
    )


def resolve(
    subject_keys: Iterable[str],
    *,
    kinds: Iterable[str] | None = None,
    recipient_id: int | None = None,
) -> int:
    """What the reminders about `subject_keys` asked for is done: each is marked done (and
    read, so it leaves the unread count), and one not yet taken by a sender is no longer
    emailed. Runs in the caller's transaction (the one that did the thing); returns how
    many were cleared. With recipient_id, only that person's (a subject shared by several
    people, such as a day's work chase, is done for each separately)."""
    rows = Notification.objects.filter(subject_key__in=list(subject_keys), done_at__isnull=True)
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    if recipient_id is not None:
        rows = rows.filter(recipient_id=recipient_id)
    now = timezone.now()
    # A row a sender has claimed is left to it (its own update finishes it); the claim
    # takes only pending rows, so the two updates never both win.
    rows.filter(
        claimed_at__isnull=True,
        email_status__in=[Notification.EmailStatus.PENDING, Notification.EmailStatus.DIGEST],
    ).update(email_status=Notification.EmailStatus.SKIPPED)
    return rows.update(done_at=now, read_at=Coalesce("read_at", Value(now)))


def reopen(dues: Iterable[Due]) -> list[int]:
    """Reminders withdrawn (done) while what they are about was still to come are due
    again, exactly as `dues` says (an exit moved away and back to the same day): each is
    open and unread again, and one withdrawn before it was emailed is emailed now (or in
    the person's digest). Runs in the caller's transaction; returns the ids reopened."""
    reopened = []
    for d in dues:
        rows = Notification.objects.filter(
            kind=d.kind,
            subject_key=d.subject_key,
            due_on=d.due_on,
            recipient_id__in=d.recipients,
            done_at__isnull=False,
        )
        ids = list(rows.values_list("pk", flat=True))
        if not ids:
            continue
        rows = Notification.objects.filter(pk__in=ids)
        rows.update(done_at=None, read_at=None)
        unsent = rows.filter(email_status=Notification.EmailStatus.SKIPPED, sent_at__isnull=True)
        digest = {user for user, _ in _digest_users({d.kind}, set(d.recipients))}
        unsent.filter(recipient_id__in=digest).update(email_status=Notification.EmailStatus.DIGEST)
        pending = list(unsent.exclude(recipient_id__in=digest).values_list("pk", flat=True))
        Notification.objects.filter(pk__in=pending).update(
            email_status=Notification.EmailStatus.PENDING, attempts=0
        )
        if pending:
            transaction.on_commit(lambda pending=pending: publish.queue(pending))
        reopened += ids
    return reopened


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


def _send_again(rows) -> list[int]:
    """Make failed rows due again, from a fresh start; returns their ids."""
    ids = list(rows.values_list("pk", flat=True))
    Notification.objects.filter(pk__in=ids).update(
        email_status=Notification.EmailStatus.PENDING,
        attempts=0,
        claimed_at=None,
        next_attempt_at=None,
        failing_since=None,
        last_error="",
    )
    return ids


def resolve_email_problem(*, actor: Actor, problem_id: int | None) -> EmailProblem | None:
    """The school admin says a refused address is put right (corrected, or the mailbox
    fixed): close the problem and send again what failed for that person. Audited."""
    with transaction.atomic():
        problem = (
            EmailProblem.objects.select_for_update()
            .select_related("user")
            .filter(pk=problem_id, resolved_at__isnull=True)
            .first()
        )
        if problem is None:
            return None
        problem.resolved_at = timezone.now()
        problem.save(update_fields=["resolved_at"])
        ids = _send_again(
            Notification.objects.filter(
                recipient=problem.user, email_status=Notification.EmailStatus.FAILED
            )
        )
        audit.record(
            EMAIL_PROBLEM_RESOLVED,
            actor=Actor.of(actor),
            obj=problem.user,
            data={"address": problem.address, "sent_again": len(ids)},
        )
        transaction.on_commit(lambda: publish.queue(ids))
    return problem


def retry_failed(*, actor: Actor) -> int:
    """Send again every reminder that failed after days of temporary errors (the mail
    server down or misconfigured), once the admin has put the server right. Rows for an
    address with an open problem wait for that problem. Audited; returns how many."""
    open_problems = EmailProblem.objects.filter(resolved_at__isnull=True)
    with transaction.atomic():
        ids = _send_again(
            Notification.objects.filter(email_status=Notification.EmailStatus.FAILED).exclude(
                recipient__in=open_problems.values("user")
            )
        )
        if ids:
            audit.record(
                FAILED_EMAILS_RETRIED, actor=Actor.of(actor), data={"sent_again": len(ids)}
            )
            transaction.on_commit(lambda: publish.queue(ids))
    return len(ids)
