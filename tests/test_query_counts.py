"""List pages run the same number of queries whatever the data size (1x vs 10x)."""

import pytest
from django.urls import reverse

from enigma import audit
from tests.db import queries
from tests.factories import ContactFactory, LinkFactory, StudentFactory

pytestmark = pytest.mark.django_db


def grow(n, staff=None):
    for _ in range(n):
        student = StudentFactory(looked_after=True, pupil_premium=True)
        ContactFactory.create_batch(2, student=student)
        if staff is not None:
            LinkFactory(student=student, staff=staff)


@pytest.mark.parametrize("persona", ["cora", "tom"])
def test_directory_query_count_is_constant(persona, personas, client_for):
    user = personas[persona]
    client = client_for(user)
    url = reverse("student_directory")
    grow(6, staff=user)
    small = queries(client, url)
    grow(54, staff=user)
    assert queries(client, url) == small
    assert queries(client, url, {"q": "a", "year": 9}) == small


def test_student_page_query_count_is_constant(client_for, cora, tom):
    client = client_for(cora)
    few = StudentFactory()
    ContactFactory(student=few)
    LinkFactory(student=few, staff=tom)
    small = queries(client, reverse("student_detail", args=[few.pk]))
    many = StudentFactory()
    ContactFactory.create_batch(10, student=many)
    for _ in range(10):
        LinkFactory(student=many)
    assert queries(client, reverse("student_detail", args=[many.pk])) == small


def test_audit_log_query_count_is_constant(client_for, ada, cora):
    client = client_for(ada)
    url = reverse("audit_log")

    def add(n):
        for _ in range(n):
            audit.record(audit.Action.STUDENT_VIEWED, actor=cora, obj=StudentFactory())

    add(5)
    small = queries(client, url)
    add(50)
    assert queries(client, url) == small
