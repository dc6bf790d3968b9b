from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from enigma.imports import services


class Command(BaseCommand):
    help = (
        "Import students, contacts (parents/carers) or staff from an MIS CSV export. "
        "A dry run unless --apply is given; all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(services.KINDS))
        parser.add_argument("path")
        parser.add_argument("--apply", action="store_true", help="Write the changes.")

    def handle(self, *args, kind, path, apply, **options):
        try:
            data = Path(path).read_bytes()
        except OSError as e:
            raise CommandError(f"Cannot read {path}: {e.strerror}") from None
        run = services.import_apply if apply else services.import_preview
        result = run(kind, data, Path(path).name, actor_label="manage.py import_mis")
        for header, why in result.ignored_columns:
            self.stdout.write(f'Ignored column "{header}": {why}.')
        for note in result.notes:
            self.stdout.write(f"Note: {note}")
        for w in result.warnings:
            self.stdout.write(f"Line {w.line}{f' ({w.column})' if w.column else ''}: {w.message}")
        for e in result.errors:
            self.stderr.write(f"Line {e.line}{f' ({e.column})' if e.column else ''}: {e.message}")
        self.stdout.write(result.summary())
        if not result.ok:
            raise CommandError("Nothing was saved.")
        if not apply:
            self.stdout.write("Dry run: nothing was saved. Run again with --apply to import.")
