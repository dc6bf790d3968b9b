from django.db import models
from django.utils import timezone


class BackupRun(models.Model):
    """One attempt at a backup (nightly, or `manage.py backup`): when it started and
    finished, whether it worked, how big the archive is, and what went wrong if not.

    Written by enigma.backups.run_backup() only; the settings page shows the latest and
    the school admin's home warns when the last success is old (enigma.selectors.backups).
    Times come from Python, not the database, so that tests can move the clock.
    """

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        OK = "ok", "Succeeded"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        NIGHTLY = "nightly", "Nightly"
        COMMAND = "command", "manage.py backup"

    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.RUNNING)
    trigger = models.CharField(max_length=10, choices=Trigger)
    archive_name = models.CharField(max_length=200, blank=True)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    # What the archive holds (rows per table, files), from its manifest.
    tables = models.PositiveIntegerField(null=True, blank=True)
    rows = models.PositiveBigIntegerField(null=True, blank=True)
    files = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["status", "-finished_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["running", "ok", "failed"]),
                name="backup_run_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="running") | models.Q(finished_at__isnull=False),
                name="backup_run_finished_when_done",
            ),
        ]

    def __str__(self):
        return f"Backup {self.started_at:%Y-%m-%d %H:%M} {self.status}"
