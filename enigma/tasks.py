"""Housekeeping tasks. Each is idempotent: running it twice changes nothing more."""

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.mail import EmailMessage
from django.utils import timezone


@shared_task(acks_late=True)
def clear_expired_sessions() -> int:
    """Delete expired sessions (signed-out data must not linger); returns how many."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task(
    acks_late=True,
    autoretry_for=(OSError, SMTPException),
    retry_backoff=30,
    max_retries=5,
)
def send_email(*, subject: str, body: str, to: list[str]) -> None:
    """Send one plain-text notice already rendered in the request (enigma.services.accounts).
    Retried while the mail server is unreachable."""
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, to).send()


# Beat runs this several times a night; a run skips itself once one has succeeded (see
# enigma.backups.run_backup). Its own time limits: a large school's dump may outlast the
# half-hour every other task gets.
@shared_task(acks_late=True, soft_time_limit=3 * 60 * 60, time_limit=3 * 60 * 60 + 300)
def nightly_backup() -> str:
    """Make the night's backup into BACKUP_DIR; returns what happened, in a word."""
    from enigma import backups
    from enigma.models import BackupRun

    run = backups.run_backup(trigger=BackupRun.Trigger.NIGHTLY)
    return "skipped" if run is None else run.status
