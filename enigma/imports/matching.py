"""Which record in Enigma each row of a file is about: one matcher for every kind of import.

A kind of import names the keys by which a row points at a record (a student's UPN and
admission number; a member of staff's MIS id and email; a contact's id, or else their
name) and the matcher does the rest the same way for each:

- the same key on two lines of the file is an error on both, each naming the other lines;
- a row is matched by its *unique* keys, and every unique key that finds a record must find
  the same one (else the row is an error: it names two records);
- a *fixed* key never changes once a record has one: a record found by another key but
  holding another value of a fixed key the row gives is not that row's record (an error
  when a unique key found it; passed over when a hint did);
- only when no unique key finds a record may a *hint* (a contact's name) find one: the
  first record it names that no fixed key rules out. Hints are checked for duplicates
  only on rows that give no unique key (the others are told apart by it);
- two rows that find the same record are both errors: nothing may be written twice.

Rows with errors of their own are checked for duplicate keys, so that one preview lists
everything to correct, but never matched. Nothing here reads the database or writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from .result import RowError

T = TypeVar("T")


class Record(Protocol):
    pk: Any


R = TypeVar("R", bound=Record)


class MatchRow(Protocol):
    """What the matcher needs of a row (enigma.imports.common.Row has it)."""

    line: int
    errors: list[RowError]

    def column(self, key: str) -> str: ...


@dataclass(frozen=True)
class Key(Generic[R]):
    """One way a row names a record."""

    column: str  # the row's column key ("upn") for errors, or "" for the row as a whole
    what: str  # "UPN", as in "The same UPN is also on line 4"
    given: Callable[[dict[str, Any]], Hashable | None]  # the row's value; None: not given
    held: Callable[[R], Hashable | None]  # the record's value; None: it has none
    unique: bool = True  # at most one record holds a value (else a hint)
    fixed: bool = False  # never changed by an import once a record holds one


@dataclass
class Match(Generic[R]):
    row: MatchRow
    values: dict[str, Any]
    record: R | None  # None: no record yet, the row makes one


@dataclass
class Matching(Generic[R]):
    errors: list[RowError] = field(default_factory=list)
    matches: list[Match[R]] = field(default_factory=list)  # rows free of errors, in file order
    found: set[Any] = field(default_factory=set)  # pks of the records rows found


def clashes(items: Iterable[T], key: Callable[[T], Hashable | None]) -> Iterator[tuple[T, list[T]]]:
    """Each item whose key another item shares, with those others (in the given order).
    Items whose key is None clash with nothing."""
    groups: dict[Hashable, list[T]] = defaultdict(list)
    for item in items:
        value = key(item)
        if value is not None:
            groups[value].append(item)
    for group in groups.values():
        if len(group) > 1:
            for item in group:
                yield item, [other for other in group if other is not item]


def line_list(lines: Iterable[int]) -> str:
    return ", ".join(str(n) for n in lines)


def match(
    rows: Iterable[tuple[MatchRow, dict[str, Any]]],
    records: Iterable[R],
    keys: Sequence[Key[R]],
    *,
    conflict: Callable[[dict[str, Any], R, R], str] | None,
    same_record: str,
    taken: Callable[[dict[str, Any], R], str] | None = None,
) -> Matching[R]:
    """Match each row to the record its keys name (see the module's docstring).

    conflict(values, a, b) says why a row whose unique keys find a and b (in key order) is
    wrong; taken(values, record) why a record found by a unique key, holding another
    value of a fixed key the row gives, is not the row's; same_record, with an {others}
    placeholder, why two rows that find one record are.
    """
    rows = sorted(rows, key=lambda r: r[0].line)
    result: Matching[R] = Matching()
    bad = _repeated_keys(rows, keys, result.errors)
    finder = _Finder(records, keys, conflict, taken)
    matched: list[Match[R]] = []
    for row, values in rows:
        if row.errors or row.line in bad:
            continue
        record, error = finder.find(row, values)
        if error is not None:
            result.errors.append(error)
        else:
            matched.append(Match(row, values, record))
    shared = set()
    for m, others in clashes(matched, lambda m: m.record.pk if m.record is not None else None):
        message = same_record.format(others=line_list(o.row.line for o in others))
        result.errors.append(RowError(m.row.line, "", message))
        shared.add(m.row.line)
    result.found = {m.record.pk for m in matched if m.record is not None}
    result.matches = [m for m in matched if m.row.line not in shared]
    return result


def _repeated_keys(rows, keys: Sequence[Key], errors: list[RowError]) -> set[int]:
    """Row errors on every line whose key is also on another line; returns those lines."""
    unique = [k for k in keys if k.unique]
    bad: set[int] = set()
    for key in keys:

        def value(entry, key=key):
            _, values = entry
            if not key.unique and any(k.given(values) is not None for k in unique):
                return None  # told apart from the other rows by a unique key
            return key.given(values)

        for (row, _), others in clashes(rows, value):
            lines = [other.line for other, _ in others]
            errors.append(
                RowError(
                    row.line,
                    row.column(key.column),
                    f"The same {key.what} is also on line{'s' if len(lines) > 1 else ''} "
                    f"{line_list(lines)}; each must appear only once in a file.",
                )
            )
            bad.add(row.line)
    return bad


class _Finder(Generic[R]):
    """The records by each key's value, and the rules for finding a row's record."""

    def __init__(self, records: Iterable[R], keys: Sequence[Key[R]], conflict, taken):
        self.unique = [k for k in keys if k.unique]
        self.hints = [k for k in keys if not k.unique]
        self.fixed = [k for k in keys if k.fixed]
        if self.fixed and len(self.unique) > 1 and taken is None:
            raise TypeError("Keys that never change need a taken() message.")
        if len(self.unique) > 1 and conflict is None:
            raise TypeError("Two unique keys need a conflict() message.")
        self.conflict = conflict
        self.taken = taken
        self.index = _index(records, keys)

    def find(self, row: MatchRow, values: dict[str, Any]) -> tuple[R | None, RowError | None]:
        hits = [
            (key, self.index[key][value][0])
            for key in self.unique
            if (value := key.given(values)) is not None and value in self.index[key]
        ]
        if not hits:
            return self._by_hint(values), None
        (_, record), *others = hits
        for key, other in others:
            if other.pk != record.pk:
                message = self.conflict(values, record, other)
                return None, RowError(row.line, row.column(key.column), message)
        for key in self.fixed:
            if self._rules_out(key, values, record):
                return None, RowError(row.line, row.column(key.column), self.taken(values, record))
        return record, None

    def _by_hint(self, values: dict[str, Any]) -> R | None:
        for key in self.hints:
            value = key.given(values)
            for candidate in self.index[key].get(value, ()) if value is not None else ():
                if not any(self._rules_out(k, values, candidate) for k in self.fixed):
                    return candidate
        return None

    @staticmethod
    def _rules_out(key: Key, values: dict[str, Any], record) -> bool:
        """Does the record hold another value of this fixed key than the row gives?"""
        given, held = key.given(values), key.held(record)
        return given is not None and held is not None and given != held


def _index(records: Iterable[R], keys: Sequence[Key[R]]) -> dict[Key[R], dict[Hashable, list[R]]]:
    """For each key, the records by the value they hold (in the order given)."""
    index: dict[Key[R], dict[Hashable, list[R]]] = {key: defaultdict(list) for key in keys}
    for record in records:
        for key, by_value in index.items():
            value = key.held(record)
            if value is not None:
                by_value[value].append(record)
    return index
