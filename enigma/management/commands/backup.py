"""`manage.py backup`: one encrypted archive of the database and the private files."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from enigma import backups
from enigma.models import BackupRun


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, custom format) and the private files into one "
        "archive encrypted with BACKUP_KEY, in BACKUP_DIR unless --output names the file. "
        "Recorded like the nightly backup."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="The archive to write")
        parser.add_argument(
            "--new-key",
            action="store_true",
            help="Print a new key pair for BACKUP_KEY (secret and public halves) and stop",
        )

    def handle(self, *args, output=None, new_key=False, **options):
        if new_key:
            secret, public = backups.new_key()
            self.stdout.write(
                f"Secret key (keep it apart from the backups and the server; restore needs "
                f"it):\n{secret}\n\nPublic key (BACKUP_KEY for the backup worker: it can "
                f"write backups but not read them):\n{public}"
            )
            return
        run = backups.run_backup(trigger=BackupRun.Trigger.COMMAND, output=output)
        if run.status != BackupRun.Status.OK:
            raise CommandError(f"The backup failed: {run.error}")
        path = output or Path(settings.ENIGMA_BACKUP_DIR) / run.archive_name
        self.stdout.write(
            f"Backed up {run.rows} rows in {run.tables} tables and {run.files} files to "
            f"{path} ({filesizeformat(run.size_bytes)})."
        )
