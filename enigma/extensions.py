"""How the downstream apps add to the core's pages without the core importing them.

records, referrals and timetables register, in their AppConfig.ready():
- navigation links (shown to those who hold the capability given),
- home pages, each for the holders of a capability (the home view sends each person to
  the first that applies),
- tabs on a student's pages (Details is the core's own),
- demo seeders, run by `manage.py seed_demo` after the core's own demo data,
- benchmark pages for `make bench`, and the manage.py command that prepares their data
  (it prints "bench.<name>=<value>" lines that fill {name} in the pages' paths),
- panels on a student's header: fragments loaded from the app's own URL with htmx
  (e.g. the current placement, from referrals).

The core only reverses the URL names it is given; it never imports an app's views.
"""

from __future__ import annotations

from dataclasses import dataclass

from enigma.capabilities import Capability, has_capability


@dataclass(frozen=True)
class NavLink:
    label: str
    url_name: str
    capability: Capability
    # The URL names or namespaces ("records:" + name prefix) that mark it as current.
    current_prefix: str
    position: int = 100


@dataclass(frozen=True)
class StudentTab:
    label: str
    url_name: str  # reversed with the student's pk
    capability: Capability
    position: int = 100


@dataclass(frozen=True)
class HomePage:
    capability: Capability
    url_name: str
    # Lower wins for a person to whom several apply.
    priority: int


@dataclass(frozen=True)
class StudentPanel:
    url_name: str  # reversed with the student's pk; answers an HTML fragment
    capability: Capability
    position: int = 100


@dataclass(frozen=True)
class BenchTarget:
    name: str
    path: str  # may hold {student} or {name} filled from a bench command's output
    user: str  # the demo login's email


NAV_LINKS: list[NavLink] = []
BENCH_TARGETS: list[BenchTarget] = []
BENCH_COMMANDS: list[tuple[str, ...]] = []
# Callables taking no arguments and returning a line for seed_demo to print.
DEMO_SEEDERS: list = []
STUDENT_PANELS: list[StudentPanel] = []
STUDENT_TABS: list[StudentTab] = []
HOME_PAGES: list[HomePage] = []


def _add(registry: list, item) -> None:
    if item not in registry:
        registry.append(item)
        registry.sort(key=lambda i: (getattr(i, "position", 0), getattr(i, "priority", 0)))


def add_nav_link(
    label: str,
    url_name: str,
    capability: Capability,
    *,
    current_prefix: str = "",
    position: int = 100,
) -> None:
    _add(
        NAV_LINKS,
        NavLink(label, url_name, Capability(capability), current_prefix or url_name, position),
    )


def add_student_tab(
    label: str, url_name: str, capability: Capability, *, position: int = 100
) -> None:
    _add(STUDENT_TABS, StudentTab(label, url_name, Capability(capability), position))


# Where a student's name links to: the core's Details page unless an app offers a
# fuller one (records: the student file with its chronology).
STUDENT_LANDING = {"url_name": "student_detail"}


def set_student_landing(url_name: str) -> None:
    STUDENT_LANDING["url_name"] = url_name


def add_student_panel(url_name: str, capability: Capability, *, position: int = 100) -> None:
    _add(STUDENT_PANELS, StudentPanel(url_name, Capability(capability), position))


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


def add_home_page(capability: Capability, url_name: str, *, priority: int) -> None:
    _add(HOME_PAGES, HomePage(Capability(capability), url_name, priority))


def nav_links_for(user) -> list[NavLink]:
    return [link for link in NAV_LINKS if has_capability(user, link.capability)]


def student_tabs_for(user) -> list[StudentTab]:
    return [tab for tab in STUDENT_TABS if has_capability(user, tab.capability)]


def student_panels_for(user) -> list[StudentPanel]:
    return [panel for panel in STUDENT_PANELS if has_capability(user, panel.capability)]


def home_url_name_for(user) -> str | None:
    pages = sorted(
        (p for p in HOME_PAGES if has_capability(user, p.capability)), key=lambda p: p.priority
    )
    return pages[0].url_name if pages else None
