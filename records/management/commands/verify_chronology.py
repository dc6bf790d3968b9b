from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from records.selectors.chronology import chain_breaks


class Command(BaseCommand):
    help = (
        "Check the hash chain of every student's chronology with the chronology keys "
        "(CHRONOLOGY_KEYS). Names the first broken entry of each broken chronology and "
        "exits non-zero if any is broken or cannot be checked."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--student", type=int, action="append", dest="students", help="Only this student id"
        )

    def handle(self, *args, students=None, **options):
        if not settings.CHRONOLOGY_KEYS:
            raise CommandError(
                "CHRONOLOGY_KEYS is not set: the chain is keyed and cannot be checked without "
                "the keys it was sealed with."
            )
        checked, breaks = chain_breaks(students)
        for found in breaks:
            self.stderr.write(f"BROKEN {found}")
        if breaks:
            raise CommandError(
                f"{len(breaks)} chronolog{'y is' if len(breaks) == 1 else 'ies are'} broken "
                f"({checked} links checked)."
            )
        self.stdout.write(f"All chronologies intact: {checked} links checked.")
