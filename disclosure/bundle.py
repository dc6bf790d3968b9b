"""Writing a Gathered (disclosure.selectors) into one ZIP: a document to read and print
(index.html with its stylesheet, style.css: no script, no inline style), a CSV per table
(formula-safe), the files, the redaction list for the reviewer and a manifest of every
file's SHA-256."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone

from disclosure.selectors import Gathered, text
from enigma.csv_export import safe_cell

STYLESHEET = Path(__file__).with_name("document.css")
CHUNK = 1024 * 1024


def _csv(header, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    # A byte-order mark so that Excel reads names with accents correctly.
    return ("\ufeff" + out.getvalue()).encode()


def redaction_rows(gathered: Gathered) -> list[list]:
    r = gathered.redactor
    rows = [
        ["Replaced with “another pupil”", x.section, x.record, x.field, x.pupil, x.times]
        for x in r.redactions
    ]
    rows += [
        [
            "Left: the same name as this pupil's, check by hand",
            x.section,
            x.record,
            x.field,
            x.pupil,
            x.times,
        ]
        for x in r.left
    ]
    rows += [
        ["File withheld: review and add by hand", "Chronology", record, why, "", 1]
        for record, why in gathered.withheld_files
    ]
    return rows


def write(gathered: Gathered, target, *, title: str, context: dict, step=None) -> None:
    """Write the ZIP into the binary file `target`."""
    made = timezone.now()
    manifest: list[tuple[str, int, str]] = []

    def put(z: zipfile.ZipFile, name: str, data: bytes) -> None:
        z.writestr(name, data)
        manifest.append((name, len(data), hashlib.sha256(data).hexdigest()))

    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as z:
        redactions = redaction_rows(gathered)
        document = render_to_string(
            "disclosure/document.html",
            {
                **context,
                "title": title,
                "g": gathered,
                "student": gathered.student,
                "made": text(made),
                "redactions": redactions,
                "chain": gathered.chain,
            },
        )
        put(z, "index.html", document.encode())
        put(z, "style.css", STYLESHEET.read_bytes())
        for table in gathered.tables:
            put(z, f"tables/{table.name}.csv", _csv(table.columns, table.rows))
        put(
            z,
            "redactions.csv",
            _csv(["What", "Section", "Record", "Field", "Pupil", "Times"], redactions),
        )
        if gathered.chain is not None:
            put(z, "chain-proof.json", json.dumps(gathered.chain, indent=2).encode())
        total = len(gathered.files)
        for i, (name, field_file) in enumerate(gathered.files, 1):
            digest, size = hashlib.sha256(), 0
            with field_file.open("rb") as src, z.open(name, "w", force_zip64=True) as dst:
                while chunk := src.read(CHUNK):
                    dst.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
            manifest.append((name, size, digest.hexdigest()))
            if step is not None:
                step(f"Files ({i} of {total})", 85 + (10 * i) // max(total, 1))
        z.writestr("manifest.csv", _csv(["File", "Bytes", "SHA-256"], manifest))
