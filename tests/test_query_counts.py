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
    search = {"q": "a", "year": 9}
    searched = queries(client, url, search)
    grow(54, staff=user)
    assert queries(client, url) == small
    assert queries(client, url, search) == searched
    # A search counts what it found in its page's own query (enigma.paging).
    assert searched == small - 1


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


def _captured(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_the_person_roles_and_2fa_come_with_one_query_and_settings_once(client_for, dee):
    """Before its own work a signed-in page reads the session and the person (with their
    roles and 2FA state); the school's settings once, however many parts ask."""
    client = client_for(dee)
    for url in (reverse("student_directory"), reverse("referrals:approvals")):
        sql = _captured(client, url)
        assert sql[0].startswith('SELECT "django_session"')
        assert sql[1].startswith('SELECT "enigma_user"')
        assert not any('FROM "auth_group"' in q for q in sql[2:]), url
        assert not any('FROM "mfa_authenticator"' in q for q in sql[2:]), url
        assert sum('FROM "enigma_schoolsettings"' in q for q in sql) == 1, url


def test_a_role_taken_away_counts_from_the_next_request(client_for, dee):
    from django.contrib.auth.models import Group

    client = client_for(dee)
    url = reverse("referrals:approvals")
    assert client.get(url).status_code == 200
    dee.groups.remove(*Group.objects.all())
    assert client.get(url).status_code == 403


def test_school_settings_are_read_once_a_request_and_again_after_a_save(
    django_assert_num_queries,
):
    from enigma import request_cache
    from enigma.models import SchoolSettings

    SchoolSettings.load()
    with request_cache.request_scope():
        with django_assert_num_queries(1):
            first = SchoolSettings.load()
            assert SchoolSettings.load() is first
        other = SchoolSettings.objects.get()
        other.room_name = "Harbour"
        other.save()
        assert SchoolSettings.load().room_name == "Harbour"
    with django_assert_num_queries(2):  # outside a request: read every time
        SchoolSettings.load()
        SchoolSettings.load()


def test_the_admins_audit_event_list_query_count_is_constant(client_for, ada, cora):
    client = client_for(ada)
    url = reverse("admin:enigma_auditevent_changelist")

    def add(n):
        for _ in range(n):
            audit.record(audit.Action.STUDENT_VIEWED, actor=cora, obj=StudentFactory())

    add(5)
    small = queries(client, url)
    filtered = queries(client, url, {"what": "students."})
    add(50)
    assert queries(client, url) == small
    assert queries(client, url, {"what": "students."}) == filtered
