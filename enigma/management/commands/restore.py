"""`manage.py restore PATH`: rebuild an empty database and the private files from a
backup made by `manage.py backup` (or the nightly one)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from enigma import backups


class Command(BaseCommand):
    help = (
        "Decrypt a backup with BACKUP_KEY, check it in full, then restore it into the "
        "database (as the owner, DATABASE_OWNER_URL), which must be empty unless --force, "
        "and the private files. Prints what was restored."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The archive (enigma-backup-....age)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace everything in a database that is not empty, and private files "
            "that differ from the backup's",
        )

    def handle(self, *args, path, force=False, **options):
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            done = backups.restore(path, force=force)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        tables = done.tables
        self.stdout.write(
            f"Restored {path.name}, made {done.manifest['created_at']}: "
            f"{sum(tables.values())} rows in {len(tables)} tables, as in its manifest; "
            f"{done.files} private files written, {done.files_skipped} already in place."
        )
        for table, rows in sorted(tables.items()):
            self.stdout.write(f"  {table}: {rows}")
        if done.migrations_pending:
            self.stdout.write(
                f"The code is newer than the backup: run `manage.py migrate` "
                f"({done.migrations_pending} migrations to apply)."
            )
        self.stdout.write(
            "Now check the chronologies with the keys they were sealed with: "
            "`manage.py verify_chronology`."
        )
