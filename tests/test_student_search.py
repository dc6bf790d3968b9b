"""Student search without pg_trgm: the exact UPN (or MIS id, or tutor group) first, then
names starting with what was typed, then every word starting a word of the names
(PostgreSQL full-text search); a page at a time; each test reads an index."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from enigma.models import Student
from enigma.selectors.students import DIRECTORY_PAGE_SIZE
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db
DIRECTORY = reverse("student_directory")


def names(response) -> list[str]:
    return [s.name for s in response.context["students"]]


def test_the_exact_upn_comes_first_then_names_starting_with_it_then_other_words(client_for, cora):
    contains = StudentFactory(legal_forename="Aaron", legal_surname="Goldsmith")
    word = StudentFactory(legal_forename="Aaron", legal_surname="Hart-Smith")
    prefix = StudentFactory(legal_forename="Zoe", legal_surname="Smithers")
    by_upn = StudentFactory(legal_forename="Zed", legal_surname="Young")
    client = client_for(cora)
    found = client.get(DIRECTORY, {"q": "smith"})
    # "Goldsmith" has "smith" inside a word, not at the start of one: not a match.
    assert names(found) == [prefix.name, word.name]
    assert contains.name not in names(found)
    upn = client.get(DIRECTORY, {"q": by_upn.upn.lower()})
    assert names(upn) == [by_upn.name]


def test_exact_beats_prefix_beats_a_later_word_whatever_the_alphabet(client_for, cora):
    later_word = StudentFactory(legal_forename="Aaron", legal_surname="Abbot-Ash")
    prefix = StudentFactory(legal_forename="Ashley", legal_surname="Moss")
    exact = StudentFactory(legal_forename="Zed", legal_surname="Young", tutor_group="Ash")
    StudentFactory(legal_forename="Amy", legal_surname="Cash", tutor_group="Ash1")
    found = client_for(cora).get(DIRECTORY, {"q": "ASH"})
    assert names(found) == [exact.name, prefix.name, later_word.name]
    ranked = Student.objects.search("ash").order_by("search_rank", "legal_surname")
    assert [s.search_rank for s in ranked] == [0, 1, 2]


def test_several_words_each_start_a_word_of_the_names_in_any_order(client_for, cora):
    jo = StudentFactory(legal_forename="Joanna", legal_surname="Smith")
    preferred = StudentFactory(
        legal_forename="Elizabeth", legal_surname="Smith", preferred_forename="Jo"
    )
    StudentFactory(legal_forename="Joanna", legal_surname="Brown")
    StudentFactory(legal_forename="Sam", legal_surname="Smith")
    client = client_for(cora)
    assert sorted(names(client.get(DIRECTORY, {"q": "jo smi"}))) == sorted(
        [jo.name, preferred.name]
    )
    assert sorted(names(client.get(DIRECTORY, {"q": "SMITH   jo"}))) == sorted(
        [jo.name, preferred.name]
    )
    # A name's own punctuation splits words, as it does in what was typed.
    obrien = StudentFactory(legal_forename="Ciara", legal_surname="O'Brien")
    assert names(client.get(DIRECTORY, {"q": "o'brien"})) == [obrien.name]
    assert names(client.get(DIRECTORY, {"q": "brien ci"})) == [obrien.name]


@pytest.mark.parametrize("text", ["smith & !", "a:*|b", "'); --", "&", "(((", "\\", "_%"])
def test_full_text_syntax_in_a_query_is_just_text(text, client_for, cora):
    StudentFactory(legal_forename="Amy", legal_surname="Smith")
    response = client_for(cora).get(DIRECTORY, {"q": text})
    assert response.status_code == 200


def test_search_results_are_a_page_at_a_time(client_for, cora):
    StudentFactory.create_batch(DIRECTORY_PAGE_SIZE + 3, legal_surname="Patel")
    last = StudentFactory(legal_forename="Zzara", legal_surname="Patel")
    response = client_for(cora).get(DIRECTORY, {"q": "patel"})
    assert len(response.context["students"]) == DIRECTORY_PAGE_SIZE
    assert last.name not in response.content.decode()
    second = client_for(cora).get(DIRECTORY, {"q": "patel", "page": 2})
    assert last.name in names(second)
    # Counted with the page's rows (enigma.paging), as Paginator counted them; a page
    # past the end, or not a number, reads as Paginator.get_page reads it.
    for page, shown in ((1, 1), (2, 2), ("99", 2), ("x", 1)):
        found = client_for(cora).get(DIRECTORY, {"q": "patel", "page": page}).context["page"]
        assert found.paginator.count == DIRECTORY_PAGE_SIZE + 4
        assert (found.number, found.paginator.num_pages) == (shown, 2)


def test_linked_staff_search_only_their_own_students(client_for, tom):
    from tests.factories import LinkFactory

    mine = StudentFactory(legal_surname="Smith")
    LinkFactory(student=mine, staff=tom)
    StudentFactory(legal_surname="Smith")
    assert names(client_for(tom).get(DIRECTORY, {"q": "smith"})) == [mine.name]


def _plan(text: str) -> str:
    qs = Student.objects.search(text).order_by("search_rank", "legal_surname")
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    "text,indexes",
    [
        ("smi", ["student_surname_prefix", "student_forename_prefix", "student_name_words"]),
        ("jo smith", ["student_name_words", "enigma_student_upn"]),
        ("A123456789012", ["enigma_student_upn", "student_mis_id_upper", "student_tutor_group"]),
    ],
)
def test_each_part_of_a_search_can_read_an_index(text, indexes):
    """With sequential scans priced out, the plan reads every branch from an index: no
    branch of the search forces a scan of the whole roll. (`make bench`-sized figures,
    where the planner chooses freely, come from `manage.py explain_search`.)"""
    StudentFactory.create_batch(5)
    plan = _plan(text)
    assert "Seq Scan" not in plan
    for index in indexes:
        assert index in plan, plan


def test_a_deep_directory_page_can_skip_its_rows_in_the_index_alone(cora):
    """A later page's keys are picked from student_on_roll_order alone (index-only) only
    if it holds every column the key query reads: it carries record_disposed_at, so
    leaving disposed pupils out (with_record) needs no visit to the table for each row
    skipped (page 200: 10,000 of them, ~12 ms on the bench school). The plan itself is
    the planner's choice on a full table (`make bench`), not on a test's few rows."""
    import re

    from enigma.selectors.students import DirectoryFilters, student_directory

    keys = student_directory(cora, DirectoryFilters()).values("pk")[50:100]
    sql, _params = keys.query.sql_with_params()
    read = set(re.findall(r'"enigma_student"\."(\w+)"', sql))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef('student_on_roll_order'::regclass)")
        (definition,) = cursor.fetchone()
    covered = set(re.findall(r"\b(\w+)\b", definition.split(" USING ", 1)[1]))
    assert {"record_disposed_at", "on_roll", "legal_surname", "id"} <= read
    assert read <= covered, definition
