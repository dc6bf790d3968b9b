"""What a page's template rendering spends, counted (issue 15: pages whose time goes in
rendering, not SQL): variables the templates look up in vain (each miss raises and
catches an exception, calls dir() and logs) and dates formatted (a date format is about
40 times a variable's cost: a grid should format each day once, not each cell)."""

from __future__ import annotations

import logging
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.utils import dateformat


@dataclass
class Costs:
    misses: Counter = field(default_factory=Counter)  # (variable, our template) -> times
    date_formats: int = 0


class _Misses(logging.Handler):
    def __init__(self, costs: Costs):
        super().__init__(logging.DEBUG)
        self.costs = costs

    def emit(self, record):
        # Django's own widget templates test optional attributes so: not ours to change.
        if record.msg.startswith("Exception while resolving variable") and not str(
            record.args[1]
        ).startswith("django/"):
            self.costs.misses[record.args] += 1


@contextmanager
def counted(monkeypatch):
    costs = Costs()
    handler = _Misses(costs)
    logger = logging.getLogger("django.template")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    original = dateformat.DateFormat.format

    def format_counted(self, formatstr):
        costs.date_formats += 1
        return original(self, formatstr)

    monkeypatch.setattr(dateformat.DateFormat, "format", format_counted)
    try:
        yield costs
    finally:
        monkeypatch.setattr(dateformat.DateFormat, "format", original)
        logger.removeHandler(handler)
        logger.setLevel(level)


def render_costs(client, url, monkeypatch) -> tuple[Costs, object]:
    """The costs of one GET of `url` (asked once before, so first-use work is not counted),
    and the response."""
    assert client.get(url).status_code == 200
    with counted(monkeypatch) as costs:
        response = client.get(url)
    assert response.status_code == 200
    return costs, response
