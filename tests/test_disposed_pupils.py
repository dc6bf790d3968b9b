"""A pupil whose remaining record was disposed of (disclosure/retention: the row stays,
anonymised, because the blanked entries' chain names it by id) is listed, searched and
offered nowhere; wherever their row is still reached they are "Pupil N (record disposed
of)", never a blank name; their page says when the record was disposed of."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from enigma.models import AuditEvent, Student
from enigma.selectors.students import DirectoryFilters, student_directory
from records.views.pick import involve_matches
from tests.factories import StudentFactory
from tests.test_pupil_record_retention import dispose, leaver

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("student_directory")


@pytest.fixture
def disposed(personas) -> Student:
    amy = leaver(legal_forename="Zebedee", legal_surname="Quillfeather")
    dispose(amy, personas["dina"], personas["ada"])
    amy.refresh_from_db()
    assert amy.record_disposed_at is not None
    return amy


def test_a_disposed_pupil_is_named_by_id_never_blank(disposed):
    assert str(disposed) == disposed.name == f"Pupil {disposed.pk} (record disposed of)"
    kept = StudentFactory(legal_forename="Kept", legal_surname="Here")
    assert str(kept) == "Kept Here"


def test_the_directory_lists_leavers_but_not_a_disposed_pupil(disposed, client_for, personas):
    other = leaver(legal_forename="Still", legal_surname="Kept")
    response = client_for(personas["cora"]).get(DIRECTORY, {"off_roll": "on"})
    shown = list(response.context["students"])
    assert other in shown and disposed not in shown
    assert f"Pupil {disposed.pk}" not in response.content.decode()


def test_no_search_finds_a_disposed_pupil_not_even_by_its_placeholder_upn(disposed, personas):
    cora = personas["cora"]
    for q in (disposed.upn, str(disposed.pk), "Pupil"):
        found = student_directory(cora, DirectoryFilters(q=q, include_off_roll=True))
        assert disposed not in found, q
    assert Student.objects.search(disposed.upn).filter(pk=disposed.pk).exists()  # it would
    # The entry form's picker and "Record a concern" use the same list.
    assert disposed not in involve_matches(cora, StudentFactory(), disposed.upn, [])[0]


def test_the_export_leaves_a_disposed_pupil_out(disposed, client_for, personas):
    other = leaver(legal_forename="Still", legal_surname="Kept")
    client = client_for(personas["ada"])
    response = client.get(reverse("student_directory_export"), {"off_roll": "on"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    upns = {row[0] for row in rows[1:]}
    assert other.upn in upns and disposed.upn not in upns


def test_their_page_says_the_record_was_disposed_of_and_when(disposed, client_for, personas):
    response = client_for(personas["cora"]).get(reverse("student_detail", args=[disposed.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    day = timezone.localtime(disposed.record_disposed_at).strftime("%a %-d %b %Y")
    assert f"This pupil's record was disposed of on {day}" in html
    assert f"Pupil {disposed.pk} (record disposed of)" in html
    assert "Date of birth" not in html and "Zebedee" not in html
    viewed = AuditEvent.objects.filter(student=disposed).latest("pk")
    assert viewed.object_repr == f"Pupil {disposed.pk} (record disposed of)"


def test_the_admin_neither_lists_nor_opens_a_disposed_pupil(disposed, client_for, personas):
    admin = client_for(personas["ada"])
    kept = leaver(legal_forename="Still", legal_surname="Kept")
    listing = admin.get(reverse("admin:enigma_student_changelist"), {"on_roll__exact": "0"})
    assert listing.status_code == 200
    shown = {s.pk for s in listing.context["cl"].result_list}
    assert kept.pk in shown and disposed.pk not in shown
    # Its change page is not offered: an edit would put words back on a disposed record.
    response = admin.get(reverse("admin:enigma_student_change", args=[disposed.pk]))
    assert response.status_code == 302 and "admin" in response["Location"]
    assert admin.get(reverse("admin:enigma_student_change", args=[kept.pk])).status_code == 200


def test_a_disposed_pupils_other_tabs_are_not_found(disposed, client_for, personas):
    kept = leaver(legal_forename="Still", legal_surname="Kept")
    tabs = [
        ("records:student_file", personas["dina"]),
        ("records:chronology_print", personas["dina"]),
        ("records:chronology_csv", personas["dina"]),
        ("records:retention_holds", personas["dina"]),
        ("disclosure:student", personas["dina"]),
        ("timetables:student_timetable", personas["cora"]),
        ("referrals:student_placements", personas["cora"]),
    ]
    for name, person in tabs:
        client = client_for(person)
        assert client.get(reverse(name, args=[kept.pk])).status_code == 200, name
        # What is left of them is an anonymised row with nothing to show under a tab;
        # their page says what became of the record.
        assert client.get(reverse(name, args=[disposed.pk])).status_code == 404, name
