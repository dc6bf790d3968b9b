"""Words at the desk (issue 13): each says what it means, with no stray punctuation,
no empty "---------" choice, no Year 0 to 14 in a secondary school, and errors that say
what to enter rather than "This field is required"."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from records.models import Entry
from records.services.entries import record_entry
from tests.factories import StudentFactory
from tests.test_bad_input import settings_data

pytestmark = pytest.mark.django_db


def test_the_year_filter_offers_the_schools_own_year_groups(client_for, cora):
    for year in (7, 9, 11):
        StudentFactory(year_group=year)
    StudentFactory(year_group=3, on_roll=False)  # long gone: not one of the school's years
    response = client_for(cora).get(reverse("student_directory"))
    choices = [label for _, label in response.context["form"].fields["year"].choices]
    assert choices == ["All years", "Year 7", "Year 9", "Year 11"]
    assert "Year 0" not in response.content.decode()


def test_the_year_groups_stepped_through_the_index_are_those_grouped_from_the_roll(cora):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from enigma.models import Student
    from enigma.selectors.students import year_groups

    for year in (7, 7, 8, 10, 13):
        StudentFactory(year_group=year)
    StudentFactory(year_group=3, on_roll=False)
    StudentFactory(year_group=12, on_roll=False)
    grouped = list(
        Student.objects.filter(on_roll=True)
        .order_by("year_group")
        .values_list("year_group", flat=True)
        .distinct()
    )
    assert grouped == [7, 8, 10, 13]
    with CaptureQueriesContext(connection) as ctx:
        assert year_groups(cora) == grouped  # the coordinator sees every pupil
    reads = [q["sql"] for q in ctx.captured_queries if "enigma_student" in q["sql"]]
    assert len(reads) == 1 and "RECURSIVE" in reads[0]
    Student.objects.update(on_roll=False)
    assert year_groups(cora) == []


def test_other_students_are_listed_without_a_trailing_comma(client_for, cora):
    kofi = StudentFactory(legal_forename="Kofi", legal_surname="Thompson")
    # The student whose file is open sorts last: the list used to end "Kofi Thompson,".
    zara = StudentFactory(legal_forename="Zara", legal_surname="Zephyr")
    record_entry(
        author=cora, students=[kofi, zara], kind=Entry.Kind.PROGRESS, summary="Worked together"
    )
    html = client_for(cora).get(reverse("records:student_file", args=[zara.pk])).content.decode()
    line = re.search(r"Also involves: (.*?)</p>", html, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", line).strip() == "Kofi Thompson"


def test_an_empty_required_field_says_what_to_enter(client_for, ada):
    response = client_for(ada).post(reverse("school_settings"), settings_data(school_name=""))
    html = response.content.decode()
    assert "Enter the school name." in html
    assert "This field is required" not in html


def test_the_kind_of_a_non_school_day_is_chosen_not_dashes(client_for, ada):
    response = client_for(ada).get(reverse("calendar_day_add"))
    html = response.content.decode()
    assert "---------" not in html
    assert ">Choose a kind</option>" in html


def test_the_busiest_lesson_says_it_counts_students(client_for, cora, dee, rita):
    from tests.referrals_helpers import at
    from tests.test_timetable_today import DAY, _placement

    _placement(dee, rita), _placement(dee, rita)
    with at(DAY, 10):
        response = client_for(cora).get(reverse("timetables:today"))
    busiest = response.context["page"].busiest
    assert busiest == 2  # both in the room in their first week's busiest lesson
    html = response.content.decode()
    assert "the busiest lesson has 2 students in the room" in html
    assert "busiest lesson 2" not in html


def test_no_optional_mark_on_the_work_forms_one_of_three_fields():
    from django.template.loader import render_to_string

    from timetables.forms.work import WorkSetForm

    form = WorkSetForm()
    html = "".join(render_to_string("includes/field.html", {"field": f}) for f in form)
    assert "(optional)" not in html
    assert "any one of the three will do" in html
