"""Finding a student to record about: the header's "Record a concern" and its search (as
one types with htmx, and as a plain form without JavaScript), and the entry form's "Other
students involved" picker, which checks what it is sent exactly as the multi-select did."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from records.models import Category, Entry
from tests.factories import LinkFactory, StudentFactory

pytestmark = pytest.mark.django_db

PICK = "records:record_pick"


def _concern_url(student):
    return reverse("records:entry_add", args=[student.pk]) + "?kind=concern"


def test_the_header_offers_record_a_concern_with_its_shortcut(client_for, cora):
    html = client_for(cora).get(reverse("student_directory")).content.decode()
    assert f'href="{reverse(PICK)}"' in html
    assert 'aria-keyshortcuts="Alt+Shift+R"' in html
    page = client_for(cora).get(reverse(PICK)).content.decode()
    assert "<kbd>Alt</kbd>+<kbd>Shift</kbd>+<kbd>R</kbd>" in page


def test_the_search_finds_by_name_best_first_and_links_to_the_concern_form(client_for, cora):
    ruby = StudentFactory(legal_forename="Ruby", legal_surname="Quill", tutor_group="9Q")
    rubens = StudentFactory(legal_forename="Amir", legal_surname="Rubens")
    StudentFactory(legal_forename="Zed", legal_surname="Other")
    StudentFactory(legal_forename="Ruby", legal_surname="Gone", on_roll=False)
    response = client_for(cora).get(reverse(PICK), {"q": "rub"})
    page = response.context["page"]
    assert {s.pk for s in page.object_list} == {ruby.pk, rubens.pk}  # on roll only
    html = response.content.decode()
    assert f'href="{escape(_concern_url(ruby))}"' in html
    assert "2 students match" in html


def test_as_one_types_only_the_results_come_back(client_for, cora):
    ruby = StudentFactory(legal_forename="Ruby", legal_surname="Quill")
    response = client_for(cora).get(
        reverse(PICK), {"q": "ruby"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="pick-results"
    )
    html = response.content.decode()
    assert "<h1" not in html and "<html" not in html
    assert escape(_concern_url(ruby)) in html
    assert 'id="pick-status" hx-swap-oob="innerHTML"' in html and "1 student matches" in html


def test_the_search_is_paged(client_for, cora):
    for n in range(23):
        StudentFactory(legal_forename="Pat", legal_surname=f"Page{n:02d}")
    client = client_for(cora)
    first = client.get(reverse(PICK), {"q": "pat"}).context["page"]
    third = client.get(reverse(PICK), {"q": "pat", "page": 3}).context["page"]
    assert len(first.object_list) == 10 and len(third.object_list) == 3
    assert first.paginator.count == 23


def test_a_teacher_finds_only_the_students_they_may_see(client_for, tom):
    mine = StudentFactory(legal_forename="Kofi", legal_surname="Mine")
    StudentFactory(legal_forename="Kofi", legal_surname="Notmine")
    LinkFactory(student=mine, staff=tom)
    page = client_for(tom).get(reverse(PICK), {"q": "kofi"}).context["page"]
    assert [s.pk for s in page.object_list] == [mine.pk]


def test_no_query_lists_nobody(client_for, cora):
    StudentFactory()
    response = client_for(cora).get(reverse(PICK))
    assert response.context["page"] is None


# --- other students involved ----------------------------------------------------------


def _post(**extra):
    return {
        "occurred_at": (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "category": Category.objects.get(name="Peer relationships").pk,
        "summary": "Argument in the lunch queue",
        "account": "Typed account",
        "actions-TOTAL_FORMS": "1",
        "actions-INITIAL_FORMS": "0",
    } | extra


def test_the_form_no_longer_lists_every_pupil(client_for, cora):
    student = StudentFactory()
    bystander = StudentFactory(legal_forename="Bystander", legal_surname="Unlisted")
    html = client_for(cora).get(_concern_url(student)).content.decode()
    assert "Unlisted" not in html and f'value="{bystander.pk}"' not in html
    assert 'id="involve-q"' in html


def test_involve_search_matches_others_not_the_student_nor_those_chosen(client_for, cora):
    student = StudentFactory(legal_forename="Kai", legal_surname="Main")
    chosen = StudentFactory(legal_forename="Kai", legal_surname="Chosen")
    other = StudentFactory(legal_forename="Kai", legal_surname="Other")
    url = reverse("records:involve_search", args=[student.pk])
    response = client_for(cora).get(url, {"involve_q": "kai", "also_involves": [chosen.pk]})
    assert [s.pk for s in response.context["matches"]] == [other.pk]
    assert f'name="involve_add" value="{other.pk}"' in response.content.decode()


def test_involve_search_is_refused_for_a_student_one_may_not_see(client_for, tom):
    student = StudentFactory()
    url = reverse("records:involve_search", args=[student.pk])
    assert client_for(tom).get(url, {"involve_q": "a"}).status_code == 404


def test_without_javascript_find_add_and_remove_keep_what_was_typed(client_for, cora):
    student = StudentFactory()
    peer = StudentFactory(legal_forename="Lena", legal_surname="Peer")
    third = StudentFactory(legal_forename="Omar", legal_surname="Third")
    client = client_for(cora)
    url = _concern_url(student)

    found = client.post(url, _post(involve_q="lena", involve_find="1"))
    assert found.status_code == 200 and not Entry.objects.exists()
    html = found.content.decode()
    assert f'name="involve_add" value="{peer.pk}"' in html
    assert "Typed account" in html and "field__error" not in html

    added = client.post(url, _post(involve_add=str(peer.pk), also_involves=[third.pk]))
    assert [s.pk for s in added.context["chosen"]] == [third.pk, peer.pk]
    assert f'name="also_involves" value="{peer.pk}"' in added.content.decode()

    removed = client.post(
        url, _post(involve_remove=str(third.pk), also_involves=[third.pk, peer.pk])
    )
    assert [s.pk for s in removed.context["chosen"]] == [peer.pk]
    assert not Entry.objects.exists()

    recorded = client.post(url, _post(also_involves=[peer.pk]))
    assert recorded.status_code == 302
    assert set(Entry.objects.get().students.all()) == {student, peer}


def test_a_student_one_may_not_see_is_refused_as_before(client_for, tom):
    student, hidden = StudentFactory(), StudentFactory()
    LinkFactory(student=student, staff=tom)
    response = client_for(tom).post(_concern_url(student), _post(also_involves=[hidden.pk]))
    assert response.status_code == 200
    assert "also_involves" in response.context["form"].errors
    assert not Entry.objects.exists()
