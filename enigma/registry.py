"""What each app adds to the pages of the others, declared once and collected at start-up.

An app that adds anything has a `contributions.py` whose CONTRIBUTIONS (a Contributions)
says, as plain data:
- nav_links: links in the header, each shown to the holders of a capability;
- home_pages: where the home view sends the holders of a capability;
- student_tabs: tabs on a student's pages (one may be the landing: where a student's
  name links to);
- student_panels and placement_panels: fragments loaded with htmx from the app's own
  URL, reversed with the pk of the student or placement they are shown on;
- exit_checks: `check(placement, exit_day) -> list[str]`, what stops a placement from
  completing (referrals.services.placements.complete() refuses while any is returned);
- review_summaries: `summary(placement, review) -> dict`, initial values for the review
  form (e.g. attendance in the room, from the register);
- audit_labels and audit_groups: what the audit page calls the app's actions (action ->
  words) and the groups it filters by (action prefix -> words);
- private_objects and private_data: objects whose words may be restricted, which the
  audit log names by kind and id only (model label -> noun), and the data keys of an
  action that are never shown (action -> keys); see enigma.audit.

`collected()` gathers every installed app's CONTRIBUTIONS once, in INSTALLED_APPS order
(EnigmaConfig.ready() calls it, so a mistake stops the start). Where the named items
appear is said in one place, settings.ENIGMA_ORDER: each kind's URL names, in order.
Every item an app declares must be placed there and every name there declared.

The core imports no app: it reverses the URL names and calls the functions it is given.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from types import MappingProxyType

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import module_has_submodule

from enigma.capabilities import Capability, has_capability


@dataclass(frozen=True)
class NavLink:
    label: str
    url_name: str
    capability: Capability
    # The start of the URL names (namespace included) that mark the link as current;
    # the link's own URL name if not given.
    current_prefix: str = ""

    def __post_init__(self):
        object.__setattr__(self, "capability", Capability(self.capability))
        object.__setattr__(self, "current_prefix", self.current_prefix or self.url_name)


@dataclass(frozen=True)
class HomePage:
    url_name: str
    capability: Capability

    def __post_init__(self):
        object.__setattr__(self, "capability", Capability(self.capability))


@dataclass(frozen=True)
class Tab:
    label: str
    url_name: str  # reversed with the student's pk
    capability: Capability
    landing: bool = False  # the page a student's name links to

    def __post_init__(self):
        object.__setattr__(self, "capability", Capability(self.capability))


@dataclass(frozen=True)
class Panel:
    url_name: str  # reversed with the pk of what it is shown on; answers an HTML fragment
    capability: Capability

    def __post_init__(self):
        object.__setattr__(self, "capability", Capability(self.capability))


@dataclass(frozen=True)
class Contributions:
    nav_links: tuple[NavLink, ...] = ()
    home_pages: tuple[HomePage, ...] = ()
    student_tabs: tuple[Tab, ...] = ()
    student_panels: tuple[Panel, ...] = ()
    placement_panels: tuple[Panel, ...] = ()
    exit_checks: tuple[Callable, ...] = ()
    review_summaries: tuple[Callable, ...] = ()
    audit_labels: Mapping[str, str] = field(default_factory=dict)
    audit_groups: Mapping[str, str] = field(default_factory=dict)
    private_objects: Mapping[str, str] = field(default_factory=dict)
    private_data: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


# The kinds whose items are named (by URL name) and placed by settings.ENIGMA_ORDER.
ORDERED = ("nav_links", "home_pages", "student_tabs", "student_panels", "placement_panels")


@dataclass(frozen=True)
class Registry(Contributions):
    """Every app's contributions together, each named kind in settings.ENIGMA_ORDER's order
    and the rest in INSTALLED_APPS order."""

    student_landing: str = field(default="", kw_only=True)

    def nav_links_for(self, user) -> list[NavLink]:
        return [link for link in self.nav_links if has_capability(user, link.capability)]

    def home_url_name_for(self, user) -> str | None:
        """The first home page whose capability `user` holds, or None."""
        return next(
            (p.url_name for p in self.home_pages if has_capability(user, p.capability)), None
        )

    def student_tabs_for(self, user) -> list[Tab]:
        return [tab for tab in self.student_tabs if has_capability(user, tab.capability)]

    def student_panels_for(self, user) -> list[Panel]:
        return [p for p in self.student_panels if has_capability(user, p.capability)]

    def placement_panels_for(self, user) -> list[Panel]:
        return [p for p in self.placement_panels if has_capability(user, p.capability)]


def collect(
    found: Iterable[tuple[str, Contributions]], order: Mapping[str, Sequence[str]]
) -> Registry:
    """One Registry from (app label, contributions) pairs, in app order, and the order."""
    found = list(found)
    for app, contributions in found:
        if not isinstance(contributions, Contributions):
            raise ImproperlyConfigured(f"{app}.contributions.CONTRIBUTIONS is not a Contributions.")
    unknown = set(order) - set(ORDERED)
    if unknown:
        raise ImproperlyConfigured(f"ENIGMA_ORDER has no such kind: {', '.join(sorted(unknown))}.")
    ordered = {
        kind: _in_order(kind, [(app, item) for app, c in found for item in getattr(c, kind)], order)
        for kind in ORDERED
    }
    landings = [tab.url_name for tab in ordered["student_tabs"] if tab.landing]
    if len(landings) > 1:
        raise ImproperlyConfigured(f"Only one student tab may be the landing: {landings}.")
    tabs = ordered["student_tabs"]
    private_data: dict[str, tuple[str, ...]] = {}
    for _, c in found:
        for action, keys in c.private_data.items():
            private_data[action] = (*private_data.get(action, ()), *keys)
    return Registry(
        **ordered,
        exit_checks=tuple(check for _, c in found for check in c.exit_checks),
        review_summaries=tuple(summary for _, c in found for summary in c.review_summaries),
        audit_labels=_merged(c.audit_labels for _, c in found),
        audit_groups=_merged(c.audit_groups for _, c in found),
        private_objects=_merged(c.private_objects for _, c in found),
        private_data=MappingProxyType(private_data),
        student_landing=landings[0] if landings else (tabs[0].url_name if tabs else ""),
    )


def _merged(mappings: Iterable[Mapping[str, str]]) -> Mapping[str, str]:
    merged: dict[str, str] = {}
    for mapping in mappings:
        merged.update(mapping)
    return MappingProxyType(merged)


def _in_order(kind: str, items: list[tuple[str, object]], order: Mapping[str, Sequence[str]]):
    place = {name: i for i, name in enumerate(order.get(kind, ()))}
    declared: dict[str, str] = {}
    for app, item in items:
        if item.url_name in declared:
            raise ImproperlyConfigured(
                f"{kind}: {item.url_name} is declared twice ({declared[item.url_name]}, {app})."
            )
        declared[item.url_name] = app
        if item.url_name not in place:
            raise ImproperlyConfigured(
                f"{kind}: {item.url_name} (from {app}) has no place in "
                f"settings.ENIGMA_ORDER[{kind!r}]: add it where it should appear."
            )
    if missing := [name for name in place if name not in declared]:
        raise ImproperlyConfigured(
            f"settings.ENIGMA_ORDER[{kind!r}] names what no app declares: {', '.join(missing)}."
        )
    return tuple(item for _, item in sorted(items, key=lambda pair: place[pair[1].url_name]))


def discover() -> list[tuple[str, Contributions]]:
    """Each installed app's CONTRIBUTIONS, in INSTALLED_APPS order."""
    found = []
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "contributions"):
            module = import_module(f"{config.name}.contributions")
            found.append((config.label, getattr(module, "CONTRIBUTIONS", None)))
    return found


@functools.cache
def collected() -> Registry:
    """The project's registry, collected once."""
    return collect(discover(), settings.ENIGMA_ORDER)
