"""The matcher every record import shares (enigma.imports.matching): which record each row
of a file names, by its keys, and which rows are errors. No database: plain records."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enigma.imports.matching import Key, clashes, match
from enigma.imports.result import RowError


@dataclass(frozen=True)
class Person:
    pk: int
    upn: str | None = None
    adno: str | None = None
    name: str | None = None


@dataclass
class FakeRow:
    line: int
    errors: list[RowError] = field(default_factory=list)

    def column(self, key: str) -> str:
        return key.upper()


UPN = Key("upn", "UPN", given=lambda v: v.get("upn"), held=lambda p: p.upn)
ADNO = Key("adno", "admission number", given=lambda v: v.get("adno"), held=lambda p: p.adno)
FIXED_ADNO = Key(
    "adno",
    "admission number",
    given=lambda v: v.get("adno"),
    held=lambda p: p.adno,
    fixed=True,
)
NAME = Key("", "person", given=lambda v: v.get("name"), held=lambda p: p.name, unique=False)
SAME = "This row and line {others} name the same person."


def conflict(values, a, b):
    return f"{a.pk} and {b.pk}"


def taken(values, record):
    return f"{record.pk} has {record.adno}"


def run(rows, records, keys=(UPN, ADNO)):
    """rows: each its values (a row free of errors on lines 2, 3, ...) or (row, values)."""
    entries = [
        entry if isinstance(entry, tuple) else (FakeRow(line), entry)
        for line, entry in enumerate(rows, start=2)
    ]
    return match(entries, records, keys, conflict=conflict, taken=taken, same_record=SAME)


def found(result):
    return {m.row.line: (m.record.pk if m.record else None) for m in result.matches}


def errors(result):
    return sorted((e.line, e.column, e.message) for e in result.errors)


def test_each_unique_key_finds_its_record_and_a_row_naming_none_makes_one():
    ann, ben = Person(1, upn="U1", adno="A1"), Person(2, upn="U2", adno="A2")
    result = run([{"upn": "U1"}, {"upn": "U9", "adno": "A2"}, {"upn": "U8"}], [ann, ben])
    assert found(result) == {2: 1, 3: 2, 4: None}
    assert result.errors == [] and result.found == {1, 2}


def test_unique_keys_that_find_two_records_are_an_error_at_the_later_keys_column():
    ann, ben = Person(1, upn="U1", adno="A1"), Person(2, upn="U2", adno="A2")
    result = run([{"upn": "U1", "adno": "A2"}], [ann, ben])
    assert found(result) == {}
    assert errors(result) == [(2, "ADNO", "1 and 2")]


def test_a_key_repeated_in_the_file_is_an_error_on_every_line_naming_the_others():
    result = run([{"upn": "U1"}, {"upn": "U2"}, {"upn": "U1"}, {"upn": "U1", "adno": "A1"}], [])
    assert found(result) == {3: None}
    assert errors(result) == [
        (2, "UPN", "The same UPN is also on lines 4, 5; each must appear only once in a file."),
        (4, "UPN", "The same UPN is also on lines 2, 5; each must appear only once in a file."),
        (5, "UPN", "The same UPN is also on lines 2, 4; each must appear only once in a file."),
    ]


def test_two_rows_that_find_one_record_are_both_errors():
    ann = Person(1, upn="U1", adno="A1")
    result = run([{"upn": "U1", "adno": "A7"}, {"upn": "U7", "adno": "A1"}, {"upn": "U3"}], [ann])
    assert found(result) == {4: None}
    assert errors(result) == [
        (2, "", "This row and line 3 name the same person."),
        (3, "", "This row and line 2 name the same person."),
    ]
    assert result.found == {1}  # found, though by two rows


def test_a_fixed_key_is_never_changed_through_another_key():
    ann = Person(1, upn="U1", adno="A1")
    # Found by UPN, but holding another admission number: not this row's record.
    result = run([{"upn": "U1", "adno": "A2"}], [ann], keys=(UPN, FIXED_ADNO))
    assert errors(result) == [(2, "ADNO", "1 has A1")]
    # A record without one may be given one; a key that is not fixed may change.
    ben = Person(2, upn="U2")
    result = run([{"upn": "U2", "adno": "A2"}, {"upn": "U1", "adno": "A1"}], [ann, ben])
    assert found(result) == {2: 2, 3: 1} and result.errors == []


def test_a_fixed_key_found_by_another_unique_key_needs_a_reason():
    with pytest.raises(TypeError):
        match([], [], (UPN, FIXED_ADNO), conflict=conflict, same_record=SAME)


def test_two_unique_keys_need_a_reason_for_finding_two_records():
    with pytest.raises(TypeError):
        match([], [], (UPN, ADNO), conflict=None, same_record=SAME)


def test_an_import_kind_must_say_how_it_reads_creates_and_updates():
    from enigma.imports.planning import RecordImport

    class Partial(RecordImport):
        def read(self, row):
            return {}

    with pytest.raises(TypeError):
        Partial()


def test_a_hint_is_tried_only_when_no_unique_key_finds_a_record():
    labelled = Person(1, adno="A1", name="Grace")
    unlabelled = Person(2, name="Grace")
    keys = (FIXED_ADNO, NAME)
    result = run(
        [
            {"adno": "A1", "name": "Tom"},  # found by its id, whatever its name
            {"adno": "A9", "name": "Grace"},  # adopts the Grace with no id yet
            {"name": "Nobody"},
        ],
        [labelled, unlabelled],
        keys=keys,
    )
    assert found(result) == {2: 1, 3: 2, 4: None}
    # A record that holds another id is never adopted by its name.
    result = run([{"adno": "A9", "name": "Grace"}], [labelled], keys=keys)
    assert found(result) == {2: None}
    # Without an id, the first record of that name is the row's.
    result = run([{"name": "Grace"}], [labelled, unlabelled], keys=keys)
    assert found(result) == {2: 1}


def test_hints_are_repeated_only_between_rows_that_give_no_unique_key():
    keys = (FIXED_ADNO, NAME)
    result = run([{"adno": "A1", "name": "Grace"}, {"adno": "A2", "name": "Grace"}], [], keys=keys)
    assert result.errors == [] and found(result) == {2: None, 3: None}
    result = run([{"name": "Grace"}, {"name": "Grace"}, {"adno": "A3", "name": "Grace"}], [], keys)
    assert [(e.line, e.column) for e in result.errors] == [(2, ""), (3, "")]
    assert found(result) == {4: None}


def test_rows_with_errors_of_their_own_are_compared_but_never_matched():
    ann = Person(1, upn="U1")
    wrong = FakeRow(2, errors=[RowError(2, "DOB", "not a date")])
    result = run([(wrong, {"upn": "U1"}), {"upn": "U1"}, (FakeRow(4, wrong.errors), {})], [ann])
    assert found(result) == {}
    assert [e.line for e in result.errors] == [2, 3]  # the repeated UPN, on both lines


def test_clashes_pairs_each_item_with_the_others_sharing_its_key():
    items = ["a1", "b1", "a2", "c", "a3", None]
    assert list(clashes(items, lambda s: s[0] if s and s != "c" else None)) == [
        ("a1", ["a2", "a3"]),
        ("a2", ["a1", "a3"]),
        ("a3", ["a1", "a2"]),
    ]


# --- properties ------------------------------------------------------------------------

UPNS = ["U1", "U2", "U3", "U4"]
ADNOS = ["A1", "A2", "A3"]
NAMES = ["Grace", "Tom"]


@st.composite
def files(draw):
    keys = draw(st.sampled_from([(UPN, ADNO), (UPN, FIXED_ADNO), (FIXED_ADNO, NAME), (UPN,)]))
    n = draw(st.integers(0, len(UPNS)))
    upns = draw(st.lists(st.sampled_from(UPNS), min_size=n, max_size=n, unique=True))
    records = []
    adnos_left = list(ADNOS)
    for pk, upn in enumerate(upns, start=1):
        adno = draw(st.sampled_from([None, *adnos_left]))
        if adno:
            adnos_left.remove(adno)
        name = draw(st.sampled_from([None, *NAMES]))
        records.append(Person(pk, upn=upn, adno=adno, name=name))
    rows = []
    for line in range(2, 2 + draw(st.integers(1, 6))):
        values = {
            "upn": draw(st.sampled_from([None, *UPNS, "U9"])),
            "adno": draw(st.sampled_from([None, *ADNOS, "A9"])),
            "name": draw(st.sampled_from([None, *NAMES])),
        }
        own = [RowError(line, "X", "wrong")] if draw(st.integers(0, 9)) == 0 else []
        rows.append((FakeRow(line, own), values))
    return keys, records, rows


def outcome(keys, records, rows):
    result = match(rows, records, keys, conflict=conflict, taken=taken, same_record=SAME)
    return result, found(result), errors(result)


@settings(max_examples=300, deadline=None)
@given(files(), st.randoms(use_true_random=False))
def test_matching_does_not_depend_on_the_order_of_the_rows(file, rng: random.Random):
    keys, records, rows = file
    _, matches, errs = outcome(keys, records, rows)
    shuffled = list(rows)
    rng.shuffle(shuffled)
    _, matches_shuffled, errs_shuffled = outcome(keys, records, shuffled)
    assert matches_shuffled == matches and errs_shuffled == errs


@settings(max_examples=300, deadline=None)
@given(files())
def test_every_row_is_matched_or_an_error_and_no_record_twice(file):
    keys, records, rows = file
    result, matches, _ = outcome(keys, records, rows)
    wrong_lines = {e.line for e in result.errors}
    for row, _ in rows:
        assert (row.line in matches) != bool(row.errors or row.line in wrong_lines)
    pks = [pk for pk in matches.values() if pk is not None]
    assert len(pks) == len(set(pks)), "a record matched by two rows"


def names(key, values, record) -> bool:
    return key.given(values) is not None and key.given(values) == key.held(record)


def ruled_out(keys, values, record) -> bool:
    return any(
        k.fixed and None not in (k.given(values), k.held(record)) and not names(k, values, record)
        for k in keys
    )


@settings(max_examples=300, deadline=None)
@given(files())
def test_a_matched_record_is_the_one_the_rows_keys_name(file):
    keys, records, rows = file
    result, _, _ = outcome(keys, records, rows)
    for m in result.matches:
        by_unique = {r.pk for k in keys if k.unique for r in records if names(k, m.values, r)}
        if m.record is None:
            assert not by_unique
            assert all(
                ruled_out(keys, m.values, r)
                for k in keys
                if not k.unique
                for r in records
                if names(k, m.values, r)
            )
        else:
            assert by_unique in (set(), {m.record.pk})
            assert any(names(k, m.values, m.record) for k in keys)
            assert not ruled_out(keys, m.values, m.record), "a fixed key would change"
