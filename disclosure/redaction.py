"""Other pupils out of a subject access export.

A pupil's file holds incidents shared with other pupils, and staff write names into
accounts. Each other pupil involved with this one (on a shared entry or an intervention)
is found in every piece of text by any of their names (full, in any case; a forename or
surname alone when capitalised; legal or preferred) or UPN; every other pupil of the school
by their full name, capitalised ("will may come" is not Will May). Each is replaced
by "another pupil", and each replacement is listed, with a label ("Pupil A") in place of
the name, for the person reviewing the export. A name this pupil shares (the same
forename) cannot be told apart and is left: that is listed too, for review by hand.

Text is split into words (letters and digits; apostrophes and hyphens separate), and runs
of one to four words are looked up in a dictionary: linear in the text, whatever the size
of the school.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

ANOTHER_PUPIL = "another pupil"
WORD = re.compile(r"[^\W_]+")
LONGEST = 4


def words(text: str) -> list[str]:
    return [w.casefold() for w in WORD.findall(text or "")]


def key(text: str) -> str:
    return " ".join(words(text))


@dataclass(frozen=True)
class Redaction:
    section: str
    record: str
    field: str
    pupil: str  # "Pupil A": never a name
    times: int


def _label(n: int) -> str:
    letters = string.ascii_uppercase
    text = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        text = letters[r] + text
    return f"Pupil {text}"


def name_forms(pupil) -> tuple[set[str], set[str]]:
    """(phrases of two or more words, single words) that name this pupil."""
    fores = {pupil.legal_forename, pupil.preferred_forename} - {""}
    surs = {pupil.legal_surname, pupil.preferred_surname} - {""}
    phrases = {key(f"{f} {s}") for f in fores for s in surs}
    phrases |= {key(n) for n in fores | surs if len(words(n)) > 1}
    singles = {w for n in fores | surs for w in words(n)}
    if pupil.upn:
        singles.add(pupil.upn.casefold())
    return {p for p in phrases if p}, singles


class Redactor:
    """Replaces other pupils' names in text, remembering what it replaced where.

    involved: the other pupils on this pupil's shared entries and interventions (any of
    their names); school: (id, legal forename, legal surname, preferred forename,
    preferred surname) of every other pupil (full names only). With enabled=False (the
    exporter named the other pupils for a legal reason) text passes unchanged.
    """

    def __init__(self, subject, involved: Iterable, school: Iterable[tuple] = (), *, enabled=True):
        self.enabled = enabled
        self.labels: dict[int, str] = {}
        self.redactions: list[Redaction] = []
        self.left: list[Redaction] = []  # a name shared with this pupil, left for review
        own_phrases, own_singles = name_forms(subject)
        self._own = own_singles | own_phrases
        self._phrases: dict[str, int] = {}  # involved pupils' names, in any case
        self._school: dict[str, int] = {}  # full names, matched when capitalised
        self._capitalised: dict[str, int] = {}  # single words, matched when capitalised
        self._shared: dict[str, int] = {}
        for row in school:
            pk, *names = row
            if pk == subject.pk:
                continue
            lf, ls, pf, ps = names
            fores, surs = {lf, pf} - {""}, {ls, ps} - {""}
            for f in fores:
                for s in surs:
                    phrase = key(f"{f} {s}")
                    if phrase and phrase not in self._own:
                        self._school.setdefault(phrase, pk)
        for pupil in involved:
            if pupil.pk == subject.pk:
                continue
            phrases, singles = name_forms(pupil)
            for phrase in phrases:
                if phrase not in self._own:
                    self._phrases[phrase] = pupil.pk
            for single in singles:
                if single in self._own:
                    self._shared[single] = pupil.pk
                else:
                    self._capitalised[single] = pupil.pk

    def label(self, pupil_id: int) -> str:
        if pupil_id not in self.labels:
            self.labels[pupil_id] = _label(len(self.labels))
        return self.labels[pupil_id]

    def key(self) -> dict[str, int]:
        """Label -> pupil id, for the reviewer in Enigma (never in the export)."""
        return {label: pk for pk, label in self.labels.items()}

    def __call__(self, text, *, section: str, record: str, field: str) -> str:
        if not self.enabled or not text:
            return text
        text = str(text)
        found = list(WORD.finditer(text))
        out, done, i = [], 0, 0
        hits: Counter[int] = Counter()
        shared: Counter[int] = Counter()
        while i < len(found):
            matched = None
            for n in range(min(LONGEST, len(found) - i), 0, -1):
                span = found[i : i + n]
                phrase = " ".join(m.group().casefold() for m in span)
                if n > 1:
                    pk = self._phrases.get(phrase)
                    if pk is None and all(m.group()[:1].isupper() for m in span):
                        pk = self._school.get(phrase)
                else:
                    first = span[0].group()
                    pk = self._capitalised.get(phrase) if first[:1].isupper() else None
                    if pk is None and first[:1].isupper() and phrase in self._shared:
                        shared[self._shared[phrase]] += 1
                if pk is not None:
                    matched = (n, pk)
                    break
            if matched is None:
                i += 1
                continue
            n, pk = matched
            out.append(text[done : found[i].start()])
            out.append(ANOTHER_PUPIL)
            done = found[i + n - 1].end()
            hits[pk] += 1
            i += n
        out.append(text[done:])
        for pk, times in hits.items():
            self.redactions.append(Redaction(section, record, field, self.label(pk), times))
        for pk, times in shared.items():
            self.left.append(Redaction(section, record, field, self.label(pk), times))
        return "".join(out)
