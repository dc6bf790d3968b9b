"""Sending the outbox by email. The row is the truth: a lost or duplicated task message
only delays a reminder, because the next dispatch picks up any row that is due and
sending claims the row first (a second sender finds it claimed or sent and does nothing).

A send, from claim to "sent", fits inside the claim (README, "Reminders"):
- each step of the SMTP conversation waits at most EMAIL_TIMEOUT (enigma/mail.py), the
  conversation up to the end of the message 4 x that, the final answer 2 x that;
- just before the message goes, the sender checks that the claim is still its own and
  young enough (the fence, `_still_ours`): a sender that was held up past it withdraws
  and the server discards the unfinished message, so a second sender cannot double it;
- the task's time limits stop anything else that hangs, before the claim runs out;
- "sent" is written with retries while PostgreSQL is briefly unreachable.
What is left: a worker killed, or PostgreSQL down for longer than those retries, between
the server's 250 and "sent" being written; or a server that takes the whole message and
never answers. The row is then sent once more after the claim runs out, with the same
Message-ID, so a mail client or the server can tell the copy for what it is.

Failures: a 5xx to the recipient's address is permanent (the row fails at once and the
school admin sees an email problem; resolving it sends the row again). Anything else
(refused connection, 4xx, no answer, a crash of our own) is temporary: the row is tried
again later, backing off from 5 minutes to 4 hours, and fails only after 3 days.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import smtplib
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Max, Min, Q
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone

from enigma import mail
from enigma.formatting import day_text
from enigma.models import SchoolSettings
from notifications.models import EmailProblem, Notification

log = logging.getLogger(__name__)

DISPATCH_BATCH = 500
FIRST_RETRY = dt.timedelta(minutes=5)
LONGEST_WAIT = dt.timedelta(hours=4)
GIVE_UP_AFTER = dt.timedelta(days=3)
# Pauses between tries at writing "sent" while PostgreSQL does not answer (~24 s).
MARK_SENT_PAUSES = (0.5, 1, 2, 4, 8, 8)

Status = Notification.EmailStatus

SENT = "sent"
SKIPPED = "skipped"
NOT_CLAIMED = "not claimed"
RETRY = "retry later"
FAILED = "failed"


# --- how long things may take ---------------------------------------------------------


def step_seconds() -> float:
    """EMAIL_TIMEOUT: the longest wait for one step of an SMTP conversation."""
    return float(getattr(settings, "EMAIL_TIMEOUT", None) or 30)


def fence() -> dt.timedelta:
    """How long after claiming a sender may still start sending the message itself."""
    return dt.timedelta(seconds=4 * step_seconds() + 30)


def soft_time_limit() -> float:
    """The send task's soft limit: the whole conversation, the final answer, writing
    "sent" with its retries, and room to render (240 s with EMAIL_TIMEOUT=30)."""
    return 6 * step_seconds() + 60


def hard_time_limit() -> float:
    return soft_time_limit() + 30


def claim_timeout() -> dt.timedelta:
    """A claim older than this belongs to a sender that died: the row may be taken again.
    Longer than the hard time limit, so no live sender is ever still at work on it
    (5 minutes with EMAIL_TIMEOUT=30)."""
    return dt.timedelta(seconds=hard_time_limit() + 30)


def retry_delay(attempts: int) -> dt.timedelta:
    """Wait before the next try after `attempts` tries: 5, 10, 20 ... minutes, at most 4 h."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


# --- what is due ------------------------------------------------------------------------


def _due(now: dt.datetime) -> Q:
    """Not sent, not held by a live sender, and not waiting for a retry's time."""
    return (
        Q(sent_at__isnull=True)
        & (Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - claim_timeout()))
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    )


def due_rows(now: dt.datetime | None = None) -> list[int]:
    """Immediate rows to send now (a row queued twice is still sent once: the claim)."""
    now = now or timezone.now()
    return list(
        Notification.objects.filter(_due(now), email_status=Status.PENDING)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:DISPATCH_BATCH]
    )


def due_digests(now: dt.datetime | None = None, *, retries_only: bool = False) -> list[int]:
    """People whose digest is due: every one waiting (at the daily run), or only those
    whose digest failed for a while or whose sender died (at every dispatch)."""
    now = now or timezone.now()
    rows = Notification.objects.filter(_due(now), email_status=Status.DIGEST)
    if retries_only:
        rows = rows.filter(Q(next_attempt_at__isnull=False) | Q(claimed_at__isnull=False))
    return sorted(set(rows.values_list("recipient_id", flat=True)[:DISPATCH_BATCH]))


# --- claiming -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    ids: tuple[int, ...]
    token: dt.datetime  # the claimed_at this sender wrote: the claim is its own while it holds


def claim(pk: int) -> Claim | None:
    """Take one immediate row: one UPDATE, so only one sender can win it."""
    return _claim(Notification.objects.filter(pk=pk, email_status=Status.PENDING))


def claim_digest(user_id: int) -> Claim | None:
    """Take everything waiting for one person's digest, at once."""
    return _claim(Notification.objects.filter(recipient_id=user_id, email_status=Status.DIGEST))


def _claim(rows) -> Claim | None:
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            rows.filter(_due(now))
            .select_for_update(skip_locked=True)
            .order_by("id")
            .values_list("pk", flat=True)
        )
        if not ids:
            return None
        Notification.objects.filter(pk__in=ids).update(claimed_at=now, attempts=F("attempts") + 1)
    return Claim(tuple(ids), now)


def _still_ours(held: Claim) -> bool:
    """The fence: the claim is young enough that no one else may take it before this
    message is through, and no one has (the sender's last look before it sends)."""
    if timezone.now() - held.token > fence():
        return False
    mine = Notification.objects.filter(pk__in=held.ids, claimed_at=held.token, sent_at__isnull=True)
    return mine.count() == len(held.ids)


# --- sending ------------------------------------------------------------------------------


def deliver(pk: int) -> str:
    """Claim one immediate row and email it; returns what happened."""
    held = claim(pk)
    if held is None:
        return NOT_CLAIMED  # already sent, being sent, not due yet, or not emailed at all
    return _send(held, lambda rows: build_email(rows[0]))


def deliver_digest(user_id: int, today: dt.date | None = None) -> str:
    """Claim one person's digest rows and email them as one message."""
    held = claim_digest(user_id)
    if held is None:
        return NOT_CLAIMED
    return _send(held, lambda rows: build_digest(rows, today or timezone.localdate()))


class _RecordCrash:
    """Whatever else goes wrong while a claim is held (the database, a template, the
    task's time limit) is written on the rows and retried like a mail server's
    temporary failure, rather than leaving a silent claim; the error still propagates.
    After the server accepted the message, only "sent" is ever written."""

    def __init__(self, held: Claim):
        self.held = held
        self.accepted = False

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if error is None:
            return False
        try:
            if self.accepted:
                _mark_sent(self.held, pauses=())
            else:
                _retry_later(self.held, f"{type(error).__name__}: {error}")
        except DatabaseError:
            # The claim stays: the row is sent again once it runs out (the window the
            # README describes), never sooner.
            log.exception("Could not record what happened to notifications %s", self.held.ids)
        return False


def _send(held: Claim, build) -> str:
    with _RecordCrash(held) as guard:
        rows = list(
            Notification.objects.filter(pk__in=held.ids)
            .select_related("recipient")
            .order_by("created_at", "id")
        )
        user = rows[0].recipient
        if not user.email or not user.is_active:
            _finish(held, email_status=Status.SKIPPED)
            return SKIPPED
        if EmailProblem.objects.filter(
            user=user, address=user.email, resolved_at__isnull=True
        ).exists():
            _finish(held, email_status=Status.FAILED, last_error=ADDRESS_HAS_PROBLEM)
            return FAILED
        message = build(rows)
        message.extra_headers["Message-ID"] = message_id(rows)
        message.before_content = lambda: _still_ours(held)
        try:
            message.send()
        except (smtplib.SMTPException, OSError) as error:
            return _failed(held, user, error)
        guard.accepted = True
        _mark_sent(held)
        return SENT


ADDRESS_HAS_PROBLEM = "Not sent: this address has an open email problem (Email problems page)."


def _finish(held: Claim, **fields) -> None:
    Notification.objects.filter(pk__in=held.ids, claimed_at=held.token).update(
        claimed_at=None, next_attempt_at=None, **fields
    )


def _mark_sent(held: Claim, pauses=None) -> None:
    """The server accepted the message: write so, retrying while PostgreSQL is away.
    Not conditional on the claim: the message went, whoever holds the row now."""
    for pause in (*(MARK_SENT_PAUSES if pauses is None else pauses), None):
        try:
            Notification.objects.filter(pk__in=held.ids, sent_at__isnull=True).update(
                email_status=Status.SENT,
                sent_at=timezone.now(),
                claimed_at=None,
                last_error="",
                next_attempt_at=None,
                failing_since=None,
            )
            return
        except (OperationalError, InterfaceError):
            if pause is None:
                raise
            log.warning("Could not mark notifications %s sent yet; trying again", held.ids)
            connection.close_if_unusable_or_obsolete()  # a broken one is replaced
            time.sleep(pause)


def _failed(held: Claim, user, error: BaseException) -> str:
    words = mail.describe(error)
    if mail.bad_address(error):
        with transaction.atomic():
            _finish(held, email_status=Status.FAILED, last_error=words[:1000])
            _email_problem(user, words)
        log.warning("The mail server refused %s for good: %s", user.email, words)
        return FAILED
    if isinstance(error, mail.ReplyUnknown):
        words = (
            "The mail server did not answer after receiving the email (it may have arrived): "
            + words
        )
    return _retry_later(held, words)


def _retry_later(held: Claim, words: str) -> str:
    """A temporary failure: try again after a growing wait; fail after GIVE_UP_AFTER."""
    now = timezone.now()
    mine = Notification.objects.filter(pk__in=held.ids, claimed_at=held.token, sent_at__isnull=True)
    summary = mine.aggregate(attempts=Max("attempts"), since=Min("failing_since"))
    if summary["attempts"] is None:
        return NOT_CLAIMED  # withdrawn by the fence: someone else holds the rows now
    since = summary["since"] or now
    if now - since >= GIVE_UP_AFTER:
        mine.update(
            email_status=Status.FAILED,
            claimed_at=None,
            next_attempt_at=None,
            last_error=f"Gave up after trying since {_day(since)}: {words}"[:1000],
        )
        log.error("Gave up emailing notifications %s: %s", held.ids, words)
        return FAILED
    mine.update(
        claimed_at=None,
        last_error=words[:1000],
        next_attempt_at=now + retry_delay(summary["attempts"]),
        failing_since=Coalesce(F("failing_since"), now),
    )
    log.warning("Emailing notifications %s failed for now: %s", held.ids, words)
    return RETRY


def _day(moment: dt.datetime) -> str:
    return day_text(timezone.localtime(moment).date())


def _email_problem(user, words: str) -> None:
    problem = (
        EmailProblem.objects.select_for_update()
        .filter(user=user, address=user.email, resolved_at__isnull=True)
        .first()
    )
    if problem is None:
        EmailProblem.objects.create(user=user, address=user.email, last_error=words[:1000])
        return
    problem.failures += 1
    problem.last_failed_at = timezone.now()
    problem.last_error = words[:1000]
    problem.save(update_fields=["failures", "last_failed_at", "last_error"])


# --- the messages ---------------------------------------------------------------------------


def _context(**extra) -> dict:
    room = SchoolSettings.load()
    return {
        "school_name": room.school_name,
        "room_name": room.room_name,
        "site_url": settings.ENIGMA_SITE_URL.rstrip("/"),
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


def build_digest(rows: list[Notification], today: dt.date) -> EmailMultiAlternatives:
    user = rows[0].recipient
    ctx = _context(rows=rows, user=user, today=today)
    message = EmailMultiAlternatives(
        f"{ctx['room_name']}: your daily reminders",
        render_to_string("notifications/email/digest.txt", ctx),
        to=[user.email],
    )
    message.attach_alternative(
        render_to_string("notifications/email/digest.html", ctx), "text/html"
    )
    return message


def message_id(rows: list[Notification]) -> str:
    """The same for every attempt at the same row (or digest of rows), so that a copy
    sent twice can be recognised downstream; different for anything else."""
    host = urlsplit(settings.ENIGMA_SITE_URL).hostname or DNS_NAME.get_fqdn()
    if len(rows) == 1:
        n = rows[0]
        return f"<enigma.notification.{n.pk}.{n.created_at:%Y%m%d%H%M%S}@{host}>"
    ids = ",".join(str(n.pk) for n in sorted(rows, key=lambda n: n.pk))
    digest = hashlib.sha256(ids.encode()).hexdigest()[:16]
    return f"<enigma.digest.{rows[0].recipient_id}.{digest}@{host}>"
