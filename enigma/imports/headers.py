"""Column names: one alias table per kind of file, matched case- and punctuation-blind.

To accept another MIS's column name, add it to the column's ``aliases`` below (any
spelling: it is normalised). Earlier aliases win when a file has two columns that
mean the same thing (e.g. "Legal Surname" is used before "Surname").
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field


def normalise(name: str) -> str:
    """'Date of Birth', 'date_of_birth' and 'DATE-OF-BIRTH' all become 'dateofbirth'."""
    name = unicodedata.normalize("NFKC", name or "").casefold()
    return "".join(ch for ch in name if ch.isalnum())


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    aliases: tuple[str, ...]
    required: bool = False
    hint: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(normalise(a) for a in self.aliases)


STUDENT_COLUMNS: tuple[Column, ...] = (
    Column(
        "upn",
        "UPN",
        ("UPN", "Unique Pupil Number", "Pupil UPN", "Student UPN"),
        required=True,
        hint="13 characters, starting with its check letter",
    ),
    Column(
        "mis_id",
        "Admission number / MIS id",
        (
            "Admission No",
            "Admission Number",
            "Adno",
            "Adm No",
            "MIS id",
            "Student ID",
            "Pupil ID",
            "External ID",
        ),
        hint="used to find the student when the UPN has changed",
    ),
    Column(
        "legal_surname",
        "Legal surname",
        ("Legal Surname", "legal_last_name", "Surname", "Last Name", "Family Name"),
        required=True,
    ),
    Column(
        "legal_forename",
        "Legal forename",
        ("Legal Forename", "legal_first_name", "Forename", "First Name", "Given Name"),
        required=True,
    ),
    Column(
        "preferred_forename",
        "Preferred forename",
        ("Preferred Forename", "Preferred First Name", "Preferred Name", "Known As", "Chosen Name"),
    ),
    Column("preferred_surname", "Preferred surname", ("Preferred Surname", "Preferred Last Name")),
    Column(
        "date_of_birth",
        "Date of birth",
        ("Date of Birth", "DOB", "Birth Date"),
        required=True,
        hint="01/09/2012 or 2012-09-01",
    ),
    Column(
        "year_group",
        "Year group",
        (
            "Year Group",
            "current_nc_year",
            "NC Year",
            "National Curriculum Year",
            "Curriculum Year",
            "Year",
            "Yr",
        ),
        required=True,
        hint='"Year 9" or "9"; "R" for Reception',
    ),
    Column(
        "tutor_group",
        "Tutor group",
        ("Reg Group", "Registration Group", "Tutor Group", "Form", "Form Group", "Reg Form"),
    ),
    Column("gender", "Gender", ("Gender", "Sex", "Legal Sex"), hint="M, F or X"),
    Column(
        "enrolment_status",
        "Enrolment status",
        ("Enrolment Status", "Enrollment Status", "Enrolment", "Status"),
        hint='"Leaver" or "Left" takes the student off roll',
    ),
    Column(
        "leaving_date",
        "Leaving date",
        ("leaving_date", "Date of Leaving", "Date Left", "Left On", "End Date"),
        hint="a date here takes the student off roll",
    ),
    Column(
        "sen_status",
        "SEN status",
        ("SEN Status", "SEN", "SEN Provision"),
        hint='"N - No SEN", "K - SEN Support", "E - EHCP" or N, K, E',
    ),
    Column("pupil_premium", "Pupil premium", ("Pupil Premium", "PP", "Pupil Premium Indicator")),
    Column("eal", "EAL", ("EAL", "English as an Additional Language")),
    Column(
        "looked_after",
        "Looked after",
        ("Looked After", "In LA Care", "CLA", "LAC", "Looked After Child"),
    ),
    Column(
        "free_school_meals",
        "Free school meals",
        ("FSM", "Free School Meals", "FSM Eligible", "FSM Eligibility"),
    ),
    Column(
        "ethnicity",
        "Ethnicity",
        (
            "Ethnicity Code",
            "Ethnic Code",
            "Ethnicity",
            "Ethnic Origin",
            "Ethnic Group",
            "Ethnicity Description",
        ),
        hint='the DfE code ("WBRI") or its description ("White - British"); blank if not known',
    ),
)

CONTACT_COLUMNS: tuple[Column, ...] = (
    Column(
        "student_upn",
        "Student UPN",
        ("Student UPN", "Pupil UPN", "UPN"),
        hint="the student's UPN or admission number is needed on every row",
    ),
    Column(
        "student_mis_id",
        "Student admission number",
        (
            "Admission No",
            "Admission Number",
            "Adno",
            "Adm No",
            "Student MIS id",
            "Pupil MIS id",
            "Student ID",
            "Pupil ID",
        ),
    ),
    Column(
        "mis_id",
        "Contact MIS id",
        (
            "Contact MIS id",
            "Contact ID",
            "Contact Person ID",
            "Contact Reference",
            "Parent ID",
            "Guardian ID",
            "Carer ID",
        ),
        hint="lets a re-import find the same contact",
    ),
    Column("title", "Title", ("Title", "Contact Title")),
    Column(
        "forename",
        "Forename",
        (
            "Contact Forename",
            "Contact First Name",
            "Forename",
            "First Name",
            "Legal Forename",
            "Given Name",
        ),
    ),
    Column(
        "surname",
        "Surname",
        (
            "Contact Surname",
            "Contact Last Name",
            "Surname",
            "Last Name",
            "Legal Surname",
            "Family Name",
        ),
        required=True,
    ),
    Column(
        "relationship",
        "Relationship",
        (
            "Relationship",
            "Relationship to Student",
            "Relationship to Pupil",
            "Relationship to Child",
            "Contact Relationship",
            "Relation",
        ),
        required=True,
        hint='e.g. "Mother", "Father", "Carer", "Foster Carer"',
    ),
    Column(
        "parental_responsibility",
        "Parental responsibility",
        ("Parental Responsibility", "Has Parental Responsibility", "PR"),
    ),
    Column(
        "lives_with_student",
        "Lives with student",
        (
            "Lives With",
            "Lives With Student",
            "Lives With Pupil",
            "Lives With Child",
            "Resides With",
        ),
    ),
    Column(
        "priority",
        "Priority",
        ("Priority", "Contact Priority", "Contact Order", "Order", "Contact Sequence"),
        hint="1 is contacted first",
    ),
    Column(
        "mobile_phone",
        "Mobile",
        ("Mobile", "Mobile Phone", "Mobile Number", "Mobile Telephone", "Telephone Mobile"),
    ),
    Column(
        "home_phone",
        "Home phone",
        ("Home Phone", "Home Telephone", "Home Number", "Telephone Home", "Telephone", "Phone"),
    ),
    Column(
        "work_phone",
        "Work phone",
        ("Work Phone", "Work Telephone", "Work Number", "Telephone Work"),
    ),
    Column("email", "Email", ("Email", "Email Address", "Contact Email", "Main Email")),
    Column(
        "address",
        "Address",
        ("Address", "Home Address", "Full Address", "Postal Address", "Address Block"),
    ),
    Column(
        "address_line_1",
        "Address line 1",
        ("Address Line 1", "Address 1", "House Name Number", "Street"),
    ),
    Column("address_line_2", "Address line 2", ("Address Line 2", "Address 2", "Locality")),
    Column("address_line_3", "Address line 3", ("Address Line 3", "Address 3")),
    Column("town", "Town", ("Town", "Town City", "City", "Post Town")),
    Column("county", "County", ("County",)),
    Column("postcode", "Postcode", ("Postcode", "Postal Code", "Zip")),
)

STAFF_COLUMNS: tuple[Column, ...] = (
    Column(
        "mis_id",
        "Staff MIS id",
        (
            "MIS id",
            "Staff MIS id",
            "Staff ID",
            "Person ID",
            "Employee ID",
            "Employee Number",
            "Payroll Number",
            "Staff Code",
        ),
        hint="lets a re-import find the same person if their email changes",
    ),
    Column("title", "Title", ("Title",)),
    Column(
        "first_name",
        "Forename",
        ("Forename", "First Name", "Legal Forename", "Preferred Forename", "Given Name"),
        required=True,
    ),
    Column(
        "last_name",
        "Surname",
        ("Surname", "Last Name", "Legal Surname", "Preferred Surname", "Family Name"),
        required=True,
    ),
    Column(
        "email",
        "Email",
        ("Email", "Email Address", "Work Email", "School Email", "Staff Email"),
        required=True,
        hint="used to sign in; must be unique",
    ),
    Column("display_name", "Display name", ("Display Name", "Known As")),
    Column("initials", "Initials", ("Initials", "Staff Initials")),
    Column(
        "roles",
        "Roles",
        ("Roles", "Role", "Enigma Roles", "Groups"),
        hint='e.g. "coordinator; senco"',
    ),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "students": STUDENT_COLUMNS,
    "contacts": CONTACT_COLUMNS,
    "staff": STAFF_COLUMNS,
}

KIND_LABELS = {
    "students": "Students",
    "contacts": "Parents and carers",
    "staff": "Staff",
}


def _check_tables() -> None:
    for kind, columns in COLUMNS.items():
        seen: dict[str, str] = {}
        for column in columns:
            for name in column.names:
                if name in seen:
                    raise ValueError(f"{kind}: alias {name!r} is on {seen[name]} and {column.key}")
                seen[name] = column.key


_check_tables()


@dataclass
class HeaderMap:
    """Which file column (by index) feeds each key, and what was left out."""

    headers: list[str]
    index: dict[str, int] = field(default_factory=dict)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (header, why)
    missing: list[Column] = field(default_factory=list)
    used: list[tuple[str, str]] = field(default_factory=list)  # (header, column label)

    def header_for(self, key: str) -> str:
        return self.headers[self.index[key]] if key in self.index else ""


def map_columns(columns, headers: list[str]) -> HeaderMap:
    """Which file column feeds each key: the best-ranked alias wins; others are listed as
    ignored with the reason (also used by the timetables import for its own columns)."""
    lookup = {name: (column, rank) for column in columns for rank, name in enumerate(column.names)}
    result = HeaderMap(headers=list(headers))
    best: dict[str, tuple[int, int]] = {}  # key -> (alias rank, column index)
    for i, header in enumerate(headers):
        hit = lookup.get(normalise(header))
        if hit is None:
            if header.strip():
                result.ignored.append((header, "not a column Enigma reads"))
            continue
        column, rank = hit
        if column.key not in best or rank < best[column.key][0]:
            best[column.key] = (rank, i)
    for i, header in enumerate(headers):
        hit = lookup.get(normalise(header))
        if hit is None:
            continue
        column = hit[0]
        chosen = best[column.key][1]
        if chosen == i:
            result.index[column.key] = i
            result.used.append((header, column.label))
        else:
            result.ignored.append(
                (header, f'"{headers[chosen]}" is used for {column.label.lower()} instead')
            )
    result.missing = [c for c in columns if c.required and c.key not in result.index]
    return result
