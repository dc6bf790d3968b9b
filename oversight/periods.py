"""The periods the oversight pages cover: an academic year, a term (from the school's
calendar) or any range of dates, each beside the same period a year earlier."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from enigma.formatting import day_text as long_date
from enigma.models import Term


@dataclass(frozen=True)
class Span:
    start: dt.date
    end: dt.date
    label: str
    key: str = ""  # what the chooser sends back: "year:2026/27", "term:12" or "dates"

    def __str__(self) -> str:
        return self.label

    @property
    def dates(self) -> str:
        return f"{long_date(self.start)} to {long_date(self.end)}"

    def months(self) -> list[dt.date]:
        """The first day of each month the span touches, in order."""
        month, out = self.start.replace(day=1), []
        while month <= self.end:
            out.append(month)
            month = (month + dt.timedelta(days=32)).replace(day=1)
        return out


def year_earlier(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def academic_years() -> dict[str, tuple[dt.date, dt.date]]:
    """Each academic year the calendar has terms for: its first and last day, newest first."""
    years: dict[str, tuple[dt.date, dt.date]] = {}
    for term in Term.objects.order_by("starts_on"):
        first, last = years.get(term.academic_year, (term.starts_on, term.ends_on))
        years[term.academic_year] = (min(first, term.starts_on), max(last, term.ends_on))
    return dict(sorted(years.items(), reverse=True))


def terms() -> list[Term]:
    return list(Term.objects.order_by("-starts_on"))


def for_year(label: str, years=None) -> Span | None:
    years = academic_years() if years is None else years
    if label not in years:
        return None
    start, end = years[label]
    return Span(start, end, f"Academic year {label}", f"year:{label}")


def for_term(term: Term) -> Span:
    return Span(term.starts_on, term.ends_on, f"{term.name} term", f"term:{term.pk}")


def for_dates(start: dt.date, end: dt.date) -> Span:
    return Span(start, end, f"{long_date(start)} to {long_date(end)}", "dates")


def current(today: dt.date, years=None) -> Span:
    """The academic year that holds today (or the latest one begun), or the twelve months
    to today when the calendar has no terms."""
    years = academic_years() if years is None else years
    for label, (start, _end) in years.items():
        if start <= today:
            return for_year(label, years)
    return for_dates(year_earlier(today) + dt.timedelta(days=1), today)


def last_year(span: Span, years=None) -> Span:
    """The same period a year earlier: the previous academic year, the same term of the
    previous year when the calendar has it, else the same dates a year earlier."""
    years = academic_years() if years is None else years
    kind, _, value = span.key.partition(":")
    if kind == "year":
        start = int(value[:4]) - 1
        earlier = for_year(f"{start}/{str(start + 1)[-2:]}", years)
        if earlier:
            return earlier
    if kind == "term":
        target = year_earlier(span.start)
        term = (
            Term.objects.filter(
                starts_on__gte=target - dt.timedelta(days=45),
                starts_on__lte=target + dt.timedelta(days=45),
            )
            .order_by("starts_on")
            .first()
        )
        if term:
            return for_term(term)
    start, end = year_earlier(span.start), year_earlier(span.end)
    return Span(start, end, f"{long_date(start)} to {long_date(end)}", "dates")
