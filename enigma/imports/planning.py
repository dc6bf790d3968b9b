"""The skeleton every import of records (students, contacts, staff) follows.

Read each row's cells, match each row to the record it names (enigma.imports.matching),
then plan for each row free of errors a new record or the changes to its record; on
apply, write them all in a few batched statements. A kind of import is a subclass that
says what its rows hold and how a row makes or changes a record.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Generic, TypeVar

from django.db import models
from django.utils import timezone

from .common import BATCH, Plan, Row, bulk_update, field_label, show
from .headers import HeaderMap
from .matching import Key, Match, Matching, match
from .parsing import ParsedFile
from .result import Change, PlannedRow

M = TypeVar("M", bound=models.Model)


class RecordImport(ABC, Generic[M]):
    """One kind of import. A new instance plans one file (it may keep what it loads)."""

    model: ClassVar[type[models.Model]]
    keys: ClassVar[tuple[Key, ...]]
    same_record: ClassVar[str]  # why two rows that find one record are wrong; has {others}
    EXAMPLE: ClassVar[dict[str, str]]  # a row of the downloadable template
    # Columns of which a file needs one, saying which student each row is for (if any).
    student_keys: ClassVar[tuple[str, ...]] = ()
    each: ClassVar[str] = "row"  # what a row is, in "which student each row is for"

    def __init__(self) -> None:
        self.plan = Plan()

    # --- what each kind says ---------------------------------------------------------

    @abstractmethod
    def read(self, row: Row) -> dict[str, Any]:
        """The row's values by model field (absent columns and wrong cells left out)."""

    def records(self, rows: list[tuple[Row, dict[str, Any]]]) -> Iterable[M]:
        """The records the rows may name."""
        return self.model._default_manager.all()

    # Needed only by kinds whose keys call for them (the matcher refuses to start without
    # one it needs): conflict(values, a, b) says why a row whose unique keys find two
    # records (a by an earlier key) is wrong; taken(values, record) why a record holding
    # another value of a fixed key the row gives is not its.
    conflict: Callable[[dict[str, Any], M, M], str] | None = None
    taken: Callable[[dict[str, Any], M], str] | None = None

    @abstractmethod
    def create(self, row: Row, values: dict[str, Any]) -> tuple[M, str, list[Change]]:
        """A new record for the row, its label and what the preview shows of it."""

    @abstractmethod
    def update(self, row: Row, values: dict[str, Any], record: M) -> tuple[str, list[Change]]:
        """Set the row's values on its record: the record's label and what changed."""

    def finish(self, matching: Matching[M]) -> None:
        """Notes on the plan as a whole."""

    def write_more(self) -> None:
        """What apply writes besides the records' own columns."""

    # --- the same for every kind -----------------------------------------------------

    def rows(self, parsed: ParsedFile, hmap: HeaderMap) -> list[tuple[Row, dict[str, Any]]]:
        """Every row with the values read from it; its errors go on the plan."""
        rows = []
        for line, cells in parsed.rows:
            row = Row(line, cells, hmap)
            values = self.read(row)
            self.plan.take_row(row)
            rows.append((row, values))
        return rows

    def run(self, parsed: ParsedFile, hmap: HeaderMap) -> Plan:
        rows = self.rows(parsed, hmap)
        matching = match(
            rows,
            self.records(rows),
            self.keys,
            conflict=self.conflict,
            taken=self.taken,
            same_record=self.same_record,
        )
        self.plan.errors.extend(matching.errors)
        for found in matching.matches:
            self._plan_row(found)
        self.finish(matching)
        return self.plan

    def _plan_row(self, found: Match[M]) -> None:
        plan, row, values = self.plan, found.row, found.values
        if found.record is None:
            if not values.get("mis_id") and self.model._meta.get_field("mis_id").null:
                values["mis_id"] = None  # NULLs never clash in a unique column; "" would
            record, label, what = self.create(row, values)
            plan.creates.append(record)
            plan.planned.append(PlannedRow(row.line, "create", label, what))
            return
        if not values.get("mis_id"):
            values.pop("mis_id", None)  # an empty cell never wipes a known MIS id
        label, changes = self.update(row, values, found.record)
        if not changes:
            plan.unchanged += 1
            return
        columns = {f.name for f in self.model._meta.concrete_fields}
        plan.updates.append((found.record, frozenset(c.name for c in changes if c.name in columns)))
        plan.planned.append(PlannedRow(row.line, "update", label, changes))

    def write(self) -> None:
        """Write the plan: in a transaction, after planning it afresh inside it."""
        model, plan = self.model, self.plan
        model._default_manager.bulk_create(plan.creates, batch_size=BATCH)
        # bulk_update sets no auto_now field itself: stamp those on every changed record.
        stamps = {f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)}
        now = timezone.now()
        by_columns: dict[frozenset[str], list[models.Model]] = defaultdict(list)
        for record, changed in plan.updates:
            for name in stamps:
                setattr(record, name, now)
            if changed:
                by_columns[changed | stamps].append(record)
        for changed, records in by_columns.items():
            bulk_update(model, records, changed)
        self.write_more()

    def audit_data(self) -> dict:
        """What the import's audit row records besides the counts."""
        return {}


def shown(record: models.Model, names: Iterable[str]) -> list[Change]:
    """A new record's values as the preview lists them."""
    model = type(record)
    return [
        Change(field_label(model, n), "–", show(model, n, getattr(record, n)), n) for n in names
    ]
