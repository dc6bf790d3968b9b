import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from stdnum.gb import upn as stdnum_upn

from devtools.demo.school import make_upn
from enigma.validators import (
    LOCAL_AUTHORITIES_FILE,
    local_authorities,
    normalise_upn,
    upn_warnings,
    validate_upn,
)


def message(value):
    with pytest.raises(ValidationError) as exc:
        validate_upn(value)
    return exc.value.messages[0]


def test_a_valid_upn_passes():
    validate_upn(make_upn(1))
    validate_upn(make_upn(1).lower())  # case does not matter
    validate_upn("B801200005001")


def test_wrong_check_letter_says_which_letter_was_expected():
    good = make_upn(42)
    wrong = ("A" if good[0] != "A" else "B") + good[1:]
    text = message(wrong)
    assert f"should be {good[0]}, not {wrong[0]}" in text


def test_wrong_length_says_how_long_it_is():
    assert "13 characters; this one has 12" in message("B80120000500")


def test_letters_in_the_middle_are_a_format_error():
    assert "11 digits" in message("B80120000X001")


def upn_for(la: str, rest: str = "200005001") -> str:
    body = la + rest
    return stdnum_upn.calc_check_digit(body) + body


def test_an_unlisted_local_authority_is_a_warning_never_a_refusal():
    upn = upn_for("999")
    validate_upn(upn)
    [warning] = upn_warnings(upn)
    assert "(999) are not a local authority number Enigma knows" in warning
    assert upn_warnings(upn_for("801")) == []


# Made since python-stdnum's list of 2011 (the new numbers) or kept their number through
# a reorganisation; checked against GIAS's LA codes.
SINCE_2011 = {
    "838": "Dorset",
    "839": "Bournemouth, Christchurch and Poole",
    "825": "Buckinghamshire",
    "940": "North Northamptonshire",
    "941": "West Northamptonshire",
    "942": "Cumberland",
    "943": "Westmorland and Furness",
    "815": "North Yorkshire",
    "933": "Somerset",
}


@pytest.mark.parametrize(("la", "name"), SINCE_2011.items())
def test_authorities_made_since_2011_are_known(la, name):
    validate_upn(upn_for(la))
    assert upn_warnings(upn_for(la)) == []
    assert local_authorities()[la] == name


def test_no_authority_of_the_2011_list_is_lost_and_the_file_names_its_source():
    assert {f"{n:03d}" for n in stdnum_upn._la_numbers} <= set(local_authorities())
    header = LOCAL_AUTHORITIES_FILE.read_text().split("\ncode,name\n")[0]
    assert "Get Information About Schools" in header and "Compiled for Enigma on" in header


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("b801200005001", "B801200005001"),
        ("B801 2000 05001", "B801200005001"),
        (" b 801\t2000\u00a005001 ", "B801200005001"),
    ],
)
def test_one_normal_form_upper_case_without_whitespace(typed, stored):
    assert normalise_upn(typed) == stored
    validate_upn(typed)


def test_the_check_letter_and_format_stay_strict():
    good = upn_for("940")
    wrong = ("A" if good[0] != "A" else "B") + good[1:]
    assert "should be" in message(wrong)
    assert "11 digits" in message(good[:5] + "X" + good[6:])
    assert "13 characters" in message(good + "1")


@given(st.integers(min_value=0, max_value=999_999))
def test_every_generated_demo_upn_is_valid(serial):
    validate_upn(make_upn(serial))


@given(st.text(max_size=20))
def test_arbitrary_text_is_refused_or_accepted_never_crashes(text):
    try:
        validate_upn(text)
    except ValidationError as exc:
        assert exc.messages


# --- one pupil, however the UPN is typed ------------------------------------------------

pg = pytest.mark.django_db


def _admin_add(client, **fields):
    """Post the admin's add-student form with its own defaults and these fields."""
    from django.urls import reverse

    from tests.test_input_walk import forms_in

    url = reverse("admin:enigma_student_add")
    page = client.get(url).content.decode()
    form = next(f for f in forms_in(page, url) if "upn" in f["fields"])
    data = {k: v for k, v in form["fields"].items() if v is not None}
    data.update(
        legal_forename="Ann",
        legal_surname="Okafor",
        date_of_birth="2012-09-01",
        year_group="9",
        gender="F",
        sen_status="N",
        **fields,
    )
    return client.post(url, data, follow=True)


@pg
def test_the_admin_stores_a_upn_typed_in_lower_case_with_spaces_in_its_normal_form(client_for, ada):
    from enigma.models import Student

    response = _admin_add(client_for(ada), upn="b801 2000 05001")
    assert response.status_code == 200
    assert Student.objects.get().upn == "B801200005001"


@pg
def test_the_admin_refuses_a_second_pupil_whose_upn_differs_only_in_case(client_for, ada):
    from enigma.models import Student
    from tests.factories import StudentFactory

    StudentFactory(upn="B801200005001")
    response = _admin_add(client_for(ada), upn="b801200005001")
    assert "Student with this UPN already exists." in response.content.decode()
    assert Student.objects.count() == 1


@pg
def test_the_admin_warns_of_an_unlisted_local_authority_and_keeps_the_pupil(client_for, ada):
    from enigma.models import Student

    response = _admin_add(client_for(ada), upn=upn_for("999"))
    assert "(999) are not a local authority number Enigma knows" in response.content.decode()
    assert Student.objects.get().upn == upn_for("999")


@pg
def test_a_pupil_added_in_the_admin_is_the_same_pupil_the_import_updates(client_for, ada):
    from enigma.imports.services import import_apply
    from enigma.models import Student
    from tests.test_imports import SIMS_HEADER, sims_row, to_csv

    _admin_add(client_for(ada), upn="b801 2000 05001")
    row = sims_row(1, UPN="B801200005001", **{"Reg Group": "9Z"})
    result = import_apply("students", to_csv([SIMS_HEADER, row]).encode(), "s.csv")
    assert result.ok, result.errors
    assert (result.created, result.updated) == (0, 1)
    assert list(Student.objects.values_list("upn", "tutor_group")) == [("B801200005001", "9Z")]


@pg
@pytest.mark.parametrize("la", ["940", "942", "999"])
def test_a_school_in_a_new_authority_imports_its_own_pupils(la):
    from enigma.imports.services import import_apply, import_preview
    from enigma.models import Student
    from tests.test_imports import SIMS_HEADER, sims_row, to_csv

    data = to_csv([SIMS_HEADER, sims_row(1, UPN=upn_for(la).lower())]).encode()
    preview = import_preview("students", data, "s.csv")
    assert preview.ok, preview.errors
    warnings = [w.message for w in preview.warnings if w.line == 2]
    assert bool(warnings) == (la == "999")
    assert import_apply("students", data, "s.csv").ok
    assert Student.objects.get().upn == upn_for(la)


@pg
def test_every_path_stores_the_normal_form():
    from enigma.models import Student
    from tests.factories import StudentFactory

    made = StudentFactory(upn="b801 2000 05001")
    assert Student.objects.get(pk=made.pk).upn == "B801200005001"
    other = StudentFactory.build(upn=" " + upn_for("940").lower())
    Student.objects.bulk_create([other])
    assert Student.objects.filter(upn=upn_for("940")).exists()


@pg
@pytest.mark.parametrize("stored", ["b801200005001", "B801 200005001", "B801200005001\t"])
def test_postgresql_refuses_a_upn_not_in_its_normal_form(stored):
    from tests.db import refused
    from tests.factories import StudentFactory

    student = StudentFactory()
    assert refused("UPDATE enigma_student SET upn = %s WHERE id = %s", [stored, student.pk])
    assert not refused(
        "UPDATE enigma_student SET upn = %s WHERE id = %s", ["B801200005001", student.pk]
    )


# --- the migration that brings stored UPNs into their normal form ------------------------


def _migration():
    import importlib

    return importlib.import_module("enigma.migrations.0005_upn_normal_form")


@pytest.fixture
def unchecked(transactional_db):
    """Rows as the admin used to store them. Lifting the check is DDL, which only the
    owner role may run, so this is a transactional test: the owner drops the check, and
    puts it back afterwards (with the test's rows made normal and unique first)."""
    from tests.db import owner_cursor

    with owner_cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = %s",
            ["upn_is_normalised"],
        )
        (definition,) = cursor.fetchone()
        cursor.execute("ALTER TABLE enigma_student DROP CONSTRAINT upn_is_normalised")
    yield
    with owner_cursor() as cursor:
        cursor.execute(
            "UPDATE enigma_student SET upn = 'T' || lpad(id::text, 12, '0')"
            " WHERE upn <> upper(regexp_replace(upn, '\\s', '', 'g'))"
        )
        cursor.execute(f"ALTER TABLE enigma_student ADD CONSTRAINT upn_is_normalised {definition}")


def _store(student, upn):
    """As typed: raw SQL, since the ORM normalises every value it sends (get_prep_value)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE enigma_student SET upn = %s WHERE id = %s", [upn, student.pk])


def _stored(student) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT upn FROM enigma_student WHERE id = %s", [student.pk])
        return cursor.fetchone()[0]


def test_the_migration_normalises_stored_upns(unchecked):
    from django.apps import apps

    from tests.factories import StudentFactory

    a, b = StudentFactory(), StudentFactory()
    _store(a, "b801200005001")
    _migration().normalise_existing(apps, None)
    assert (_stored(a), _stored(b)) == ("B801200005001", b.upn)


def test_the_migration_stops_and_names_two_pupils_it_would_merge(unchecked):
    from django.apps import apps

    from tests.factories import StudentFactory

    a = StudentFactory(upn="B801200005001", legal_surname="Okafor", legal_forename="Ann")
    b = StudentFactory(legal_surname="Okafor", legal_forename="Anne")
    _store(b, "b801200005001")
    migration = _migration()
    with pytest.raises(migration.DuplicatePupils) as error:
        migration.normalise_existing(apps, None)
    text = str(error.value)
    assert f"student {a.pk} (Okafor, Ann) stored as 'B801200005001'" in text
    assert f"student {b.pk} (Okafor, Anne) stored as 'b801200005001'" in text
    assert _stored(b) == "b801200005001", "nothing changed"
