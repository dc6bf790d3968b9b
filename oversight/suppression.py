"""Small numbers are never shown: a count from 1 to below the school's threshold reads
"fewer than N" on the pages, in the report and in every CSV (none is shown as 0: it points
to no one), and so does anything worked out from it (a rate, a ratio, a share, an
average) and any cell of a table with a total from which a hidden cell could be worked
back (secondary suppression)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Count:
    value: int
    threshold: int
    hidden: bool = False

    @classmethod
    def of(cls, value: int | None, threshold: int) -> Count:
        value = int(value or 0)
        return cls(value, threshold, 0 < value < threshold)

    def hide(self) -> Count:
        return replace(self, hidden=True)

    @property
    def shown(self) -> int | None:
        return None if self.hidden else self.value

    def __str__(self) -> str:
        return f"fewer than {self.threshold}" if self.hidden else str(self.value)

    kind = "count"


@dataclass(frozen=True)
class Number:
    """A figure worked out from counts (a rate, ratio, share or average): hidden when any
    count it comes from is hidden, blank when there is nothing to work it out from."""

    value: float | None
    threshold: int
    hidden: bool = False
    places: int = 1
    suffix: str = ""

    @property
    def shown(self) -> float | None:
        return None if self.hidden or self.value is None else round(self.value, self.places)

    def __str__(self) -> str:
        if self.hidden:
            return f"fewer than {self.threshold}"
        if self.value is None:
            return "–"
        return f"{self.value:.{self.places}f}{self.suffix}"

    kind = "number"


def derived(value: float | None, threshold: int, *sources: Count, places=1, suffix="") -> Number:
    """A figure from counts, hidden if any of them is."""
    return Number(value, threshold, any(s.hidden for s in sources), places, suffix)


def rate(part: Count, whole: Count, per: int = 100, places: int = 1, suffix: str = "") -> Number:
    value = part.value * per / whole.value if whole.value else None
    return derived(value, part.threshold, part, whole, places=places, suffix=suffix)


def protect(cells: Iterable[Count], total_shown: bool = True) -> list[Count]:
    """One partition of a total (rows that add up to a total shown elsewhere): when only
    one cell is hidden it could be worked out as the total less the others, so the
    smallest other cell is hidden too."""
    cells = list(cells)
    if not total_shown:
        return cells
    hidden = [i for i, c in enumerate(cells) if c.hidden]
    if len(hidden) == 1:
        others = [i for i, c in enumerate(cells) if not c.hidden and c.value]
        if others:
            smallest = min(others, key=lambda i: cells[i].value)
            cells[smallest] = cells[smallest].hide()
    return cells
