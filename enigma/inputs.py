"""Values a view reads straight from a request, checked in one place.

Forms check their own fields (Django's CharField refuses a NUL byte at the field). A view
that reads request.GET or request.POST itself reads through these instead, so that a NUL
byte, a date outside any school's life or a number too large for the database is a
clear message (at the field, or a 400 page that says what was wrong), never a 500.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import BadRequest, ValidationError
from django.core.validators import ProhibitNullCharactersValidator

# Dates a school could mean: date arithmetic a year or two either side stays far
# inside Python's date range (year 1 to 9999), so nothing overflows.
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2200, 12, 31)
# The largest value of a PostgreSQL integer column (and so of an id).
INT_MAX = 2**31 - 1

_no_nul = ProhibitNullCharactersValidator()


class BadInput(BadRequest):
    """A value in the address (or a posted value with no form to show it) that cannot be
    used; the 400 page shows the message, so it is written for the person who sees it."""


def check_text(value: str, field: str) -> str:
    """The text as typed, or a ValidationError at field (PostgreSQL stores no NUL byte)."""
    try:
        _no_nul(value)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None
    return value


def parse_date(raw: str | None) -> dt.date | None:
    """An ISO date (2026-09-10) between EARLIEST and LATEST; None for anything else."""
    try:
        day = dt.date.fromisoformat((raw or "").strip())
    except ValueError:
        return None
    return day if EARLIEST <= day <= LATEST else None


def parse_int(raw: str | None, *, minimum: int = 0, maximum: int = INT_MAX) -> int | None:
    """A whole number written in ASCII digits within [minimum, maximum]; None otherwise."""
    text = (raw or "").strip()
    digits = text.removeprefix("-")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 12:
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def query_date(request, name: str) -> dt.date | None:
    """?name=YYYY-MM-DD as a date; None if absent; a 400 page if it is not a usable date."""
    raw = request.GET.get(name, "")
    if not raw:
        return None
    day = parse_date(raw)
    if day is None:
        raise BadInput(
            f"The date in the address is not one Enigma can show. Use a date written as "
            f"YYYY-MM-DD between {EARLIEST.year} and {LATEST.year}."
        )
    return day


def shift(day: dt.date, days: int) -> dt.date | None:
    """day moved by days, or None where that leaves the dates a school could mean."""
    try:
        moved = day + dt.timedelta(days=days)
    except OverflowError:
        return None
    return moved if EARLIEST <= moved <= LATEST else None
