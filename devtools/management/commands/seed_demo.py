from django.core.management.base import BaseCommand

from devtools.demo.school import seed


class Command(BaseCommand):
    help = "Seed a demo school (calendar, one login per role, students). Safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument("--students", type=int, default=120)
        parser.add_argument("--password", default="enigma-demo-2026")

    def handle(self, *args, students, password, **options):
        summary = seed(students=students, password=password)
        self.stdout.write(
            f"Demo school ready: {summary.students_total} students "
            f"({summary.students_created} added)."
        )
        for line in summary.extra:
            self.stdout.write(line)
        self.stdout.write(f"\nDemo logins (password for all: {password})")
        width = max(len(role) for role, _ in summary.logins)
        for role, email in summary.logins:
            self.stdout.write(f"  {role.ljust(width)}  {email}")
