"""The student file's filter form writes its widgets without the template engine
(enigma.forms.widget_renderer): the same markup as Django's templates, for every field,
empty, chosen and in error."""

from __future__ import annotations

import datetime as dt

import pytest
from django.forms.renderers import DjangoTemplates

from enigma.forms.common import DateInput
from enigma.forms.widget_renderer import WidgetRenderer
from records.forms.entries import TimelineFilterForm
from records.models import Category
from records.selectors.chronology import authors_for
from records.services.entries import record_entry
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def student(cora, tom):
    student = StudentFactory()
    record_entry(author=cora, students=[student], kind="concern", summary="One")
    record_entry(author=tom, students=[student], kind="positive", summary="Two")
    return student


def _data(cora):
    category = Category.objects.order_by("pk").last()
    yield None
    yield {"page": "3"}
    yield {"kind": "contact", "category": str(category.pk), "author": str(cora.pk)}
    yield {"date_from": "2026-11-02", "date_to": "2026-11-30"}
    # In error: no such choice, not a date, To before From.
    yield {"kind": "nonsense", "category": "999999", "author": "x", "date_from": "31/02"}
    yield {"date_from": "2026-11-30", "date_to": "2026-11-02"}
    yield {"kind": '"><b>', "date_to": "<script>"}


def test_the_filters_write_what_djangos_templates_write(student, cora):
    authors = authors_for(student)
    for data in _data(cora):
        fast = TimelineFilterForm(data, authors=authors)
        assert isinstance(fast.renderer, WidgetRenderer)
        plain = TimelineFilterForm(data, authors=authors, renderer=DjangoTemplates())
        for name in fast.fields:
            assert str(fast[name]) == str(plain[name]), (data, name)
        assert fast.errors == plain.errors


@pytest.mark.parametrize("value", [None, "", dt.date(2026, 11, 2), "<2026>"])
def test_a_date_input_as_djangos(value):
    widget = DateInput(attrs={"id": "id_date_from", "aria-describedby": "x"})
    expected = widget.render("date_from", value, renderer=DjangoTemplates())
    assert widget.render("date_from", value, renderer=WidgetRenderer()) == expected
