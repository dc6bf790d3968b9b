"""Parents, carers and other contacts: one row per contact per student.

A row names its student by UPN or admission number. Re-imports find the same contact
by (student, contact MIS id) when the file has one, else by (student, surname, forename,
relationship). Contacts missing from a file are left as they are.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from enigma.models import Contact, Student

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
    max_length,
    show,
)
from .headers import HeaderMap, normalise
from .parsing import ParsedFile
from .result import Change, PlannedRow, RowError

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


def plan(parsed: ParsedFile, hmap: HeaderMap) -> Plan:
    result = Plan()
    students = list(Student.objects.only("pk", "upn", "mis_id", "legal_surname", "legal_forename"))
    by_upn = {s.upn: s for s in students}
    by_mis = {s.mis_id: s for s in students if s.mis_id}

    rows: list[tuple[Row, Student, dict[str, Any]]] = []
    for line, cells in parsed.rows:
        row = Row(line, cells, hmap)
        student = find_student(row, by_upn, by_mis)
        values = read_values(row)
        if result.take_row(row) and student is not None:
            rows.append((row, student, values))

    student_ids = {s.pk for _, s, _ in rows}
    by_contact_mis: dict[tuple[int, str], Contact] = {}
    by_name: dict[tuple, list[Contact]] = defaultdict(list)
    for c in Contact.objects.filter(student_id__in=student_ids).order_by("pk"):
        if c.mis_id:
            by_contact_mis[(c.student_id, c.mis_id)] = c
        by_name[_name_key(c.student_id, {}, c)].append(c)

    keys: dict[tuple, list[tuple[int, str]]] = defaultdict(list)
    for row, student, values in rows:
        if values.get("mis_id"):
            keys[(student.pk, "mis", values["mis_id"])].append((row.line, row.column("mis_id")))
        elif "relationship" in values:
            keys[_name_key(student.pk, {"forename": "", **values})].append((row.line, ""))
    bad = mark_duplicates(result, keys, "contact for the same student")

    matched: list[tuple[Row, Student, dict[str, Any], Contact | None]] = []
    targets: dict[int, list[int]] = defaultdict(list)
    for row, student, values in rows:
        if row.line in bad:
            continue
        contact = None
        name_key = _name_key(student.pk, {"forename": "", **values})
        if values.get("mis_id"):
            contact = by_contact_mis.get((student.pk, values["mis_id"]))
            if contact is None:  # first import with MIS ids: adopt the unlabelled match
                contact = next((c for c in by_name.get(name_key, []) if not c.mis_id), None)
        else:
            contact = next(iter(by_name.get(name_key, [])), None)
        if contact is not None:
            targets[contact.pk].append(row.line)
        matched.append((row, student, values, contact))
    for lines in targets.values():
        if len(lines) > 1:
            for line in lines:
                others = ", ".join(str(n) for n in lines if n != line)
                result.errors.append(
                    RowError(
                        line, "", f"This row and line {others} match the same contact in Enigma."
                    )
                )
                bad.add(line)

    for row, student, values, contact in matched:
        if row.line in bad:
            continue
        who = f"{student.legal_surname}, {student.legal_forename} ({student.upn})"
        if contact is None:
            values.setdefault("relationship", R.OTHER.value)
            new = Contact(student=student, **values)
            result.creates.append(new)
            result.planned.append(
                PlannedRow(
                    row.line,
                    "create",
                    f"{new} for {who}",
                    [
                        Change(
                            field_label(Contact, "relationship"),
                            "–",
                            show(Contact, "relationship", new.relationship),
                            "relationship",
                        )
                    ],
                )
            )
            continue
        if not values.get("mis_id"):
            values.pop("mis_id", None)
        changes = apply_values(contact, values)
        if not changes:
            result.unchanged += 1
            continue
        result.updates.append((contact, frozenset(c.name for c in changes)))
        result.planned.append(PlannedRow(row.line, "update", f"{contact} for {who}", changes))
    return result


def write(result: Plan) -> None:
    Contact.objects.bulk_create(result.creates, batch_size=BATCH)
    groups: dict[frozenset[str], list[Contact]] = defaultdict(list)
    for contact, changed in result.updates:
        groups[changed].append(contact)
    for changed, contacts in groups.items():
        bulk_update(Contact, contacts, changed)
