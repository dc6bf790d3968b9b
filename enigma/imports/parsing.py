"""Reading an uploaded file: size, encoding, delimiter, header row and data rows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.conf import settings

MAX_ROWS = 100_000
DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs"}


class FileError(Exception):
    """The file as a whole cannot be read: nothing in it is imported."""


@dataclass
class ParsedFile:
    headers: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]]  # (line number in the file, cells)
    encoding: str
    delimiter: str
    notes: list[str] = field(default_factory=list)


def max_bytes() -> int:
    return int(settings.ENIGMA_IMPORT_MAX_BYTES)


def size_text(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    return f"{max(1, round(n / 1024))} KB"


def decode(data: bytes) -> tuple[str, str, list[str]]:
    """Text, the encoding used, and notes for the preview."""
    if not data or not data.strip():
        raise FileError("The file is empty.")
    limit = max_bytes()
    if len(data) > limit:
        raise FileError(
            f"The file is {size_text(len(data))}; the most Enigma accepts is {size_text(limit)}. "
            "Split it into smaller files."
        )
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileError(
            "This is a spreadsheet workbook, not a CSV file. In Excel, choose "
            "File → Save As → CSV UTF-8 (comma delimited), then upload that file."
        )
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16"), "UTF-16", []
        except UnicodeDecodeError:
            raise FileError("The file says it is UTF-16 but cannot be read as such.") from None
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "UTF-8 (with byte order mark)", []
        except UnicodeDecodeError as e:
            raise FileError(
                f"The file starts as UTF-8 but byte {e.start + 4} is not valid UTF-8. "
                "Save it again as CSV UTF-8."
            ) from None
    try:
        return data.decode("utf-8"), "UTF-8", []
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise FileError(
            "The file is neither UTF-8 nor Windows-1252 text. Save it as CSV UTF-8 and "
            "upload it again."
        ) from None
    return (
        text,
        "Windows-1252",
        [
            "The file is not UTF-8, so it was read as Windows-1252 (Excel's older CSV format). "
            "Check that accented names look right below; saving as CSV UTF-8 avoids this."
        ],
    )


def _sniff_delimiter(first_line: str) -> str:
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in first_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def parse(data: bytes) -> ParsedFile:
    text, encoding, notes = decode(data)
    stripped = text.lstrip("\r\n")
    first_line = stripped.split("\n", 1)[0]
    delimiter = _sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    headers: list[str] | None = None
    header_line = 0
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            line = start
            start = reader.line_num + 1
            if not cells or all(not c.strip() for c in cells):
                continue
            if headers is None:
                if any("\x00" in c for c in cells):
                    # NULs in the header row: not a plain text file (UTF-16 without its
                    # mark, or a binary file). A NUL in a data cell is that row's error.
                    raise FileError(
                        "The file contains NUL bytes, so it is not a plain CSV file. If it "
                        "came from Excel, save it as CSV UTF-8 (comma delimited)."
                    )
                headers = [c.strip() for c in cells]
                header_line = line
                continue
            rows.append((line, cells))
            if len(rows) > MAX_ROWS:
                raise FileError(
                    f"The file has more than {MAX_ROWS:,} rows; split it into smaller files."
                )
    except csv.Error as e:
        raise FileError(f"Line {start}: the file could not be read as CSV ({e}).") from None
    if headers is None:
        raise FileError("The file is empty.")
    if not rows:
        raise FileError("The file has a header row but no data rows.")
    if delimiter != ",":
        notes.append(f"Columns are separated by {DELIMITERS[delimiter]}.")
    return ParsedFile(headers, header_line, rows, encoding, delimiter, notes)
