"""Students: matched by UPN, then admission number (MIS id). Never deleted; leavers go
off roll through "Enrolment Status" or a leaving date."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.utils import timezone

from enigma.models import Student
from enigma.validators import normalise_upn

from . import fields
from .common import (
    BATCH,
    MISSING,
    Plan,
    Row,
    apply_values,
    bulk_update,
    field_label,
    mark_duplicates,
    mark_same_target,
    max_length,
    show,
)
from .headers import HeaderMap
from .parsing import ParsedFile
from .result import Change, PlannedRow, RowError

TEXT_FIELDS = (
    "legal_surname",
    "legal_forename",
    "preferred_forename",
    "preferred_surname",
    "tutor_group",
)
REQUIRED_TEXT = {"legal_surname", "legal_forename"}
BOOL_FIELDS = ("pupil_premium", "eal", "looked_after", "free_school_meals")
SHOWN_ON_CREATE = ("date_of_birth", "year_group", "tutor_group", "on_roll")

EXAMPLE = {
    "Admission No": "001234",
    "UPN": "B801200005001",
    "Legal Surname": "Example",
    "Legal Forename": "Alex",
    "Preferred Forename": "Al",
    "Date of Birth": "01/09/2012",
    "Gender": "F",
    "Year Group": "Year 9",
    "Reg Group": "9A",
    "Enrolment Status": "Current",
    "Leaving Date": "",
    "SEN Status": "K - SEN Support",
    "Pupil Premium": "N",
    "EAL": "N",
    "Looked After": "N",
    "FSM": "Y",
}


def read_values(row: Row) -> dict[str, Any]:
    values: dict[str, Any] = {
        "upn": row.read("upn", fields.upn, warn=row.warn),
        "mis_id": row.read("mis_id", fields.text, max_length=max_length(Student, "mis_id")),
    }
    for name in TEXT_FIELDS:
        values[name] = row.read(
            name, fields.text, max_length=max_length(Student, name), required=name in REQUIRED_TEXT
        )
    dob = row.read("date_of_birth", fields.past_date)
    if dob is None:
        row.error("date_of_birth", "The date of birth must not be empty.")
    values["date_of_birth"] = dob
    values["year_group"] = row.read("year_group", fields.year_group)
    values["gender"] = row.read("gender", fields.gender)
    values["sen_status"] = row.read("sen_status", fields.sen_status)
    for name in BOOL_FIELDS:
        values[name] = row.read(name, fields.boolean)
    values["enrolment_status"] = row.read("enrolment_status", fields.on_roll)
    values["leaving_date"] = row.read("leaving_date", fields.date)
    return {
        k: v
        for k, v in values.items()
        if v is not MISSING or k in ("enrolment_status", "leaving_date")
    }


def roll_values(values: dict[str, Any], current: Student | None) -> dict[str, Any]:
    """on_roll / left_on from the enrolment status and leaving date columns, if any."""
    leaving = values.pop("leaving_date")
    on_roll = values.pop("enrolment_status")
    if leaving not in (MISSING, None):
        return {"on_roll": False, "left_on": leaving}
    if on_roll is True:
        return {"on_roll": True, "left_on": None}
    if on_roll is False:
        return {"on_roll": False, "left_on": current.left_on if current else None}
    if leaving is None:  # the column is there and empty: still on roll
        return {"on_roll": True, "left_on": None}
    return {}


def _label(values: dict[str, Any], student: Student | None = None) -> str:
    surname = values.get("legal_surname") or (student.legal_surname if student else "")
    forename = values.get("legal_forename") or (student.legal_forename if student else "")
    return f"{surname}, {forename} ({values.get('upn') or (student.upn if student else '')})"


def plan(parsed: ParsedFile, hmap: HeaderMap) -> Plan:
    result = Plan()
    existing = list(Student.objects.all())
    by_upn = {normalise_upn(s.upn): s for s in existing}
    by_mis = {s.mis_id: s for s in existing if s.mis_id}

    rows: list[tuple[Row, dict[str, Any]]] = []
    upns: dict[str, list[tuple[int, str]]] = defaultdict(list)
    mis_ids: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for line, cells in parsed.rows:
        row = Row(line, cells, hmap)
        values = read_values(row)
        if values.get("upn"):
            upns[values["upn"]].append((line, row.column("upn")))
        if values.get("mis_id"):
            mis_ids[values["mis_id"]].append((line, row.column("mis_id")))
        if result.take_row(row):
            rows.append((row, values))
    bad = mark_duplicates(result, upns, "UPN")
    bad |= mark_duplicates(result, mis_ids, "admission number")

    matched: list[tuple[Row, dict[str, Any], Student | None]] = []
    targets: dict[int, list[int]] = defaultdict(list)
    for row, values in rows:
        if row.line in bad:
            continue
        by_u = by_upn.get(values["upn"])
        by_m = by_mis.get(values.get("mis_id") or "")
        if by_u and by_m and by_u.pk != by_m.pk:
            result.errors.append(
                RowError(
                    row.line,
                    row.column("mis_id"),
                    f"UPN {values['upn']} belongs to one student in Enigma and admission number "
                    f"{values['mis_id']} to another (UPN {by_m.upn}). Correct whichever is wrong.",
                )
            )
            continue
        target = by_u or by_m
        if target is not None:
            targets[target.pk].append(row.line)
        matched.append((row, values, target))
    bad |= mark_same_target(
        result,
        targets,
        "This row and line {others} match the same student in Enigma (one by UPN, one by "
        "admission number). Each student must appear only once.",
    )

    leaving_now = 0
    for row, values, target in matched:
        if row.line in bad:
            continue
        roll = roll_values(values, target)
        if target is None:
            values.update(roll)
            if not values.get("mis_id"):
                values["mis_id"] = None
            student = Student(**values)
            result.creates.append(student)
            result.planned.append(
                PlannedRow(
                    row.line,
                    "create",
                    _label(values),
                    [
                        Change(
                            field_label(Student, n), "–", show(Student, n, getattr(student, n)), n
                        )
                        for n in SHOWN_ON_CREATE
                    ],
                )
            )
            if student.on_roll is False:
                leaving_now += 1
            continue
        if not values.get("mis_id"):
            values.pop("mis_id", None)  # an empty cell never wipes a known admission number
        was_on_roll = target.on_roll
        values.update(roll)
        changes = apply_values(target, values)
        if not changes:
            result.unchanged += 1
            continue
        if was_on_roll and not target.on_roll:
            leaving_now += 1
        result.updates.append((target, frozenset(c.name for c in changes)))
        result.planned.append(PlannedRow(row.line, "update", _label(values, target), changes))

    if leaving_now:
        result.notes.append(
            f"{leaving_now} student{'s' if leaving_now != 1 else ''} will be marked off roll "
            "(students are never deleted)."
        )
    absent = sum(1 for s in existing if s.on_roll and s.pk not in targets)
    if absent:
        result.notes.append(
            f"Students on roll in Enigma but not in this file: {absent}. They are left as "
            "they are. To take leavers off roll, include them with an enrolment status of "
            '"Leaver" or a leaving date.'
        )
    return result


def write(result: Plan) -> None:
    Student.objects.bulk_create(result.creates, batch_size=BATCH)
    now = timezone.now()
    groups: dict[frozenset[str], list[Student]] = defaultdict(list)
    for student, changed in result.updates:
        student.updated_at = now
        groups[changed].append(student)
    for changed, students in groups.items():
        bulk_update(Student, students, changed | {"updated_at"})
