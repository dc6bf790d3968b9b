"""Parents, carers and other contacts: one row per contact per student.

A row names its student by UPN or admission number. Re-imports find the same contact
by (student, contact MIS id) when the file has one, else by (student, surname, forename,
relationship). Contacts missing from a file are left as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from enigma.models import Contact, Student

from . import fields
from .common import MISSING, Row, apply_values, max_length
from .headers import HeaderMap, normalise
from .matching import Key
from .parsing import ParsedFile
from .planning import RecordImport, shown
from .result import Change

R = Contact.Relationship
_RELATIONSHIP_WORDS: dict[R, tuple[str, ...]] = {
    R.MOTHER: ("mother", "mum", "mom", "birth mother", "natural mother", "mam"),
    R.FATHER: ("father", "dad", "birth father", "natural father"),
    R.PARENT: (
        "parent",
        "par",
        "parent at main address",
        "adoptive parent",
        "adoptive mother",
        "adoptive father",
    ),
    R.STEP_PARENT: (
        "step parent",
        "step father",
        "step mother",
        "stp",
        "mother's partner",
        "father's partner",
        "partner of parent",
        "parent's partner",
    ),
    R.GRANDPARENT: (
        "grandparent",
        "grandmother",
        "grandfather",
        "grandma",
        "grandad",
        "granddad",
        "grandpa",
        "nan",
        "nana",
        "gran",
    ),
    R.FOSTER_CARER: (
        "foster carer",
        "foster mother",
        "foster father",
        "foster parent",
        "fos",
        "fostercarer",
    ),
    R.CARER: ("carer", "car", "guardian", "legal guardian", "special guardian", "kinship carer"),
    R.SOCIAL_WORKER: ("social worker", "swr", "lead social worker"),
    R.OTHER_RELATIVE: (
        "other relative",
        "relative",
        "rel",
        "fam",
        "other family member",
        "family member",
        "aunt",
        "auntie",
        "uncle",
        "sister",
        "brother",
        "sibling",
        "cousin",
        "step sister",
        "step brother",
        "half sister",
        "half brother",
        "great grandmother",
        "great grandfather",
        "great grandparent",
    ),
    R.OTHER: (
        "other",
        "oth",
        "family friend",
        "friend",
        "neighbour",
        "childminder",
        "chm",
        "doctor",
        "doc",
        "other contact",
    ),
}
RELATIONSHIPS: dict[str, str] = {}
for _rel, _words in _RELATIONSHIP_WORDS.items():
    for _w in (*_words, _rel.value, _rel.label):
        RELATIONSHIPS[normalise(_w)] = _rel.value

ADDRESS_PARTS = ("address_line_1", "address_line_2", "address_line_3", "town", "county", "postcode")
ADDRESS_MAX = 1000
TEXT_FIELDS = ("title", "forename", "surname", "mobile_phone", "home_phone", "work_phone")

EXAMPLE = {
    "UPN": "B801200005001",
    "Admission No": "001234",
    "Contact ID": "C5678",
    "Title": "Mrs",
    "Forename": "Sam",
    "Surname": "Example",
    "Relationship": "Mother",
    "Parental Responsibility": "Y",
    "Lives With": "Y",
    "Priority": "1",
    "Mobile": "07700 900123",
    "Home Phone": "",
    "Work Phone": "",
    "Email": "sam.example@example.org",
    "Address": "1 High Street, Anytown, AB1 2CD",
}


def relationship(row: Row) -> Any:
    if not row.has("relationship"):
        return MISSING
    given = row.raw("relationship").strip()
    value = RELATIONSHIPS.get(normalise(given))
    if value is None:
        row.warn(
            "relationship",
            f'"{given}" is not a relationship Enigma knows, so it will be saved as "Other".'
            if given
            else 'No relationship is given, so it will be saved as "Other".',
        )
        return R.OTHER.value
    return value


def read_values(row: Row) -> dict[str, Any]:
    values: dict[str, Any] = {
        "mis_id": row.read("mis_id", fields.text, max_length=max_length(Contact, "mis_id")),
        "relationship": relationship(row),
        "parental_responsibility": row.read("parental_responsibility", fields.boolean),
        "lives_with_student": row.read("lives_with_student", fields.boolean),
        "priority": row.read("priority", fields.positive_int, default=1),
        "email": row.read("email", fields.email, max_length=max_length(Contact, "email")),
    }
    for name in TEXT_FIELDS:
        values[name] = row.read(
            name, fields.text, max_length=max_length(Contact, name), required=name == "surname"
        )
    if row.has("address"):
        values["address"] = row.read("address", fields.text, max_length=ADDRESS_MAX, multiline=True)
    elif any(row.has(p) for p in ADDRESS_PARTS):
        parts = [row.read(p, fields.text, max_length=ADDRESS_MAX) for p in ADDRESS_PARTS]
        joined = "\n".join(p for p in parts if p not in (MISSING, ""))
        if len(joined) > ADDRESS_MAX:
            row.error(
                "address_line_1",
                f"The address is {len(joined):,} characters long; "
                f"the most Enigma can hold is {ADDRESS_MAX}.",
            )
        values["address"] = joined
    return {k: v for k, v in values.items() if v is not MISSING}


def find_student(row: Row, by_upn: dict, by_mis: dict) -> Student | None:
    upn = row.raw("student_upn").strip()
    mis = row.raw("student_mis_id").strip()
    if not upn and not mis:
        row.error(
            "student_upn" if row.has("student_upn") else "student_mis_id",
            "The student's UPN or admission number is needed.",
        )
        return None
    found_u = found_m = None
    if upn:
        upn = row.read("student_upn", fields.upn)
        if upn is MISSING:
            return None
        found_u = by_upn.get(upn)
    if mis:
        found_m = by_mis.get(mis)
    if found_u and found_m and found_u.pk != found_m.pk:
        row.error(
            "student_mis_id",
            f"UPN {upn} and admission number {mis} belong to two different students.",
        )
        return None
    student = found_u or found_m
    if student is None:
        said = f"UPN {upn}" if upn else f"admission number {mis}"
        row.error(
            "student_upn" if upn else "student_mis_id",
            f"No student in Enigma has {said}. Import students first.",
        )
    return student


def _name_key(student_id: int, values: dict[str, Any], contact: Contact | None = None):
    def get(name):
        return values[name] if name in values else getattr(contact, name, "")

    return (student_id, get("surname").casefold(), get("forename").casefold(), get("relationship"))


def _who(student: Student) -> str:
    return f"{student.legal_surname}, {student.legal_forename} ({student.upn})"


class ContactImport(RecordImport[Contact]):
    model = Contact
    keys = (
        Key(
            "mis_id",
            "contact for the same student",
            given=lambda v: (v["student"].pk, v["mis_id"]) if v.get("mis_id") else None,
            held=lambda c: (c.student_id, c.mis_id) if c.mis_id else None,
            fixed=True,
        ),
        # Without a contact id, a contact is known by name and relationship: a first
        # import with ids adopts the contact of that name that has none yet.
        Key(
            "",
            "contact for the same student",
            given=lambda v: _name_key(v["student"].pk, {"forename": "", **v}),
            held=lambda c: _name_key(c.student_id, {}, c),
            unique=False,
        ),
    )
    same_record = "This row and line {others} match the same contact in Enigma."
    EXAMPLE = EXAMPLE
    student_keys = ("student_upn", "student_mis_id")
    each = "contact"

    def __init__(self) -> None:
        super().__init__()
        self.by_upn: dict[str, Student] = {}  # every student, to find each row's
        self.by_mis: dict[str, Student] = {}

    def rows(self, parsed: ParsedFile, hmap: HeaderMap) -> list[tuple[Row, dict[str, Any]]]:
        students = list(
            Student.objects.only("pk", "upn", "mis_id", "legal_surname", "legal_forename")
        )
        self.by_upn = {s.upn: s for s in students}
        self.by_mis = {s.mis_id: s for s in students if s.mis_id}
        # A contact's keys start with its student, so only rows free of errors (their
        # student found) are compared with each other.
        return [(row, values) for row, values in super().rows(parsed, hmap) if not row.errors]

    def read(self, row: Row) -> dict[str, Any]:
        student = find_student(row, self.by_upn, self.by_mis)
        values = read_values(row)
        if student is not None:
            values["student"] = student
        return values

    def records(self, rows) -> Iterable[Contact]:
        student_ids = {values["student"].pk for _, values in rows}
        return Contact.objects.filter(student_id__in=student_ids).order_by("pk")

    def create(self, row: Row, values: dict[str, Any]) -> tuple[Contact, str, list[Change]]:
        values.setdefault("relationship", R.OTHER.value)
        new = Contact(**values)
        return new, f"{new} for {_who(new.student)}", shown(new, ["relationship"])

    def update(self, row: Row, values: dict[str, Any], record: Contact) -> tuple[str, list[Change]]:
        student = values.pop("student")
        changes = apply_values(record, values)
        return f"{record} for {_who(student)}", changes
