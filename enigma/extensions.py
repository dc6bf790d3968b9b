"""How the downstream apps add demo data and benchmark pages without the core importing
them. records, referrals and timetables register, in their AppConfig.ready():
- demo seeders, run by `manage.py seed_demo` after the core's own demo data,
- benchmark pages for `make bench`, and the manage.py command that prepares their data
  (it prints "bench.<name>=<value>" lines that fill {name} in the pages' paths).

What they add to the pages is declared in their contributions.py (enigma.registry).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BenchTarget:
    name: str
    path: str  # may hold {student} or {name} filled from a bench command's output
    user: str  # the demo login's email


BENCH_TARGETS: list[BenchTarget] = []
BENCH_COMMANDS: list[tuple[str, ...]] = []
# Callables taking no arguments and returning a line for seed_demo to print.
DEMO_SEEDERS: list = []


def add_demo_seeder(seeder) -> None:
    if seeder not in DEMO_SEEDERS:
        DEMO_SEEDERS.append(seeder)


def add_bench_target(name: str, path: str, user: str) -> None:
    target = BenchTarget(name, path, user)
    if target not in BENCH_TARGETS:
        BENCH_TARGETS.append(target)


def add_bench_command(*args: str) -> None:
    if args not in BENCH_COMMANDS:
        BENCH_COMMANDS.append(args)
