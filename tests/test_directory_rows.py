"""The directory's rows are written by a tag (enigma/templatetags/enigma_directory.py),
byte for byte what the row loop wrote (tests/golden/directory_rows.html): awkward names,
preferred names, off roll, every SEN status and every combination of the four flags."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from django.template import engines
from django.test import RequestFactory

from enigma.models import Student
from tests.factories import StudentFactory

OLD_LOOP = (Path(__file__).parent / "golden" / "directory_rows.html").read_text()


def _students():
    statuses = [value for value, _ in Student._meta.get_field("sen_status").choices]
    students = []
    flags = itertools.product((False, True), repeat=4)
    for pk, ((lac, pp, fsm, eal), status) in enumerate(
        zip(flags, itertools.cycle(statuses), strict=False), start=1
    ):
        students.append(
            StudentFactory.build(
                pk=pk,
                legal_forename=f"Amy <{pk}>",
                legal_surname="O'Neil & “Co”",
                preferred_forename="Ames" if pk % 3 == 0 else "",
                preferred_surname="Smythe <b>" if pk % 4 == 0 else "",
                on_roll=pk % 5 != 0,
                year_group=(pk % 14),
                tutor_group=f"{pk}B<" if pk % 2 else "",
                upn=f"A{pk:012d}",
                sen_status=status,
                looked_after=lac,
                pupil_premium=pp,
                free_school_meals=fsm,
                eal=eal,
            )
        )
    return students


def test_the_directory_rows_write_what_the_row_loop_wrote():
    engine = engines["django"]
    students = _students()
    assert len(students) == 16 and {s.sen_status for s in students} >= {"N", "K", "E"}
    context = {"students": students, "request": RequestFactory().get("/students/")}
    old = engine.from_string(OLD_LOOP).render(context)
    new = engine.from_string("{% load enigma_directory %}{% directory_rows students %}").render(
        context
    )
    assert new == old
    assert "&lt;1&gt;" in new and "<b>" not in new
    assert engine.from_string("{% load enigma_directory %}{% directory_rows s %}").render(
        {"s": []}
    ) == engine.from_string(OLD_LOOP).render({"students": []})


@pytest.mark.django_db
def test_the_directory_page_still_lists_its_pupils(client_for, cora):
    from django.urls import reverse

    StudentFactory(legal_forename="Zed", legal_surname="Quill", on_roll=False)
    html = client_for(cora).get(reverse("student_directory") + "?off_roll=on").content.decode()
    assert 'Quill, Zed</a> <span class="tag tag--grey">Off roll</span>' in html
