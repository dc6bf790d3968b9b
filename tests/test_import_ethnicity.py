"""Ethnicity from the MIS student import: the DfE code, its description or both; blank is
not recorded; anything else is that row's error. Shown on the student's details."""

import pytest
from django.urls import reverse

from enigma.imports import fields
from enigma.models import Student
from tests.factories import LinkFactory, StudentFactory
from tests.test_imports import SIMS_HEADER, apply, messages_for, sims_row, to_csv


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("WBRI", "WBRI"),
        ("mwas", "MWAS"),
        ("White - British", "WBRI"),
        ("White British", "WBRI"),
        ("WBRI - White - British", "WBRI"),
        ("BAFR: Black African", "BAFR"),
        ("Black - African", "BAFR"),
        ("Asian or Asian British - Pakistani", "APKN"),
        ("Chinese", "CHNE"),
        ("Gypsy / Roma", "WROM"),
        ("Mixed - White and Black Caribbean", "MWBC"),
        ("Any other ethnic group", "OOTH"),
        ("Information refused", "REFU"),
        ("Information not yet obtained", "NOBT"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_codes_and_descriptions_are_read(cell, code):
    assert fields.ethnicity(cell) == code


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("Martian", "not an ethnicity Enigma knows"),
        ("WXYZ", "not an ethnicity Enigma knows"),
        ("White", "not an ethnicity Enigma knows"),
        ("WBRI - Indian", "are different ethnicities"),
    ],
)
def test_unknown_or_contradictory_values_are_refused_with_a_reason(cell, words):
    with pytest.raises(fields.CellError) as refused:
        fields.ethnicity(cell)
    assert words in str(refused.value)


def ethnic_file(header: str, *values: str) -> bytes:
    rows = [[*sims_row(n + 1), value] for n, value in enumerate(values)]
    return to_csv([[*SIMS_HEADER, header], *rows]).encode()


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Ethnicity", "Ethnic Code", "Ethnicity Code", "ethnic_origin"])
def test_the_import_stores_the_code_under_any_usual_header(header):
    result = apply("students", ethnic_file(header, "WBRI", "Black - African", ""))
    assert result.ok, result.errors
    stored = dict(Student.objects.values_list("legal_surname", "ethnicity"))
    assert stored == {"Surname1": "WBRI", "Surname2": "BAFR", "Surname3": ""}


@pytest.mark.django_db
def test_a_value_it_does_not_know_is_that_rows_error_and_nothing_is_written():
    result = apply("students", ethnic_file("Ethnicity", "WBRI", "Klingon"))
    assert not result.ok and not result.applied
    [error] = result.errors
    assert (error.line, error.column) == (3, "Ethnicity")
    assert '"Klingon" is not an ethnicity' in messages_for(result, 3)[0]
    assert not Student.objects.exists()


@pytest.mark.django_db
def test_a_file_without_the_column_leaves_ethnicity_as_it_was():
    apply("students", ethnic_file("Ethnicity", "AIND"))
    from tests.test_imports import sims_file

    result = apply("students", sims_file(sims_row(1, **{"Year Group": "Year 10"})))
    assert result.ok
    student = Student.objects.get()
    assert (student.year_group, student.ethnicity) == (10, "AIND")


@pytest.mark.django_db
def test_the_details_show_ethnicity_or_not_recorded(tom, client_for):
    known = StudentFactory(ethnicity="MWAS")
    unknown = StudentFactory(ethnicity="")
    for student in (known, unknown):
        LinkFactory(student=student, staff=tom, relationship="class_teacher")
    client = client_for(tom)
    page = client.get(reverse("student_detail", args=[known.pk])).content.decode()
    assert "White and Asian" in page and "(MWAS)" in page
    page = client.get(reverse("student_detail", args=[unknown.pk])).content.decode()
    assert "<dt>Ethnicity</dt><dd>Not recorded</dd>" in page
