"""Reading one cell: text, dates, yes/no, year groups and codes, with messages a school
office can act on. Each reader returns the value or raises CellError."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from enigma.models import ETHNIC_GROUPS, Ethnicity
from enigma.validators import normalise_upn, upn_warnings, validate_upn

from .headers import normalise


class CellError(ValueError):
    pass


TRUE = {"y", "yes", "true", "t", "1"}
FALSE = {"n", "no", "false", "f", "0", ""}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]")
_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?"
_ISO = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})" + _TIME)
_UK = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})" + _TIME)
_WORDY = re.compile(r"(\d{1,2})[ -]([A-Za-z]{3,9})[ -](\d{4})")


def text(
    value: str, *, max_length: int | None, required: bool = False, multiline: bool = False
) -> str:
    """The value exactly as written, less spaces at either end. Never cut short."""
    value = value.strip()
    if required and not value:
        raise CellError("This must not be empty.")
    bad = _CONTROL.search(value)
    if bad:
        raise CellError(
            f"This contains an invisible control character (U+{ord(bad.group()):04X}) that "
            "cannot be stored; retype the value."
        )
    if not multiline and _LINE_BREAK.search(value):
        raise CellError("This contains a line break; it must be on one line.")
    if max_length is not None and len(value) > max_length:
        raise CellError(
            f"This is {len(value):,} characters long; the most Enigma can hold here is "
            f"{max_length}. Shorten it (nothing is cut off for you)."
        )
    return value


def date(value: str) -> dt.date | None:
    """ISO (2012-09-01) or UK day/month/year (01/09/2012). Never US month/day order."""
    value = value.strip()
    if not value:
        return None
    m = _ISO.fullmatch(value)
    if m:
        y, _, mo, d = m.groups()
        return _make_date(int(y), int(mo), int(d), value)
    m = _UK.fullmatch(value)
    if m:
        d, _, mo, y = m.groups()
        if len(y) == 2:
            raise CellError(
                f'"{value}" has a two-digit year; write the year in full, e.g. 01/09/2012.'
            )
        return _make_date(int(y), int(mo), int(d), value)
    m = _WORDY.fullmatch(value)
    if m and m.group(2).lower() in _MONTHS:
        return _make_date(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)), value)
    raise CellError(
        f'"{value}" is not a date Enigma can read. Use day/month/year (01/09/2012) or '
        "year-month-day (2012-09-01)."
    )


def _make_date(y: int, mo: int, d: int, value: str) -> dt.date:
    try:
        return dt.date(y, mo, d)
    except ValueError:
        pass
    if mo > 12:
        raise CellError(
            f'"{value}" is not a date: there is no month {mo}. Dates must be day/month/year '
            "(01/09/2012) or year-month-day (2012-09-01); US month/day order is not accepted."
        )
    raise CellError(
        f'"{value}" is not a real date. Use day/month/year (01/09/2012) or year-month-day '
        "(2012-09-01)."
    )


def past_date(value: str) -> dt.date | None:
    parsed = date(value)
    if parsed is not None and parsed > timezone.localdate():
        raise CellError(f'"{value.strip()}" is in the future.')
    if parsed is not None and parsed.year < 1900:
        raise CellError(f'"{value.strip()}" is before 1900; check the year.')
    return parsed


def boolean(value: str) -> bool:
    key = value.strip().casefold()
    if key in TRUE:
        return True
    if key in FALSE:
        return False
    raise CellError(
        f'"{value.strip()}" is not yes or no. Use Y, Yes, True, T or 1 for yes; N, No, '
        "False, F, 0 or leave it empty for no."
    )


def positive_int(value: str, *, default: int, maximum: int = 32767) -> int:
    value = value.strip()
    if not value:
        return default
    if not value.isdigit() or not 1 <= int(value) <= maximum:
        raise CellError(f'"{value}" is not a whole number from 1 to {maximum}.')
    return int(value)


_YEAR = re.compile(r"(?:year|yr|y|nc|ncyear)?(\d{1,2})")


def year_group(value: str) -> int:
    key = normalise(value)
    if key in {"r", "rec", "reception", "yearr", "yrr", "ncr"}:
        return 0
    m = _YEAR.fullmatch(key)
    if m and 0 <= int(m.group(1)) <= 14:
        return int(m.group(1))
    if not key:
        raise CellError("The year group must not be empty.")
    raise CellError(
        f'"{value.strip()}" is not a year group. Use "Year 9" or "9" (0 or R for Reception, '
        "up to 14)."
    )


_GENDERS = {
    "m": "M",
    "male": "M",
    "boy": "M",
    "f": "F",
    "female": "F",
    "girl": "F",
    "x": "X",
    "u": "X",
    "o": "X",
    "other": "X",
    "unknown": "X",
    "notknown": "X",
    "notstated": "X",
    "notspecified": "X",
    "": "X",
}


def gender(value: str) -> str:
    key = normalise(value)
    if key in _GENDERS:
        return _GENDERS[key]
    raise CellError(f'"{value.strip()}" is not a gender Enigma knows. Use M, F or X.')


_SEN = {
    "n": "N",
    "nosen": "N",
    "none": "N",
    "nnosen": "N",
    "no": "N",
    "": "N",
    "k": "K",
    "sensupport": "K",
    "ksensupport": "K",
    "support": "K",
    "e": "E",
    "ehcp": "E",
    "eehcp": "E",
    "ehcplan": "E",
    "eehcplan": "E",
    "educationhealthandcareplan": "E",
    "s": "E",
    "statement": "E",
    "sstatement": "E",
}


def sen_status(value: str) -> str:
    key = normalise(value)
    if key in _SEN:
        return _SEN[key]
    raise CellError(
        f'"{value.strip()}" is not an SEN status. Use "N - No SEN", "K - SEN Support", '
        '"E - EHCP", or just N, K or E.'
    )


# How MIS exports write the DfE's ethnicity descriptions: the description alone ("White
# and Asian"), or after its group ("White - British", "Asian or Asian British - Indian").
_ETHNIC_GROUP_WORDS = {
    "White": ("White",),
    "Mixed": ("Mixed", "Mixed dual background", "Mixed or multiple ethnic groups"),
    "Asian": ("Asian", "Asian or Asian British"),
    "Black": ("Black", "Black or Black British", "Black, Black British, Caribbean or African"),
    "Chinese": ("Chinese",),
    "Any other ethnic group": ("Other", "Other ethnic group", "Any other ethnic group"),
}
_ETHNICITY_WORDS = {
    "whitebritish": "WBRI",
    "whiteirish": "WIRI",
    "informationrefused": "REFU",
    "refused": "REFU",
    "notobtained": "NOBT",
    "informationnotobtained": "NOBT",
    "notyetobtained": "NOBT",
}


def _ethnicity_names() -> dict[str, str]:
    names = {normalise(k): v for k, v in _ETHNICITY_WORDS.items()}
    group_of = {code: group for group, codes in ETHNIC_GROUPS.items() for code in codes}
    for code, label in Ethnicity.choices:
        names[normalise(code)] = code
        names[normalise(label)] = code
        for word in _ETHNIC_GROUP_WORDS.get(group_of.get(code, ""), ()):
            names[normalise(f"{word} {label}")] = code
    return names


_ETHNICITIES = _ethnicity_names()


def ethnicity(value: str) -> str:
    """A DfE main ethnicity code from its code, its description, or both ("WBRI - White -
    British"). Blank stays blank: not recorded."""
    value = value.strip()
    if not value:
        return ""
    whole = _ETHNICITIES.get(normalise(value))
    if whole:
        return whole
    head, _, rest = value.partition(" ")
    code = head.strip(" -–:").upper()
    if code in Ethnicity.values and rest.strip(" -–:"):
        described = _ETHNICITIES.get(normalise(rest))
        if described == code:
            return code
        if described:
            raise CellError(
                f'"{value}": the code {code} and the description '
                f'"{rest.strip(" -–:")}" are different ethnicities. Correct whichever is wrong.'
            )
    raise CellError(
        f'"{value}" is not an ethnicity Enigma knows. Use the DfE\'s main code (e.g. WBRI, '
        'MWAS, BAFR, REFU) or its description (e.g. "White - British"), or leave it blank.'
    )


_ON_ROLL = {
    "",
    "c",
    "current",
    "onroll",
    "active",
    "g",
    "guest",
    "m",
    "main",
    "maindualregistration",
    "s",
    "subsidiary",
    "subsidiarydualregistration",
    "single",
    "singleregistration",
    "dualregistration",
    "enrolled",
    "admitted",
}
_OFF_ROLL = {"l", "leaver", "left", "former", "formerpupil", "offroll", "inactive", "past"}


def on_roll(value: str) -> bool:
    key = normalise(value)
    if key in _ON_ROLL:
        return True
    if key in _OFF_ROLL:
        return False
    raise CellError(
        f'"{value.strip()}" is not an enrolment status Enigma knows. Use "Current" (or '
        'Guest, Main, Subsidiary) for students on roll and "Leaver" or "Left" for leavers.'
    )


def upn(value: str, *, warn=None) -> str:
    """The UPN in its normal form; warn(key, message) hears what is odd but allowed."""
    number = normalise_upn(value)
    if not number:
        raise CellError("The UPN must not be empty.")
    try:
        validate_upn(number)
    except ValidationError as e:
        raise CellError(f'"{value.strip()}": ' + " ".join(e.messages)) from None
    if warn is not None:
        for message in upn_warnings(number):
            warn("upn", f"{number}: {message}")
    return number


def email(value: str, *, required: bool = False, max_length: int = 254) -> str:
    value = text(value, max_length=max_length, required=required)
    if not value:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        raise CellError(f'"{value}" is not a valid email address.') from None
    return value
