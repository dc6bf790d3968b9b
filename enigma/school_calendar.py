"""The school calendar: which dates are school days, and counting in school days.

A *school day* is a date that is

* a weekday (Monday to Friday),
* inside a term (``Term.starts_on`` .. ``Term.ends_on``, both inclusive),
* not inside that term's half-term (``half_term_starts_on`` .. ``half_term_ends_on``, both
  inclusive), and
* not a ``NonSchoolDay`` (bank holiday, INSET day, closure).

Build a :class:`SchoolCalendar` once, from the database with :meth:`SchoolCalendar.from_db`
(exactly two queries) or from plain in-memory data, and ask it as many questions as you
like: it answers from memory. The module-level functions are conveniences that build one
calendar per call.

Counting conventions (placements last a number of school days, e.g. 30 = six school weeks):

* ``add_school_days(start, n)`` with ``n >= 1`` is the n-th school day strictly *after*
  ``start``; ``start`` itself never counts, whether or not it is a school day.
* ``add_school_days(start, 0)`` is ``start`` if it is a school day, otherwise the next school
  day: "the first school day on or after ``start``".
* ``nth_school_day(start, n)`` counts ``start`` as day 1 when it is a school day, so the last
  day of an N-day placement that starts on ``start`` is ``nth_school_day(start, N)``.
* ``school_days_between(start, end)`` counts both ends; it is 0 when ``end < start``.

When the calendar has no terms far enough ahead to answer, :class:`CalendarError` is raised:
nothing ever loops looking for a school day that does not exist.
"""

from __future__ import annotations

import datetime as dt
import functools
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import holidays as holidays_lib
from django.utils.formats import date_format

__all__ = [
    "CalendarError",
    "SchoolCalendar",
    "TermDates",
    "add_school_days",
    "bank_holidays",
    "is_school_day",
    "nth_school_day",
    "school_days",
    "school_days_between",
    "suggested_bank_holidays",
    "term_years",
]

ONE_DAY = dt.timedelta(days=1)


class CalendarError(Exception):
    """The calendar cannot answer: no terms reach far enough, the data is inconsistent, or
    the date is outside the range the calendar was loaded for."""


class TermLike(Protocol):
    """Anything with a term's dates: a ``Term`` row or a :class:`TermDates`."""

    starts_on: dt.date
    ends_on: dt.date
    half_term_starts_on: dt.date | None
    half_term_ends_on: dt.date | None


def _fmt(day: dt.date) -> str:
    return date_format(day, "D j M Y")


@dataclass(frozen=True, slots=True)
class TermDates:
    """A term's dates as plain data (what the calendar needs from a ``Term``)."""

    starts_on: dt.date
    ends_on: dt.date
    half_term_starts_on: dt.date | None = None
    half_term_ends_on: dt.date | None = None
    name: str = ""

    def __post_init__(self) -> None:
        problem = ""
        if self.ends_on < self.starts_on:
            problem = "ends before it starts"
        elif (self.half_term_starts_on is None) != (self.half_term_ends_on is None):
            problem = "has only one of its half-term dates"
        elif (
            self.half_term_starts_on is not None
            and self.half_term_ends_on is not None
            and self.half_term_ends_on < self.half_term_starts_on
        ):
            problem = "has a half-term that ends before it starts"
        if problem:
            label = self.name or f"The term starting {_fmt(self.starts_on)}"
            raise CalendarError(f"{label} {problem}.")

    @classmethod
    def of(cls, term: TermLike) -> TermDates:
        """The dates of a ``Term`` (or anything shaped like one)."""
        if isinstance(term, TermDates):
            return term
        return cls(
            starts_on=term.starts_on,
            ends_on=term.ends_on,
            half_term_starts_on=term.half_term_starts_on,
            half_term_ends_on=term.half_term_ends_on,
            name=str(getattr(term, "name", "") or ""),
        )

    def contains(self, day: dt.date) -> bool:
        """Whether ``day`` is inside the term (half-term included)."""
        return self.starts_on <= day <= self.ends_on

    def in_half_term(self, day: dt.date) -> bool:
        """Whether ``day`` is inside this term's half-term."""
        return (
            self.half_term_starts_on is not None
            and self.half_term_ends_on is not None
            and self.half_term_starts_on <= day <= self.half_term_ends_on
        )


class SchoolCalendar:
    """School days for a set of terms and non-school days, answered from memory.

    ``known_from``/``known_until`` (both optional, inclusive) say which dates the calendar
    knows about: :meth:`from_db` loads only the terms and non-school days for that range, so
    a question about a date outside it raises :class:`CalendarError` rather than guessing.
    With no bounds the given data is taken to be the whole calendar: dates outside every
    term are simply not school days.
    """

    def __init__(
        self,
        terms: Iterable[TermLike],
        non_school_days: Iterable[dt.date] = (),
        *,
        known_from: dt.date | None = None,
        known_until: dt.date | None = None,
    ) -> None:
        if known_from is not None and known_until is not None and known_until < known_from:
            raise ValueError("known_until is before known_from")
        self.known_from = known_from
        self.known_until = known_until
        self.terms: tuple[TermDates, ...] = tuple(
            sorted((TermDates.of(t) for t in terms), key=lambda t: t.starts_on)
        )
        for earlier, later in zip(self.terms, self.terms[1:], strict=False):
            if later.starts_on <= earlier.ends_on:
                raise CalendarError(
                    f"Terms overlap: {earlier.name or _fmt(earlier.starts_on)} and "
                    f"{later.name or _fmt(later.starts_on)}."
                )
        self.non_school_days: frozenset[dt.date] = frozenset(non_school_days)
        self._term_starts = [t.starts_on for t in self.terms]
        self._days: list[dt.date] = []
        for term in self.terms:
            day = max(term.starts_on, known_from) if known_from else term.starts_on
            last = min(term.ends_on, known_until) if known_until else term.ends_on
            while day <= last:
                if (
                    day.weekday() < 5
                    and not term.in_half_term(day)
                    and day not in self.non_school_days
                ):
                    self._days.append(day)
                day += ONE_DAY
        self._day_set = frozenset(self._days)

    # --- construction ---------------------------------------------------------------------

    @classmethod
    def from_db(cls, start: dt.date | None = None, end: dt.date | None = None) -> SchoolCalendar:
        """Load the calendar for ``start``..``end`` (inclusive; either may be open) in two
        queries: the terms that overlap the range and the non-school days inside it."""
        from enigma.models import NonSchoolDay, Term

        terms = Term.objects.order_by("starts_on")
        days = NonSchoolDay.objects.order_by("date")
        if start is not None:
            terms = terms.filter(ends_on__gte=start)
            days = days.filter(date__gte=start)
        if end is not None:
            terms = terms.filter(starts_on__lte=end)
            days = days.filter(date__lte=end)
        rows = terms.values_list(
            "starts_on", "ends_on", "half_term_starts_on", "half_term_ends_on", "name"
        )
        return cls(
            [TermDates(*row) for row in rows],
            days.values_list("date", flat=True),
            known_from=start,
            known_until=end,
        )

    # --- questions ------------------------------------------------------------------------

    def covers(self, day: dt.date) -> bool:
        """Whether ``day`` is inside the range this calendar knows about."""
        return (self.known_from is None or day >= self.known_from) and (
            self.known_until is None or day <= self.known_until
        )

    def _require(self, day: dt.date) -> None:
        if not self.covers(day):
            raise CalendarError(
                f"{_fmt(day)} is outside the dates this calendar was loaded for "
                f"({_fmt(self.known_from) if self.known_from else 'the beginning'} to "
                f"{_fmt(self.known_until) if self.known_until else 'the end'})."
            )

    def term_for(self, day: dt.date) -> TermDates | None:
        """The term ``day`` falls in (half-term included), if any."""
        i = bisect_right(self._term_starts, day) - 1
        if i >= 0 and self.terms[i].contains(day):
            return self.terms[i]
        return None

    def is_school_day(self, day: dt.date) -> bool:
        """Whether ``day`` is a school day (see the module docstring for the rule)."""
        self._require(day)
        return day in self._day_set

    def add_school_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th school day after ``start`` (``start`` itself never counts).

        ``n == 0`` gives ``start`` if it is a school day, otherwise the next school day.
        Raises ``ValueError`` for negative ``n`` and :class:`CalendarError` when the
        calendar has no terms (or loaded dates) reaching that far.
        """
        if n < 0:
            raise ValueError("n must be 0 or more")
        self._require(start)
        if n == 0:
            index = bisect_left(self._days, start)
        else:
            index = bisect_right(self._days, start) + n - 1
        if index >= len(self._days):
            self._ran_out(start, n, index)
        return self._days[index]

    def nth_school_day(self, start: dt.date, n: int) -> dt.date:
        """The n-th school day counting ``start`` as day 1 when it is a school day
        (otherwise counting from the next school day). ``n`` must be at least 1.

        The last day of a placement of N school days starting on ``start`` is
        ``nth_school_day(start, N)``.
        """
        if n < 1:
            raise ValueError("n must be 1 or more")
        self._require(start)
        index = bisect_left(self._days, start) + n - 1
        if index >= len(self._days):
            self._ran_out(start, n, index)
        return self._days[index]

    def _ran_out(self, start: dt.date, n: int, index: int) -> None:
        have = len(self._days) - bisect_right(self._days, start)
        where = (
            f"the dates loaded (up to {_fmt(self.known_until)})"
            if self.known_until is not None
            else "the terms set up in the calendar"
        )
        raise CalendarError(
            f"Cannot count {n} school day{'s' if n != 1 else ''} from {_fmt(start)}: "
            f"{where} only have {have} school day{'s' if have != 1 else ''} after it. "
            "Add the later terms to the calendar."
        )

    def school_days_between(self, start: dt.date, end: dt.date) -> int:
        """How many school days there are from ``start`` to ``end``, both inclusive
        (0 when ``end`` is before ``start``)."""
        if end < start:
            return 0
        self._require(start)
        self._require(end)
        return bisect_right(self._days, end) - bisect_left(self._days, start)

    def school_days(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """The school days from ``start`` to ``end``, both inclusive, in order."""
        if end < start:
            return []
        self._require(start)
        self._require(end)
        return self._days[bisect_left(self._days, start) : bisect_right(self._days, end)]

    def suggested_bank_holidays(self, years: Iterable[int]) -> list[tuple[dt.date, str]]:
        """England's bank holidays in ``years`` that fall on a weekday inside a term (its
        half-term included, so the record stays right if half-term moves) and are not yet
        non-school days, as ``(date, name)`` in date order. Dates this calendar does not
        cover are left out."""
        return [
            (day, name)
            for day, name in bank_holidays(years)
            if day.weekday() < 5
            and self.covers(day)
            and self.term_for(day) is not None
            and day not in self.non_school_days
        ]


# --- module-level conveniences (each builds a calendar from the database) -----------------


def bank_holidays(years: Iterable[int]) -> list[tuple[dt.date, str]]:
    """England's bank holidays in ``years`` (from the ``holidays`` package), date order."""
    wanted = tuple(sorted(set(years)))
    return list(_bank_holidays(wanted)) if wanted else []


@functools.lru_cache(maxsize=32)
def _bank_holidays(years: tuple[int, ...]) -> tuple[tuple[dt.date, str], ...]:
    # Worked out by the package's rules once a process for the same years (~1 ms for the
    # calendar page's ten years, on every view of it): they change only with the package.
    found = holidays_lib.country_holidays("GB", subdiv="ENG", years=list(years))
    return tuple(sorted(found.items()))


def term_years(terms: Iterable[TermLike]) -> list[int]:
    """Every calendar year the given terms touch, in order."""
    terms = list(terms)
    if not terms:
        return []
    first = min(t.starts_on.year for t in terms)
    last = max(t.ends_on.year for t in terms)
    return list(range(first, last + 1))


def academic_year_of(day: dt.date) -> int:
    """The calendar year an English academic year starts in: 1 August onwards belongs to
    the year starting that autumn (``2026`` for 2026/27)."""
    return day.year if day.month >= 8 else day.year - 1


def academic_year_name(start: int) -> str:
    """``2026`` -> ``"2026/27"``."""
    return f"{start}/{str(start + 1)[-2:]}"


def is_school_day(day: dt.date) -> bool:
    """Whether ``day`` is a school day (two queries)."""
    return SchoolCalendar.from_db(day, day).is_school_day(day)


def add_school_days(start: dt.date, n: int) -> dt.date:
    """The n-th school day after ``start``; ``n == 0`` gives ``start`` if it is a school
    day, otherwise the next one. Raises :class:`CalendarError` if the terms run out."""
    return SchoolCalendar.from_db(start).add_school_days(start, n)


def nth_school_day(start: dt.date, n: int) -> dt.date:
    """The n-th school day counting ``start`` as day 1 if it is a school day. Raises
    :class:`CalendarError` if the terms run out."""
    return SchoolCalendar.from_db(start).nth_school_day(start, n)


def school_days_between(start: dt.date, end: dt.date) -> int:
    """School days from ``start`` to ``end``, both inclusive; 0 if ``end < start``."""
    if end < start:
        return 0
    return SchoolCalendar.from_db(start, end).school_days_between(start, end)


def school_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """The school days from ``start`` to ``end``, both inclusive, in order."""
    if end < start:
        return []
    return SchoolCalendar.from_db(start, end).school_days(start, end)


def suggested_bank_holidays(years: Iterable[int]) -> list[tuple[dt.date, str]]:
    """England's bank holidays in ``years`` that fall on a weekday inside an existing term
    and are not yet recorded as a ``NonSchoolDay``, as ``(date, name)`` (two queries)."""
    wanted = sorted(set(years))
    if not wanted:
        return []
    calendar = SchoolCalendar.from_db(dt.date(wanted[0], 1, 1), dt.date(wanted[-1], 12, 31))
    return calendar.suggested_bank_holidays(wanted)
