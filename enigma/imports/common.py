"""Shared by every kind of import, the timetables' too: reading a file and a row's cells,
and planning changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models

from . import parsing
from .fields import CellError
from .headers import Column, HeaderMap, map_columns
from .result import Change, ImportResult, PlannedRow, RowError

MISSING: Any = object()
NUL = "\x00"
NUL_MESSAGE = (
    "This contains an invisible NUL character (U+0000) that cannot be stored; retype the "
    "value, or save the file again as CSV UTF-8."
)
BATCH = 1000


def _quoted(names) -> str:
    names = [f'"{n}"' for n in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def read_file(
    data: bytes,
    columns: Sequence[Column],
    result: ImportResult,
    *,
    student_keys: Sequence[str] = (),
    each: str = "row",
) -> tuple[parsing.ParsedFile, HeaderMap] | None:
    """The file's rows and the column that feeds each key, or None when the file cannot be
    read or lacks a column it needs (the reasons are on result.file_errors). A file must
    have one of the student_keys columns, saying which student each row (or contact) is
    for, if any are given."""
    try:
        parsed = parsing.parse(data)
    except parsing.FileError as e:
        result.file_errors.append(str(e))
        return None
    result.encoding = parsed.encoding
    result.notes.extend(parsed.notes)
    result.rows = len(parsed.rows)
    hmap = map_columns(columns, parsed.headers)
    result.ignored_columns = hmap.ignored
    result.columns_used = hmap.used
    for column in hmap.missing:
        result.file_errors.append(
            f"The file has no {column.label.lower()} column. Enigma looks for a column "
            f"headed {_quoted(column.aliases)} (in any case, with or without spaces)."
        )
    if student_keys and not set(student_keys) & hmap.index.keys():
        aliases = [a for c in columns if c.key in student_keys for a in c.aliases]
        result.file_errors.append(
            f"The file has no column saying which student each {each} is for. Enigma looks "
            f"for {_quoted(aliases)}."
        )
    return None if result.file_errors else (parsed, hmap)


class Row:
    """One data row: read a column through a reader; failures become row errors."""

    def __init__(self, line: int, cells: list[str], hmap: HeaderMap):
        self.line = line
        self.hmap = hmap
        self.errors: list[RowError] = []
        self.warnings: list[RowError] = []
        width = len(hmap.headers)
        # PostgreSQL stores no NUL byte: the row is refused at the cell, and the cell is
        # read without it so that nothing after this (a lookup, a message) sees one.
        for i, cell in enumerate(cells):
            if NUL in cell:
                column = hmap.headers[i] if i < width else f"column {i + 1}"
                self.errors.append(RowError(line, column, NUL_MESSAGE))
        self.cells = [cell.replace(NUL, "") for cell in cells]
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            self.errors.append(
                RowError(
                    line,
                    "",
                    f"This row has {len(cells)} values but the header row has {width} columns. "
                    "A value containing the separator (e.g. a comma in an address) must be in "
                    "double quotes.",
                )
            )

    def has(self, key: str) -> bool:
        return key in self.hmap.index

    def raw(self, key: str) -> str:
        i = self.hmap.index.get(key)
        if i is None or i >= len(self.cells):
            return ""
        return self.cells[i]

    def column(self, key: str) -> str:
        return self.hmap.header_for(key)

    def read(self, key: str, reader: Callable[..., Any], *args, **kwargs) -> Any:
        """The parsed value, or MISSING if the column is absent or the cell is wrong."""
        if not self.has(key):
            return MISSING
        try:
            return reader(self.raw(key), *args, **kwargs)
        except CellError as e:
            self.error(key, str(e))
            return MISSING

    def error(self, key: str, message: str) -> None:
        self.errors.append(RowError(self.line, self.column(key) if key else "", message))

    def warn(self, key: str, message: str) -> None:
        self.warnings.append(RowError(self.line, self.column(key) if key else "", message))


@dataclass
class Plan:
    """What applying a file would do. Built afresh (inside the transaction) on apply."""

    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    planned: list[PlannedRow] = field(default_factory=list)
    creates: list[models.Model] = field(default_factory=list)
    updates: list[tuple[models.Model, frozenset[str]]] = field(default_factory=list)
    unchanged: int = 0

    def take_row(self, row: Row) -> bool:
        self.errors.extend(row.errors)
        self.warnings.extend(row.warnings)
        return not row.errors


def field_label(model: type[models.Model], name: str) -> str:
    verbose = str(model._meta.get_field(name).verbose_name)
    return verbose[:1].upper() + verbose[1:]


def show(model: type[models.Model], name: str, value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    choices = dict(model._meta.get_field(name).flatchoices)
    return str(choices.get(value, value))


def apply_values(instance: models.Model, values: dict[str, Any]) -> list[Change]:
    """Set the values that differ on `instance`; return what changed."""
    model = type(instance)
    changes = []
    for name, new in values.items():
        old = getattr(instance, name)
        if old != new:
            changes.append(
                Change(
                    field_label(model, name), show(model, name, old), show(model, name, new), name
                )
            )
            setattr(instance, name, new)
    return changes


def max_length(model: type[models.Model], name: str) -> int | None:
    return model._meta.get_field(name).max_length


def bulk_update(model: type[models.Model], objs: list[models.Model], names) -> None:
    """UPDATE ... FROM (VALUES ...) in batches: Django's bulk_update builds a CASE per
    field per row, which takes many seconds for a whole school's roll."""
    fields_ = [model._meta.get_field(n) for n in sorted(names)]
    if not objs or not fields_:
        return
    qn = connection.ops.quote_name
    pk = model._meta.pk
    casts = [f"%s::{pk.db_type(connection)}"] + [f"%s::{f.db_type(connection)}" for f in fields_]
    row_sql = "(" + ", ".join(casts) + ")"
    columns = ", ".join([qn("pk")] + [qn(f.column) for f in fields_])
    sets = ", ".join(f"{qn(f.column)} = v.{qn(f.column)}" for f in fields_)
    table = qn(model._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), BATCH):
            batch = objs[start : start + BATCH]
            params: list[Any] = []
            for obj in batch:
                params.append(obj.pk)
                params.extend(
                    f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields_
                )
            cursor.execute(
                f"UPDATE {table} AS t SET {sets} FROM (VALUES {', '.join([row_sql] * len(batch))})"  # noqa: S608
                f" AS v({columns}) WHERE t.{qn(pk.column)} = v.{qn('pk')}",
                params,
            )
