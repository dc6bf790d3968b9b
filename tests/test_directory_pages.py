"""The directory's later pages (issue 15): the rows skipped to reach a page are counted
off an index, not read from the table, and the page still lists the same pupils in the
same order as the first pages do."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enigma.models import Student
from enigma.selectors.students import DIRECTORY_PAGE_SIZE
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def roll():
    StudentFactory.create_batch(2 * DIRECTORY_PAGE_SIZE + 7, year_group=9)
    StudentFactory.create_batch(20, year_group=10, sen_status=Student.SenStatus.SEN_SUPPORT)
    StudentFactory.create_batch(5, on_roll=False)


def _listed(client, params):
    response = client.get(reverse("student_directory"), params)
    assert response.status_code == 200
    return [s.pk for s in response.context["students"]]


@pytest.mark.parametrize(
    ("params", "wanted"),
    [
        ({}, Student.objects.filter(on_roll=True)),
        ({"year": 9}, Student.objects.filter(on_roll=True, year_group=9)),
        ({"off_roll": "on"}, Student.objects.all()),
        ({"year": 10, "sen": "K"}, Student.objects.filter(on_roll=True, year_group=10)),
    ],
)
def test_every_page_lists_the_next_pupils_in_order(roll, client_for, cora, params, wanted):
    client = client_for(cora)
    expected = list(
        wanted.order_by("legal_surname", "legal_forename", "pk").values_list("pk", flat=True)
    )
    pages = -(-len(expected) // DIRECTORY_PAGE_SIZE)
    listed = [pk for n in range(1, pages + 1) for pk in _listed(client, {**params, "page": n})]
    assert listed == expected


def test_a_search_keeps_its_best_first_order_on_a_later_page(client_for, cora):
    StudentFactory.create_batch(DIRECTORY_PAGE_SIZE + 3, legal_surname="Smithson")
    exact = StudentFactory(legal_surname="Adams", tutor_group="SMITH")
    client = client_for(cora)
    first = _listed(client, {"q": "smith"})
    second = _listed(client, {"q": "smith", "page": 2})
    assert first[0] == exact.pk
    assert len(first) == DIRECTORY_PAGE_SIZE and len(second) == 4
    assert not set(first) & set(second)


def test_a_later_page_reads_only_its_own_rows(roll, client_for, cora):
    client = client_for(cora)
    url = reverse("student_directory")
    client.get(url, {"page": 2})
    with CaptureQueriesContext(connection) as ctx:
        client.get(url, {"page": 2})
    rows = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith('SELECT "enigma_student"."id", "enigma_student"."upn"')
    ]
    assert len(rows) == 1
    # The offset is taken in a subquery of keys alone; the outer query reads 50 rows.
    outer, keys = rows[0].split(" IN (SELECT ", 1)
    assert "OFFSET" not in outer
    assert f"LIMIT {DIRECTORY_PAGE_SIZE} OFFSET {DIRECTORY_PAGE_SIZE}" in keys
    assert keys.startswith('U0."id"')


def test_the_names_link_to_each_file_at_the_cost_of_no_reverse_per_row(
    roll, client_for, cora, monkeypatch
):
    import django.urls.base as urls_base

    from enigma import registry

    landing = registry.collected().student_landing
    client = client_for(cora)
    url = reverse("student_directory")
    client.get(url)
    reversed_names = []
    real_reverse = urls_base.reverse

    def counting_reverse(viewname, *args, **kwargs):
        reversed_names.append(viewname)
        return real_reverse(viewname, *args, **kwargs)

    monkeypatch.setattr("enigma.links.reverse", counting_reverse)
    monkeypatch.setattr("enigma.templatetags.enigma_nav.reverse", counting_reverse)
    response = client.get(url)
    text = response.content.decode()
    students = list(response.context["students"])
    assert len(students) == DIRECTORY_PAGE_SIZE
    for student in students:
        assert f'<a href="{real_reverse(landing, args=[student.pk])}">' in text
    assert landing not in reversed_names


def test_the_flags_are_rendered_once_per_combination_and_shown_on_every_row(client_for, cora):
    looked_after = StudentFactory.create_batch(3, looked_after=True, eal=True)
    plain = StudentFactory.create_batch(DIRECTORY_PAGE_SIZE - 10)
    premium = StudentFactory.create_batch(7, pupil_premium=True, free_school_meals=True)
    response = client_for(cora).get(reverse("student_directory"))
    text = response.content.decode()
    rendered = [t.name for t in response.templates].count("enigma/students/_flags.html")
    assert rendered == 3  # not one per row
    rows = text.split("<tr>")[2:]
    assert len(rows) == DIRECTORY_PAGE_SIZE
    by_name = {}
    for row in rows:
        for s in looked_after + plain + premium:
            if f"/{s.pk}/" in row:
                by_name[s.pk] = row
    lac = '<li class="tag tag--purple" title="Looked after">LAC</li>'
    eal = '<li class="tag tag--green" title="English as an additional language">EAL</li>'
    pp = '<li class="tag tag--blue" title="Pupil premium">PP</li>'
    assert all(lac in by_name[s.pk] and eal in by_name[s.pk] for s in looked_after)
    assert all(pp in by_name[s.pk] and lac not in by_name[s.pk] for s in premium)
    assert all('<ul class="flags"></ul>' in by_name[s.pk] for s in plain)
