"""How apps downstream of referrals (timetables) take part in a placement's life without
referrals importing them.

- ``placement_changed`` is sent (inside the transaction, under the placement's row lock)
  after every state move, including same-state moves such as an exit brought forward.
- Exit checks: callables ``check(placement, exit_day) -> list[str]`` naming what stops a
  placement from completing; ``complete()`` refuses while any is returned.
- Review summaries: callables ``summary(placement, review) -> dict`` of initial values for
  the review form (e.g. attendance and engagement in the room from the register).
- Placement panels: fragments, loaded with htmx from the app's own URL (reversed with
  the placement's pk), shown on the placement page and on the review form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.dispatch import Signal

from enigma.capabilities import Capability, has_capability

placement_changed = Signal()  # kwargs: placement, from_state, to_state, by

EXIT_CHECKS: list[Callable] = []
REVIEW_SUMMARIES: list[Callable] = []


@dataclass(frozen=True)
class PlacementPanel:
    url_name: str
    capability: Capability
    position: int = 100


PLACEMENT_PANELS: list[PlacementPanel] = []


def add_exit_check(check: Callable) -> None:
    if check not in EXIT_CHECKS:
        EXIT_CHECKS.append(check)


def add_review_summary(summary: Callable) -> None:
    if summary not in REVIEW_SUMMARIES:
        REVIEW_SUMMARIES.append(summary)


def add_placement_panel(url_name: str, capability: Capability, *, position: int = 100) -> None:
    panel = PlacementPanel(url_name, Capability(capability), position)
    if panel not in PLACEMENT_PANELS:
        PLACEMENT_PANELS.append(panel)
        PLACEMENT_PANELS.sort(key=lambda p: p.position)


def exit_problems(placement, exit_day) -> list[str]:
    problems: list[str] = []
    for check in EXIT_CHECKS:
        problems.extend(check(placement, exit_day))
    return problems


def review_initial(placement, review) -> dict:
    initial: dict = {}
    for summary in REVIEW_SUMMARIES:
        initial.update(summary(placement, review))
    return initial


def placement_panels_for(user) -> list[PlacementPanel]:
    return [p for p in PLACEMENT_PANELS if has_capability(user, p.capability)]
