"""Students: matched by UPN, then admission number (MIS id). Never deleted; leavers go
off roll through "Enrolment Status" or a leaving date."""

from __future__ import annotations

from typing import Any

from enigma.models import Student
from enigma.validators import normalise_upn

from . import fields
from .common import MISSING, Row, apply_values, max_length
from .matching import Key, Matching
from .planning import RecordImport, shown
from .result import Change

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
    "Ethnicity": "WBRI - White - British",
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
    values["ethnicity"] = row.read("ethnicity", fields.ethnicity)
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


class StudentImport(RecordImport[Student]):
    model = Student
    keys = (
        Key(
            "upn",
            "UPN",
            given=lambda v: v.get("upn") or None,
            held=lambda s: normalise_upn(s.upn),
        ),
        Key(
            "mis_id",
            "admission number",
            given=lambda v: v.get("mis_id") or None,
            held=lambda s: s.mis_id or None,
        ),
    )
    same_record = (
        "This row and line {others} match the same student in Enigma (one by UPN, one by "
        "admission number). Each student must appear only once."
    )
    EXAMPLE = EXAMPLE

    def __init__(self) -> None:
        super().__init__()
        self.existing: list[Student] = []  # every student, for the note on those not in the file

    def records(self, rows) -> list[Student]:
        self.existing = list(Student.objects.all())
        return self.existing

    def read(self, row: Row) -> dict[str, Any]:
        return read_values(row)

    def conflict(self, values: dict[str, Any], a: Student, b: Student) -> str:
        return (
            f"UPN {values['upn']} belongs to one student in Enigma and admission number "
            f"{values['mis_id']} to another (UPN {b.upn}). Correct whichever is wrong."
        )

    def create(self, row: Row, values: dict[str, Any]) -> tuple[Student, str, list[Change]]:
        values.update(roll_values(values, None))
        student = Student(**values)
        return student, _label(values), shown(student, SHOWN_ON_CREATE)

    def update(self, row: Row, values: dict[str, Any], record: Student) -> tuple[str, list[Change]]:
        values.update(roll_values(values, record))
        changes = apply_values(record, values)
        return _label(values, record), changes

    def finish(self, matching: Matching[Student]) -> None:
        plan = self.plan
        leaving_now = sum(1 for s in plan.creates if not s.on_roll) + sum(
            1 for s, changed in plan.updates if "on_roll" in changed and not s.on_roll
        )
        if leaving_now:
            plan.notes.append(
                f"{leaving_now} student{'s' if leaving_now != 1 else ''} will be marked off "
                "roll (students are never deleted)."
            )
        absent = sum(1 for s in self.existing if s.on_roll and s.pk not in matching.found)
        if absent:
            plan.notes.append(
                f"Students on roll in Enigma but not in this file: {absent}. They are left as "
                "they are. To take leavers off roll, include them with an enrolment status of "
                '"Leaver" or a leaving date.'
            )
