"""Sending the outbox by email. The row is the truth: a lost or duplicated task message
only delays a reminder, because the next dispatch picks up any pending row and sending
claims the row first (a second sender finds it claimed or sent and does nothing)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone
from kombu.exceptions import KombuError

from enigma.models import SchoolSettings
from notifications.models import EmailProblem, Notification

log = logging.getLogger(__name__)

# A claim older than this belongs to a worker that died mid-send: the row may be taken again.
CLAIM_TIMEOUT = dt.timedelta(minutes=10)
DISPATCH_BATCH = 500


def enqueue(ids) -> None:
    """Queue a send task per row. A broker outage is logged, never raised: the rows stay
    pending and the next dispatch sends them."""
    from notifications.tasks import send_notification

    # Without a broker (no REDIS_URL) send in-process. apply() rather than delay(): an
    # eager delay() still opens a producer on the (memory) broker for nothing.
    eager = send_notification.app.conf.task_always_eager
    for pk in ids:
        try:
            if eager:
                send_notification.apply(args=[pk])
            else:
                send_notification.delay(pk)
        except KombuError:
            log.warning(
                "Could not queue notifications (broker down?); the next dispatch will send them",
                exc_info=True,
            )
            return
        except Exception:
            log.warning("Sending notification %s failed", pk, exc_info=True)


def dispatch_due() -> list[int]:
    """Queue every pending row not claimed by a live sender. Two at once pick disjoint
    rows (skip_locked); a row queued twice is still sent once (the claim)."""
    stale = timezone.now() - CLAIM_TIMEOUT
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(email_status=Notification.EmailStatus.PENDING, sent_at__isnull=True)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))
            .order_by("created_at", "id")
            .values_list("pk", flat=True)[:DISPATCH_BATCH]
        )
        if ids:
            transaction.on_commit(lambda: enqueue(ids))
    return ids


def claim(pk: int) -> bool:
    """Take the row for sending: one UPDATE, so only one sender can win it."""
    now = timezone.now()
    return bool(
        Notification.objects.filter(
            pk=pk, sent_at__isnull=True, email_status=Notification.EmailStatus.PENDING
        )
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )


def _context(**extra) -> dict:
    room = SchoolSettings.load()
    return {
        "school_name": room.school_name,
        "room_name": room.room_name,
        "site_url": getattr(settings, "ENIGMA_SITE_URL", "").rstrip("/"),
        **extra,
    }


def build_email(notification: Notification) -> EmailMultiAlternatives:
    ctx = _context(n=notification)
    subject = f"{ctx['room_name']}: {notification.title}"
    text = render_to_string("notifications/email/notification.txt", ctx)
    html = render_to_string("notifications/email/notification.html", ctx)
    message = EmailMultiAlternatives(subject, text, to=[notification.recipient.email])
    message.attach_alternative(html, "text/html")
    return message


def send_claimed(pk: int) -> bool:
    """Send a claimed row and mark it sent. Raises on a mail error (the task retries)."""
    notification = Notification.objects.select_related("recipient").get(pk=pk)
    if not notification.recipient.email or not notification.recipient.is_active:
        Notification.objects.filter(pk=pk).update(
            email_status=Notification.EmailStatus.SKIPPED, claimed_at=None
        )
        return False
    build_email(notification).send()
    # The only duplicate window: a crash between the mail server accepting and this line.
    Notification.objects.filter(pk=pk).update(
        sent_at=timezone.now(), email_status=Notification.EmailStatus.SENT, last_error=""
    )
    return True


def attempts(pk: int) -> int:
    return Notification.objects.filter(pk=pk).values_list("attempts", flat=True).first() or 0


def release(pk: int, error: Exception) -> None:
    """A send failed and will be retried: let the retry (or a later dispatch) claim it."""
    Notification.objects.filter(pk=pk, sent_at__isnull=True).update(
        claimed_at=None, last_error=repr(error)[:1000]
    )


def give_up(pk: int, error: Exception) -> None:
    """Every retry failed: mark the row failed and the address undeliverable."""
    with transaction.atomic():
        n = Notification.objects.select_related("recipient").get(pk=pk)
        Notification.objects.filter(pk=pk, sent_at__isnull=True).update(
            email_status=Notification.EmailStatus.FAILED,
            claimed_at=None,
            last_error=repr(error)[:1000],
        )
        problem = (
            EmailProblem.objects.select_for_update()
            .filter(user=n.recipient, address=n.recipient.email, resolved_at__isnull=True)
            .first()
        )
        if problem:
            problem.failures += 1
            problem.last_failed_at = timezone.now()
            problem.last_error = repr(error)[:1000]
            problem.save()
        else:
            EmailProblem.objects.create(
                user=n.recipient, address=n.recipient.email, last_error=repr(error)[:1000]
            )
    log.error("Gave up emailing notification %s: %r", pk, error)


def send_digests(today: dt.date | None = None) -> int:
    """One email per person with everything waiting for their digest; returns how many."""
    today = today or timezone.localdate()
    sent = 0
    user_ids = (
        Notification.objects.filter(email_status=Notification.EmailStatus.DIGEST)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    for user_id in list(user_ids):
        with transaction.atomic():
            rows = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(recipient_id=user_id, email_status=Notification.EmailStatus.DIGEST)
                .select_related("recipient")
                .order_by("created_at", "id")
            )
            if not rows:
                continue
            user = rows[0].recipient
            if user.email and user.is_active:
                ctx = _context(rows=rows, user=user, today=today)
                message = EmailMultiAlternatives(
                    f"{ctx['room_name']}: your daily reminders",
                    render_to_string("notifications/email/digest.txt", ctx),
                    to=[user.email],
                )
                message.attach_alternative(
                    render_to_string("notifications/email/digest.html", ctx), "text/html"
                )
                message.send()
                sent += 1
            Notification.objects.filter(pk__in=[r.pk for r in rows]).update(
                email_status=Notification.EmailStatus.SENT, sent_at=timezone.now()
            )
    return sent
