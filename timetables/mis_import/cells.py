"""Reading a timetable file's cells: days (with the week letter some exports add),
weeks, periods, teachers and students. Each reader returns the value or raises
enigma.imports.fields.CellError with a message a school office can act on."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.db.models.functions import Lower

from enigma.imports.fields import CellError
from enigma.imports.headers import normalise
from enigma.models import Period, Student, User
from enigma.validators import normalise_upn

DAY_NAMES = {
    1: ("monday", "mon", "mo"),
    2: ("tuesday", "tues", "tue", "tu"),
    3: ("wednesday", "weds", "wed", "we"),
    4: ("thursday", "thurs", "thur", "thu", "th"),
    5: ("friday", "fri", "fr"),
}
_DAYS = {name: day for day, names in DAY_NAMES.items() for name in names}
_WEEK_WORDS = {"week", "wk", "w"}
_WEEKS = {"a": 1, "b": 2, "1": 1, "2": 2}
_WEEKEND = {"saturday", "sat", "sunday", "sun"}
DAY_HELP = 'Use Monday to Friday (Mon, 1 ...), with the week if it has one: "Mon A" or "1Mon".'


def week(value: str) -> int | None:
    """1 (week A), 2 (week B), or None for an empty cell."""
    key = normalise(value)
    if not key:
        return None
    for word in sorted(_WEEK_WORDS, key=len, reverse=True):
        if key.startswith(word) and key[len(word) :] in _WEEKS:
            key = key[len(word) :]
            break
    if key in _WEEKS:
        return _WEEKS[key]
    raise CellError(f'"{value.strip()}" is not a timetable week. Use A or B (or 1 or 2).')


def _split_day_word(token: str) -> tuple[int, int | None] | None:
    """'mon' -> (1, None); 'mona' / 'amon' -> (1, 1); 'tueb' -> (2, 2)."""
    if token in _DAYS:
        return _DAYS[token], None
    if len(token) > 2 and token[-1] in "ab" and token[:-1] in _DAYS:
        return _DAYS[token[:-1]], _WEEKS[token[-1]]
    if len(token) > 2 and token[0] in "ab" and token[1:] in _DAYS:
        return _DAYS[token[1:]], _WEEKS[token[0]]
    return None


def day(value: str) -> tuple[int, int | None]:
    """The weekday (1 = Monday) and the week if the cell carries one (else None)."""
    text = value.strip()
    if not text:
        raise CellError("The day must not be empty. " + DAY_HELP)
    tokens = [t for t in re.findall(r"[a-z]+|\d+", text.casefold()) if t not in _WEEK_WORDS]
    found_day: int | None = None
    found_week: int | None = None
    numbers: list[str] = []
    for token in tokens:
        split = _split_day_word(token)
        if split is not None and found_day is None:
            found_day, in_word = split
            found_week = in_word if in_word is not None else found_week
        elif token in ("a", "b") and found_week is None:
            found_week = _WEEKS[token]
        elif token.isdigit():
            numbers.append(token)
        else:
            if token in _WEEKEND:
                raise CellError(f'"{text}" is a weekend day; lessons are Monday to Friday.')
            raise CellError(f'"{text}" is not a day Enigma can read. ' + DAY_HELP)
    if found_day is None:
        # "1" alone is Monday; "1 1" or "3 2" is ambiguous.
        if len(numbers) == 1 and found_week is None and numbers[0] in "12345":
            return int(numbers[0]), None
        raise CellError(f'"{text}" is not a day Enigma can read. ' + DAY_HELP)
    for number in numbers:  # a number beside a day name is the week: "1Mon", "Mon 2"
        if number not in ("1", "2") or found_week is not None:
            raise CellError(f'"{text}" is not a day Enigma can read. ' + DAY_HELP)
        found_week = int(number)
    return found_day, found_week


# Lessons may be in these periods of the school day (never break or lunch).
USABLE_KINDS = (Period.Kind.LESSON, Period.Kind.REGISTRATION)
_NUMBERED = re.compile(r"(?:p|per|period|l|lesson)?0*(\d{1,2})")


class Periods:
    """The school day's periods by every name a file may use for them."""

    def __init__(self):
        self.all = list(Period.objects.all())
        self._by_name = {normalise(p.name): p for p in self.all}
        by_number: dict[str, list[Period]] = defaultdict(list)
        for period in self.all:
            m = _NUMBERED.fullmatch(normalise(period.name))
            if m:
                by_number[m.group(1)].append(period)
        self._by_number = {n: ps[0] for n, ps in by_number.items() if len(ps) == 1}

    def names(self) -> str:
        usable = [p.name for p in self.all if p.kind in USABLE_KINDS]
        return ", ".join(usable) if usable else "none yet"

    def find(self, value: str) -> Period:
        key = normalise(value)
        if not key:
            raise CellError("The period must not be empty.")
        period = self._by_name.get(key)
        if period is None:
            m = _NUMBERED.fullmatch(key)
            period = self._by_number.get(m.group(1)) if m else None
        if period is None:
            raise CellError(
                f'No period in the school day is called "{value.strip()}". The lesson periods '
                f"are {self.names()}; the school admin keeps them on the Calendar page."
            )
        if period.kind not in USABLE_KINDS:
            raise CellError(
                f'"{value.strip()}" is the {period.get_kind_display().lower()} period '
                f"({period.name}), when there are no lessons. Lessons can only be in lesson "
                "or registration periods; check the period (or the day) on this row."
            )
        return period


@dataclass(frozen=True)
class TeacherMatch:
    user: User | None
    problem: str = ""  # why the teacher could not be matched (a warning, not an error)


class Teachers:
    """Staff by MIS id, email or initials (case-insensitive), read once per import."""

    def __init__(self, codes: set[str]):
        keys = {c.strip().casefold() for c in codes if c.strip()}
        self._by: dict[str, dict[str, list[User]]] = {
            "mis_id": defaultdict(list),
            "email": defaultdict(list),
            "initials": defaultdict(list),
        }
        if not keys:
            return
        users = (
            User.objects.alias(
                mis_ci=Lower("mis_id"), email_ci=Lower("email"), initials_ci=Lower("initials")
            )
            .filter(Q(mis_ci__in=keys) | Q(email_ci__in=keys) | Q(initials_ci__in=keys))
            .filter(is_active=True)
        )
        for user in users:
            for attr, index in self._by.items():
                value = (getattr(user, attr) or "").casefold()
                if value in keys:
                    index[value].append(user)

    def match(self, code: str) -> TeacherMatch:
        key = code.strip().casefold()
        for attr, label in (("mis_id", "MIS id"), ("email", "email"), ("initials", "initials")):
            users = self._by[attr].get(key, [])
            if len(users) == 1:
                return TeacherMatch(users[0])
            if len(users) > 1:
                names = ", ".join(str(u) for u in users[:4])
                return TeacherMatch(
                    None,
                    f'"{code}" is the {label} of more than one member of staff ({names}), so '
                    "the lesson keeps it as written with no teacher linked. Give them "
                    "different initials, or use MIS ids or emails in the file.",
                )
        return TeacherMatch(
            None,
            f'No member of staff in Enigma has the MIS id, email or initials "{code}". The '
            "lesson keeps it as written; import the staff (or add their initials) to link "
            "the teacher.",
        )


class Students:
    """Students by UPN and admission number, read once for the identifiers in a file."""

    def __init__(self, identifiers: set[str]):
        upns = {normalise_upn(i) for i in identifiers if i.strip()}
        ids = {i.strip() for i in identifiers if i.strip()}
        found = Student.objects.filter(Q(upn__in=upns) | Q(mis_id__in=ids))
        self.by_upn = {s.upn: s for s in found}
        self.by_mis = {s.mis_id: s for s in found if s.mis_id}

    def find(self, *, upn: str = "", mis_id: str = "", either: str = "") -> Student:
        """The student named by a UPN, an admission number, or a cell that may be either."""
        upn, mis_id, either = upn.strip(), mis_id.strip(), either.strip()
        by_upn = self.by_upn.get(normalise_upn(upn)) if upn else None
        by_mis = self.by_mis.get(mis_id) if mis_id else None
        if by_upn and by_mis and by_upn.pk != by_mis.pk:
            raise CellError(
                f"UPN {upn} is one student in Enigma ({by_upn.name}) and admission number "
                f"{mis_id} another ({by_mis.name}). Correct whichever is wrong."
            )
        student = by_upn or by_mis
        if student is None and either:
            student = self.by_upn.get(normalise_upn(either)) or self.by_mis.get(either)
        if student is not None:
            return student
        given = [
            f"UPN {upn}" if upn else "",
            f"admission number {mis_id}" if mis_id else "",
            f'"{either}"' if either else "",
        ]
        given = [g for g in given if g]
        if not given:
            raise CellError("Say which student this is: the UPN or admission number is empty.")
        raise CellError(
            f"No student in Enigma has {' or '.join(given)}. Import the students first "
            "(Imports, Students), or correct the number."
        )
