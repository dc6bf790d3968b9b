"""What the school admin is shown about backups (enigma.backups makes them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from enigma.models import BackupRun

# The admin's home warns once the last successful backup is older than this.
STALE_AFTER = timedelta(days=2)


@dataclass(frozen=True)
class BackupStatus:
    last_success: BackupRun | None
    last_run: BackupRun | None

    @property
    def stale(self) -> bool:
        """No backup has succeeded within STALE_AFTER (or ever)."""
        return self.last_success is None or (
            timezone.now() - self.last_success.finished_at > STALE_AFTER
        )

    @property
    def last_failed(self) -> bool:
        return self.last_run is not None and self.last_run.status == BackupRun.Status.FAILED


def backup_status() -> BackupStatus:
    last_success = (
        BackupRun.objects.filter(status=BackupRun.Status.OK).order_by("-finished_at").first()
    )
    return BackupStatus(last_success=last_success, last_run=BackupRun.objects.first())
