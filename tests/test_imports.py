"""MIS imports: header mapping, dry run, all-or-nothing apply, re-imports, the upload
page and the management command."""

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse

from enigma.imports.services import import_apply, import_preview
from enigma.models import AuditEvent, Contact, Student, User
from enigma.roles import Role
from tests.factories import ContactFactory, StudentFactory, UserFactory, make_upn

pytestmark = pytest.mark.django_db

SIMS_HEADER = [
    "Admission No",
    "UPN",
    "Legal Surname",
    "Legal Forename",
    "Preferred Name",
    "Date of Birth",
    "Gender",
    "Year Group",
    "Reg Group",
    "Enrolment Status",
    "SEN Status",
    "Pupil Premium",
    "EAL",
    "Looked After",
    "FSM",
]


def to_csv(rows, *, delimiter=",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def sims_row(n, **over):
    row = {
        "Admission No": f"{n:06d}",
        "UPN": make_upn(n),
        "Legal Surname": f"Surname{n}",
        "Legal Forename": f"Forename{n}",
        "Preferred Name": "",
        "Date of Birth": "01/09/2012",
        "Gender": "F",
        "Year Group": "Year 9",
        "Reg Group": "9A",
        "Enrolment Status": "Current",
        "SEN Status": "N - No SEN",
        "Pupil Premium": "N",
        "EAL": "N",
        "Looked After": "N",
        "FSM": "N",
    }
    row.update(over)
    return [row[h] for h in SIMS_HEADER]


def sims_file(*rows) -> bytes:
    return to_csv([SIMS_HEADER, *rows]).encode()


def apply(kind, data, filename="file.csv", actor=None):
    return import_apply(kind, data, filename, actor)


def preview(kind, data, filename="file.csv"):
    return import_preview(kind, data, filename)


def messages_for(result, line):
    return [e.message for e in result.errors if e.line == line]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"


# --- students -----------------------------------------------------------------------------


def test_sims_style_headers_import():
    data = sims_file(
        sims_row(
            1,
            **{
                "Preferred Name": "Jas",
                "SEN Status": "K - SEN Support",
                "Pupil Premium": "Yes",
                "FSM": "T",
                "Gender": "Male",
            },
        ),
        sims_row(
            2,
            **{
                "Year Group": "7",
                "SEN Status": "E",
                "Date of Birth": "2014-02-28",
                "EAL": "1",
                "Looked After": "TRUE",
                "Gender": "",
            },
        ),
    )
    result = apply("students", data)
    assert result.ok and result.applied, result.errors
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    one = Student.objects.get(upn=make_upn(1))
    assert (one.mis_id, one.legal_surname, one.preferred_forename) == ("000001", "Surname1", "Jas")
    assert (one.year_group, one.tutor_group, one.gender, one.sen_status) == (9, "9A", "M", "K")
    assert (one.pupil_premium, one.free_school_meals, one.eal, one.on_roll) == (
        True,
        True,
        False,
        True,
    )
    assert one.date_of_birth.isoformat() == "2012-09-01"
    two = Student.objects.get(mis_id="000002")
    assert (two.year_group, two.sen_status, two.gender) == (7, "E", "X")
    assert (two.eal, two.looked_after, two.date_of_birth.isoformat()) == (True, True, "2014-02-28")


def test_arbor_style_headers_import_and_unknown_columns_are_listed():
    header = [
        "admission_number",
        "upn",
        "legal_surname",
        "legal_forename",
        "preferred first name",
        "dob",
        "current_nc_year",
        "Registration Group",
        "sex",
        "leaving_date",
        "Favourite Colour",
    ]
    data = to_csv(
        [
            header,
            [
                "A1",
                make_upn(5).lower(),
                "Okafor",
                "Chidi",
                "",
                "2011-10-05",
                "10",
                "10K",
                "M",
                "",
                "blue",
            ],
            [
                "A2",
                make_upn(6),
                "Nowak",
                "Zofia",
                "Zosia",
                "2012-01-31",
                "Year 9",
                "9N",
                "F",
                "20/07/2025",
                "red",
            ],
        ]
    ).encode()
    result = apply("students", data)
    assert result.ok, result.errors
    assert result.ignored_columns == [("Favourite Colour", "not a column Enigma reads")]
    chidi = Student.objects.get(mis_id="A1")
    assert (chidi.upn, chidi.year_group, chidi.tutor_group) == (make_upn(5), 10, "10K")
    zofia = Student.objects.get(mis_id="A2")
    assert (zofia.preferred_forename, zofia.on_roll, str(zofia.left_on)) == (
        "Zosia",
        False,
        "2025-07-20",
    )


def test_dry_run_writes_nothing_but_its_audit_event():
    result = preview("students", sims_file(sims_row(1), sims_row(2)), "autumn.csv")
    assert result.ok and not result.applied
    assert result.created == 2
    assert Student.objects.count() == 0
    event = AuditEvent.objects.get()
    assert event.action == "imports.previewed"
    assert event.data["kind"] == "students" and event.data["filename"] == "autumn.csv"
    assert "Surname1" not in str(event.data)


def test_one_bad_row_among_good_ones_writes_nothing():
    data = sims_file(
        sims_row(1), sims_row(2), sims_row(3, **{"Date of Birth": "31/02/2012"}), sims_row(4)
    )
    result = apply("students", data)
    assert not result.ok and not result.applied
    assert Student.objects.count() == 0
    assert not AuditEvent.objects.filter(action="imports.applied").exists()
    [error] = result.errors
    assert (error.line, error.column) == (4, "Date of Birth")
    assert "31/02/2012" in error.message and "not a real date" in error.message


def test_bad_upn_check_letter_is_explained():
    good = make_upn(7)
    wrong = ("B" if good[0] != "B" else "C") + good[1:]
    result = preview("students", sims_file(sims_row(7, UPN=wrong)))
    [error] = result.errors
    assert (error.line, error.column) == (2, "UPN")
    assert "check letter does not match" in error.message
    assert f"should be {good[0]}, not {wrong[0]}" in error.message


def test_duplicate_upns_name_both_lines():
    result = preview(
        "students",
        sims_file(sims_row(1), sims_row(2), sims_row(3, UPN=make_upn(1), **{"Admission No": "X"})),
    )
    assert any("also on line 4" in m for m in messages_for(result, 2))
    assert any("also on line 2" in m for m in messages_for(result, 4))
    assert not messages_for(result, 3)


@pytest.mark.parametrize("value", ["13/25/2012", "09/13/2012"])
def test_us_order_dates_are_refused(value):
    result = preview("students", sims_file(sims_row(1, **{"Date of Birth": value})))
    [error] = result.errors
    assert error.line == 2 and value in error.message
    assert "US month/day order is not accepted" in error.message


def test_reimport_updates_by_upn_and_counts_unchanged():
    apply("students", sims_file(sims_row(1), sims_row(2)))
    before = Student.objects.get(upn=make_upn(1)).pk
    result = apply("students", sims_file(sims_row(1, **{"Reg Group": "9B"}), sims_row(2)))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    [planned] = result.planned
    assert [(c.field, c.old, c.new) for c in planned.changes] == [("Tutor group", "9A", "9B")]
    student = Student.objects.get(upn=make_upn(1))
    assert (student.pk, student.tutor_group) == (before, "9B")


def test_reimport_falls_back_to_mis_id_and_updates_the_upn():
    student = StudentFactory(upn=make_upn(40), mis_id="000041")
    result = apply("students", sims_file(sims_row(41)))
    assert (result.created, result.updated) == (0, 1), result.errors
    student.refresh_from_db()
    assert student.upn == make_upn(41)


def test_upn_and_mis_id_of_two_different_students_is_a_row_error():
    StudentFactory(upn=make_upn(1), mis_id="M-one")
    StudentFactory(upn=make_upn(2), mis_id="M-two")
    result = apply("students", sims_file(sims_row(1, **{"Admission No": "M-two"})))
    [error] = result.errors
    assert error.line == 2 and "another" in error.message
    assert Student.objects.filter(upn=make_upn(1), mis_id="M-one").exists()


def test_two_rows_that_find_the_same_student_are_both_refused():
    student = StudentFactory(upn=make_upn(50), mis_id="000050")
    # Line 2 finds the student by UPN (with a new admission number); line 3 has a new UPN
    # and the student's admission number.
    result = apply(
        "students",
        sims_file(
            sims_row(50, **{"Admission No": "000052"}), sims_row(51, **{"Admission No": "000050"})
        ),
    )
    assert not result.ok
    assert "line 3 match the same student" in messages_for(result, 2)[0]
    assert "line 2 match the same student" in messages_for(result, 3)[0]
    student.refresh_from_db()
    assert student.upn == make_upn(50) and Student.objects.count() == 1


def test_two_rows_that_find_the_same_member_of_staff_are_both_refused(ada):
    UserFactory(mis_id="S9", email="jo@school.example.org")
    rows = [
        STAFF_HEADER,
        ["S9", "Ms", "Jo", "Example", "jo.new@school.example.org", ""],
        ["", "Ms", "Jo", "Example", "jo@school.example.org", ""],
    ]
    result = apply("staff", to_csv(rows).encode(), actor=ada)
    assert messages_for(result, 2) == ["This row and line 3 match the same member of staff."]
    assert messages_for(result, 3) == ["This row and line 2 match the same member of staff."]
    assert User.objects.get(mis_id="S9").email == "jo@school.example.org"


def test_leavers_go_off_roll_and_nobody_is_deleted():
    for n in (1, 2, 3):
        StudentFactory(
            upn=make_upn(n),
            mis_id=f"{n:06d}",
            tutor_group="9A",
            legal_surname=f"Surname{n}",
            legal_forename=f"Forename{n}",
        )
    header = [*SIMS_HEADER, "Leaving Date"]
    rows = [
        header,
        [*sims_row(1, **{"Enrolment Status": "Leaver"}), ""],
        [*sims_row(2), "20/07/2026"],
    ]
    result = apply("students", to_csv(rows).encode())
    assert result.ok, result.errors
    assert Student.objects.count() == 3
    one, two, three = (Student.objects.get(upn=make_upn(n)) for n in (1, 2, 3))
    assert (one.on_roll, one.left_on) == (False, None)
    assert (two.on_roll, str(two.left_on)) == (False, "2026-07-20")
    assert three.on_roll
    assert any("not in this file: 1" in n for n in result.notes)
    assert any("2 students will be marked off roll" in n for n in result.notes)


def test_missing_required_column_refuses_the_file():
    header = [h for h in SIMS_HEADER if h != "Date of Birth"]
    result = preview("students", to_csv([header, ["1"] * len(header)]).encode())
    assert not result.ok and result.errors == []
    assert "no date of birth column" in result.file_errors[0]
    assert '"DOB"' in result.file_errors[0]


def test_utf8_bom_cp1252_and_semicolons_are_read():
    bom = b"\xef\xbb\xbf" + sims_file(sims_row(1, **{"Legal Forename": "Zoë"}))
    result = apply("students", bom)
    assert result.ok and result.encoding.startswith("UTF-8")
    assert Student.objects.get(upn=make_upn(1)).legal_forename == "Zoë"

    text = to_csv([SIMS_HEADER, sims_row(2, **{"Legal Surname": "Ødegård"})], delimiter=";")
    result = apply("students", text.encode("cp1252"))
    assert result.ok, result.errors
    assert result.encoding == "Windows-1252"
    assert any("Windows-1252" in n for n in result.notes)
    assert Student.objects.get(upn=make_upn(2)).legal_surname == "Ødegård"


def test_spreadsheet_and_oversized_files_are_refused(settings):
    assert "spreadsheet workbook" in preview("students", b"PK\x03\x04rest").file_errors[0]
    settings.ENIGMA_IMPORT_MAX_BYTES = 100
    result = preview("students", sims_file(sims_row(1), sims_row(2)))
    assert "the most Enigma accepts is" in result.file_errors[0]


def test_a_nul_byte_in_a_cell_is_that_rows_error_and_saves_nothing():
    data = sims_file(
        sims_row(1),
        sims_row(2, **{"Legal Surname": "Smi\x00th"}),
        sims_row(3, UPN=make_upn(3) + "\x00"),
    )
    result = apply("students", data)
    assert not result.ok and not result.file_errors
    assert {(e.line, e.column) for e in result.errors} == {(3, "Legal Surname"), (4, "UPN")}
    assert all("NUL character" in e.message for e in result.errors)
    assert not Student.objects.exists()


def test_nul_bytes_in_the_header_row_refuse_the_file():
    data = "Admission No,UPN".encode("utf-16-le") + b"\r\x00\n\x00"
    assert "NUL bytes" in preview("students", data).file_errors[0]


SUSPECTS = [
    "<script>alert(1)</script>",
    "'; DROP TABLE enigma_student;--",
    "Zoë Ødegård",
    "زينب",
    "שָׁלוֹם",
    "Ama\u200bni\u200d",
    "Robert'); --",
]


def test_usual_suspects_are_stored_verbatim_and_shown_escaped(client_for, ada):
    rows = [
        sims_row(n, **{"Legal Surname": s, "Preferred Name": s})
        for n, s in enumerate(SUSPECTS, start=1)
    ]
    rows.append(sims_row(99, **{"Legal Forename": "x" * 10_000}))
    rows.append(sims_row(98, **{"Legal Surname": ""}))
    data = sims_file(*rows)

    response = client_for(ada).post(
        reverse("imports:upload"),
        {"kind": "students", "file": io.BytesIO(data)},
        format="multipart",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>alert(1)" not in body
    result = response.context["result"]
    long_line, empty_line = len(SUSPECTS) + 2, len(SUSPECTS) + 3
    [long_error] = result.errors[:1]
    assert long_error.line == long_line and "10,000 characters" in long_error.message
    assert "the most Enigma can hold here is 100" in long_error.message
    assert messages_for(result, empty_line) == ["This must not be empty."]
    assert response.context["token"] is None

    good = sims_file(*rows[: len(SUSPECTS)])
    assert apply("students", good).ok
    stored = dict(Student.objects.values_list("upn", "legal_surname"))
    for n, suspect in enumerate(SUSPECTS, start=1):
        assert stored[make_upn(n)] == suspect
    assert Student.objects.count() == len(SUSPECTS)


def test_a_comma_that_shifts_columns_is_a_row_error():
    row = sims_row(1)
    row.append("extra")
    result = preview("students", sims_file(row))
    assert "double quotes" in result.errors[0].message


def test_line_numbers_are_the_files_own_lines():
    text = to_csv([SIMS_HEADER, sims_row(1, **{"Preferred Name": "Two\nlines"}), sims_row(2)])
    text = text.replace("\r\n" + ",".join(sims_row(2)), "\r\n\r\n" + ",".join(sims_row(2)))
    bad = sims_row(3, **{"Year Group": "Year 15"})
    result = preview("students", (text + ",".join(bad) + "\r\n").encode())
    assert [(e.line, e.column) for e in result.errors] == [(2, "Preferred Name"), (6, "Year Group")]
    assert "line break" in result.errors[0].message


def test_row_limit(monkeypatch):
    monkeypatch.setattr("enigma.imports.parsing.MAX_ROWS", 2)
    result = preview("students", sims_file(sims_row(1), sims_row(2), sims_row(3)))
    assert result.file_errors == ["The file has more than 2 rows; split it into smaller files."]


def test_twenty_thousand_students_import_in_batches_not_row_by_row():
    # Speed is measured by the benchmark; here the import must stay batched: its query
    # count may not grow with the number of rows.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    data = sims_file(*(sims_row(n) for n in range(1, 20_001)))
    with CaptureQueriesContext(connection) as ctx:
        result = apply("students", data)
    assert result.ok and result.created == 20_000
    assert Student.objects.count() == 20_000
    assert len(ctx.captured_queries) < 100, len(ctx.captured_queries)


# --- contacts -------------------------------------------------------------------------------

CONTACT_HEADER = [
    "UPN",
    "Contact ID",
    "Title",
    "Forename",
    "Surname",
    "Relationship",
    "Parental Responsibility",
    "Lives With",
    "Priority",
    "Mobile",
    "Email",
    "Address Line 1",
    "Town",
    "Postcode",
]


def test_contacts_import_and_reimport():
    ayo = StudentFactory(upn=make_upn(1))
    ben = StudentFactory(upn=make_upn(2), mis_id="B2")
    rows = [
        CONTACT_HEADER,
        [
            ayo.upn,
            "C1",
            "Mrs",
            "Grace",
            "Adeyemi",
            "Mother",
            "Y",
            "Y",
            "1",
            "07700 900001",
            "grace@example.org",
            "1 High St",
            "Anytown",
            "AB1 2CD",
        ],
        [ayo.upn, "", "Mr", "Tunde", "Adeyemi", "Step Father", "N", "Y", "2", "", "", "", "", ""],
        [ayo.upn, "", "", "Ife", "Adeyemi", "Godmother", "", "", "", "", "", "", "", ""],
        [ben.upn, "", "", "Pat", "Jones", "Foster Carer", "Yes", "No", "", "", "", "", "", ""],
    ]
    result = apply("contacts", to_csv(rows).encode())
    assert result.ok and result.created == 4, result.errors
    assert [(w.line, w.column) for w in result.warnings] == [(4, "Relationship")]
    assert '"Godmother"' in result.warnings[0].message and '"Other"' in result.warnings[0].message
    grace = Contact.objects.get(mis_id="C1")
    assert (grace.student, grace.relationship, grace.parental_responsibility) == (
        ayo,
        "mother",
        True,
    )
    assert grace.address == "1 High St\nAnytown\nAB1 2CD"
    assert Contact.objects.get(forename="Tunde").relationship == "step_parent"
    assert Contact.objects.get(forename="Ife").relationship == "other"
    assert Contact.objects.get(student=ben).relationship == "foster_carer"

    rows[1][9] = "07700 900999"  # matched by contact MIS id
    rows[2][9] = "07700 900002"  # matched by surname, forename and relationship
    result = apply("contacts", to_csv(rows).encode())
    assert (result.created, result.updated, result.unchanged) == (0, 2, 2), result.errors
    assert Contact.objects.count() == 4
    assert Contact.objects.get(forename="Tunde").mobile_phone == "07700 900002"


def test_contacts_for_unknown_students_and_by_admission_number():
    StudentFactory(upn=make_upn(1), mis_id="ADM9")
    rows = [
        ["Admission No", "Surname", "Relationship"],
        ["ADM9", "Smith", "Carer"],
        ["NOPE", "Jones", "Mother"],
    ]
    result = apply("contacts", to_csv(rows).encode())
    [error] = result.errors
    assert error.line == 3 and "No student in Enigma has admission number NOPE" in error.message
    assert Contact.objects.count() == 0


def test_existing_contact_without_mis_id_is_adopted_when_the_file_has_one():
    contact = ContactFactory(forename="Grace", surname="Ade", relationship="mother")
    rows = [
        ["UPN", "Contact ID", "Forename", "Surname", "Relationship"],
        [contact.student.upn, "C77", "Grace", "Ade", "Mum"],
    ]
    result = apply("contacts", to_csv(rows).encode())
    assert (result.created, result.updated) == (0, 1), result.errors
    contact.refresh_from_db()
    assert contact.mis_id == "C77"


# --- staff ---------------------------------------------------------------------------------

STAFF_HEADER = ["Staff ID", "Title", "Forename", "Surname", "Email", "Roles"]


def test_staff_import_with_roles_and_reimport(ada):
    rows = [
        STAFF_HEADER,
        ["S1", "Ms", "Claire", "Okonjo", "C.Okonjo@school.example.org", "coordinator; senco"],
        ["S2", "Mr", "Rashid", "Iqbal", "r.iqbal@school.example.org", "Class teacher"],
        ["S3", "Dr", "Dee", "Hale", "d.hale@school.example.org", ""],
    ]
    result = apply("staff", to_csv(rows).encode(), actor=ada)
    assert result.ok and result.created == 3, result.errors
    claire = User.objects.get(mis_id="S1")
    assert claire.roles == {Role.COORDINATOR, Role.SENCO}
    assert not claire.has_usable_password()
    assert (claire.is_staff, claire.is_superuser, claire.is_active) == (False, False, True)
    assert claire.display_name == "Ms Okonjo"
    assert User.objects.get(mis_id="S3").roles == frozenset()

    rows[1][4] = "claire.okonjo@school.example.org"  # found by MIS id, email changes
    rows[1][5] = "coordinator"
    rows[3][0] = ""  # found by email
    rows[3][5] = "dsl"
    result = apply("staff", to_csv(rows).encode(), actor=ada)
    assert (result.created, result.updated, result.unchanged) == (0, 2, 1), result.errors
    claire = User.objects.get(mis_id="S1")
    assert claire.email == "claire.okonjo@school.example.org"
    assert claire.roles == {Role.COORDINATOR}
    assert User.objects.get(email="d.hale@school.example.org").roles == {Role.DSL}
    assert Group.objects.get(name="senco").user_set.count() == 0
    event = AuditEvent.objects.filter(action="imports.applied").first()
    assert event.data["role_changes"] == {
        str(claire.pk): {"added": [], "removed": ["senco"]},
        str(User.objects.get(mis_id="S3").pk): {"added": ["dsl"], "removed": []},
    }


def test_staff_row_errors_and_protected_flags(ada):
    boss = UserFactory(
        email="head@school.example.org",
        is_superuser=True,
        is_staff=True,
        roles=[Role.SCHOOL_ADMIN],
        mis_id="S9",
    )
    rows = [
        STAFF_HEADER,
        ["S9", "Mr", "New", "Name", "head@school.example.org", "coordinator"],
        ["S4", "Ms", "A", "B", "dup@school.example.org", "headteacher, senco"],
        ["S5", "Ms", "C", "D", "DUP@school.example.org", ""],
        ["S6", "Ms", "E", "F", "not-an-email", ""],
    ]
    result = apply("staff", to_csv(rows).encode(), actor=ada)
    assert not result.ok
    assert any("'headteacher' is not a role" in m for m in messages_for(result, 3))
    assert any("also on line 4" in m for m in messages_for(result, 3))
    assert any("not a valid email" in m for m in messages_for(result, 5))
    assert User.objects.filter(mis_id__in=["S4", "S5", "S6"]).count() == 0

    result = apply("staff", to_csv(rows[:2]).encode(), actor=ada)
    assert result.ok, result.errors
    boss.refresh_from_db()
    assert (boss.is_superuser, boss.is_staff, boss.first_name) == (True, True, "New")
    assert boss.roles == {Role.COORDINATOR, Role.SCHOOL_ADMIN}  # school admin is kept
    assert "school admin role is kept" in result.warnings[0].message


def test_staff_reimport_queries_do_not_grow_with_the_staff_changed(ada):
    """New emails and roles taken away are written in batches, not a query per person."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(n: int, start: int) -> int:
        people = [
            UserFactory(
                mis_id=f"Q{i}",
                email=f"old{i}@school.example.org",
                roles=[Role.COORDINATOR, Role.SENCO],
            )
            for i in range(start, start + n)
        ]
        rows = [STAFF_HEADER] + [
            [p.mis_id, "Ms", "Jo", f"Person{i}", f"new{i}@school.example.org", "coordinator"]
            for i, p in enumerate(people, start=start)
        ]
        with CaptureQueriesContext(connection) as ctx:
            result = apply("staff", to_csv(rows).encode(), actor=ada)
        assert result.ok and result.updated == n, result.errors
        assert not Group.objects.get(name=Role.SENCO).user_set.filter(mis_id__startswith="Q")
        return len(ctx.captured_queries)

    assert queries_for(40, start=100) == queries_for(4, start=200)


# --- pages and command ---------------------------------------------------------------------


def test_upload_page_renders_for_the_school_admin_only(client_for, ada, tom):
    response = client_for(ada).get(reverse("imports:upload"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("<h1") == 1 and 'for="id_file"' in body and "Admission No" in body
    assert client_for(tom).get(reverse("imports:upload")).status_code == 403


def test_templates_download_and_import_cleanly(client_for, ada):
    c = client_for(ada)
    files = {}
    for kind in ("students", "contacts", "staff"):
        response = c.get(reverse("imports:template", args=[kind]))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        files[kind] = response.content
        assert len(response.content.decode("utf-8-sig").strip().splitlines()) == 2
    for kind in ("students", "contacts", "staff"):
        result = apply(kind, files[kind], actor=ada)
        assert result.ok and result.created == 1, (kind, result.errors, result.file_errors)
    assert c.get("/imports/templates/nope.csv").status_code == 404


def test_upload_preview_then_apply(client_for, ada):
    c = client_for(ada)
    data = sims_file(sims_row(1), sims_row(2))
    upload = io.BytesIO(data)
    upload.name = "year9.csv"
    response = c.post(reverse("imports:upload"), {"kind": "students", "file": upload})
    assert response.status_code == 200
    assert b"Apply this import" in response.content
    token = response.context["token"]
    assert Student.objects.count() == 0

    response = c.post(reverse("imports:apply"), {"token": token})
    assert response.status_code == 302
    assert Student.objects.count() == 2
    event = AuditEvent.objects.get(action="imports.applied")
    assert event.actor == ada
    assert {k: event.data[k] for k in ("kind", "filename", "created", "updated", "unchanged")} == {
        "kind": "students",
        "filename": "year9.csv",
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    assert len(event.data["sha256"]) == 64

    again = c.post(reverse("imports:apply"), {"token": token}, follow=True)
    assert b"expired or has already been applied" in again.content
    assert c.post(reverse("imports:apply"), {"token": "../../etc/passwd"}).status_code == 302


def test_apply_checks_the_file_again(client_for, ada):
    c = client_for(ada)
    upload = io.BytesIO(sims_file(sims_row(1), sims_row(2)))
    upload.name = "s.csv"
    token = c.post(reverse("imports:upload"), {"kind": "students", "file": upload}).context["token"]
    StudentFactory(upn=make_upn(50), mis_id="000002")  # now row 3 points at two students
    StudentFactory(upn=make_upn(2), mis_id="other")
    response = c.post(reverse("imports:apply"), {"token": token})
    assert response.status_code == 200
    assert "Nothing was saved" in response.content.decode()
    assert Student.objects.count() == 2
    assert not AuditEvent.objects.filter(action="imports.applied").exists()


def test_management_command_dry_run_apply_and_errors(tmp_path):
    path = tmp_path / "students.csv"
    path.write_bytes(sims_file(sims_row(1), sims_row(2)))
    out = io.StringIO()
    call_command("import_mis", "students", str(path), stdout=out)
    assert "2 would be added" in out.getvalue() and "Dry run" in out.getvalue()
    assert Student.objects.count() == 0

    call_command("import_mis", "students", str(path), "--apply", stdout=io.StringIO())
    assert Student.objects.count() == 2
    assert AuditEvent.objects.get(action="imports.applied").actor_label == "manage.py import_mis"

    path.write_bytes(sims_file(sims_row(3, **{"Year Group": "Year 19"})))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_mis", "students", str(path), "--apply", stdout=io.StringIO(), stderr=err
        )
    assert "Line 2 (Year Group)" in err.getvalue()
    assert Student.objects.count() == 2
