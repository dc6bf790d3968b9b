"""Unique Pupil Numbers: one normal form, a strict check of the format and check letter,
and a warning (never a refusal) for a local authority number Enigma does not know.

The check letter is python-stdnum's; its list of local authorities is from 2011, so the
list here is our own data file (enigma/data/local_authorities.csv, which names its
source), and a number missing from it only warns: a school in an authority made since
must still be able to import its own pupils.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

from django.core.exceptions import ValidationError
from stdnum.gb import upn as stdnum_upn

LOCAL_AUTHORITIES_FILE = Path(__file__).resolve().parent / "data" / "local_authorities.csv"
# A check letter, then the LA number, establishment number, year and serial (11 digits),
# then a digit (a letter in a temporary UPN). Letters are those stdnum's check uses.
_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def normalise_upn(value: str | None) -> str:
    """The form every UPN is stored and matched in: upper case, no whitespace at all."""
    return "".join((value or "").split()).upper()


@functools.cache
def local_authorities() -> dict[str, str]:
    """LA number ("801") -> name, from the data file."""
    with LOCAL_AUTHORITIES_FILE.open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return {row["code"].strip(): row["name"].strip() for row in rows}


def validate_upn(value: str) -> None:
    """Refuse an invalid UPN with a message that says what is wrong with it."""
    number = normalise_upn(value)
    if len(number) != 13:
        raise ValidationError(
            "A UPN has 13 characters; this one has %(n)d.",
            code="upn_length",
            params={"n": len(number)},
        )
    if (
        number[0] not in _LETTERS
        or not number[1:12].isascii()
        or not number[1:12].isdigit()
        or number[12] not in _LETTERS + "0123456789"
    ):
        raise ValidationError(
            "A UPN is a check letter, 11 digits, then a digit (or a letter for a temporary UPN).",
            code="upn_format",
        )
    expected = stdnum_upn.calc_check_digit(number[1:])
    if expected != number[0]:
        raise ValidationError(
            "The check letter does not match: for the rest of this UPN it should be "
            "%(expected)s, not %(given)s. Check the UPN was copied correctly.",
            code="upn_check_letter",
            params={"expected": expected, "given": number[0]},
        )


def upn_warnings(value: str) -> list[str]:
    """What is odd about a valid UPN but does not stop it being stored."""
    la = normalise_upn(value)[1:4]
    if la and la not in local_authorities():
        return [
            f"Characters 2 to 4 of this UPN ({la}) are not a local authority number Enigma "
            "knows. It is kept; check it was copied correctly (a new authority's number "
            "belongs in enigma/data/local_authorities.csv)."
        ]
    return []
