"""What a preview or an apply reports back: counts, planned changes and every error."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RowError:
    line: int  # as in the file, counting the header line
    column: str  # the file's own column name ("" when the row as a whole is wrong)
    message: str


@dataclass(frozen=True)
class Change:
    field: str  # label, e.g. "Legal surname"
    old: str
    new: str
    name: str = ""  # the model field


@dataclass
class PlannedRow:
    line: int
    action: str  # "create" | "update"
    label: str
    changes: list[Change] = field(default_factory=list)


@dataclass
class ImportResult:
    kind: str
    filename: str
    sha256: str
    applied: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    file_errors: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    ignored_columns: list[tuple[str, str]] = field(default_factory=list)  # (header, why)
    columns_used: list[tuple[str, str]] = field(default_factory=list)  # (header, meaning)
    notes: list[str] = field(default_factory=list)
    planned: list[PlannedRow] = field(default_factory=list)
    encoding: str = ""

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.errors

    @property
    def error_lines(self) -> int:
        return len({e.line for e in self.errors})

    def summary(self) -> str:
        if self.file_errors:
            return "The file was refused: " + " ".join(self.file_errors)
        verb = "" if self.applied else "would be "
        text = (
            f"{self.rows} row{'s' if self.rows != 1 else ''}: {self.created} {verb}added, "
            f"{self.updated} {verb}updated, {self.unchanged} unchanged."
        )
        if self.errors:
            n = self.error_lines
            text += (
                f" {len(self.errors)} error{'s' if len(self.errors) != 1 else ''} on "
                f"{n} row{'s' if n != 1 else ''}: nothing {'was' if self.applied else 'can be'}"
                " saved until every row is right."
            )
        return text
