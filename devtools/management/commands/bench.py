from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from devtools import benchmark


class Command(BaseCommand):
    help = (
        "Seed a 20,000-student school in var/bench-pg (or DATABASE_URL) and measure the "
        "main pages under gunicorn on 127.0.0.1. See devtools/benchmark.py."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        defaults = benchmark.Options()
        parser.add_argument("--students", type=int, default=defaults.students)
        parser.add_argument("--requests", type=int, default=defaults.requests, help="per page")
        parser.add_argument(
            "--baseline-requests",
            type=int,
            default=defaults.baseline_requests,
            help="/healthz's, each time it is measured",
        )
        parser.add_argument(
            "--baseline-every",
            type=int,
            default=defaults.baseline_every,
            help="measure /healthz again after every N pages (0: only first and last)",
        )
        parser.add_argument("--warmup", type=int, default=defaults.warmup, help="per page")
        parser.add_argument("--concurrency", type=int, default=defaults.concurrency)
        parser.add_argument("--workers", type=int, default=defaults.workers, help="gunicorn")
        parser.add_argument(
            "--time-cap", type=float, default=defaults.time_cap, help="seconds per page"
        )
        parser.add_argument("--password", default=defaults.password, help="the demo password")
        parser.add_argument("--only", nargs="*", default=[], help="page names to measure")
        parser.add_argument("--output", type=Path, default=defaults.output)
        parser.add_argument(
            "--no-imports",
            action="store_false",
            dest="imports",
            help="skip timing the trust-sized import after the pages (bench_imports)",
        )

    def handle(self, *args, **opts):
        options = benchmark.Options(
            students=opts["students"],
            requests=max(1, opts["requests"]),
            baseline_requests=max(1, opts["baseline_requests"]),
            baseline_every=max(0, opts["baseline_every"]),
            warmup=max(0, opts["warmup"]),
            concurrency=max(1, opts["concurrency"]),
            workers=max(1, opts["workers"]),
            time_cap=min(max(1.0, opts["time_cap"]), 600.0),
            password=opts["password"],
            only=opts["only"],
            output=opts["output"],
            imports=opts["imports"],
        )
        try:
            benchmark.run(options, out=self.stdout.write)
        except benchmark.BenchError as error:
            raise CommandError(str(error)) from error
        except KeyboardInterrupt:
            raise CommandError("Interrupted: gunicorn was stopped.") from None
