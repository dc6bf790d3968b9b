"""The audit log is insert-only and students are never deleted: enforced by PostgreSQL
(tests/test_database_roles.py shows the application's role holds no privilege to try)."""

import pathlib
import re

import pytest
from django.db import DatabaseError, transaction

from enigma import audit
from enigma.models import AuditEvent, Student
from tests.db import refused
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture
def event(cora):
    return audit.record(audit.Action.STUDENT_VIEWED, actor=cora, obj=StudentFactory())


def test_saving_an_existing_event_raises(event):
    event.action = "something.else"
    with pytest.raises(TypeError):
        event.save()


def test_deleting_an_event_raises(event):
    with pytest.raises(TypeError):
        event.delete()


def test_queryset_update_and_delete_are_refused_by_the_database(event):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == audit.Action.STUDENT_VIEWED


def test_raw_sql_update_delete_and_truncate_are_refused(event):
    table = AuditEvent._meta.db_table
    assert refused(f"UPDATE {table} SET action = 'x' WHERE id = %s", [event.pk])  # noqa: S608
    assert refused(f"DELETE FROM {table} WHERE id = %s", [event.pk])  # noqa: S608
    assert refused(f"TRUNCATE {table} CASCADE")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_new_events_can_still_be_added(event):
    before = AuditEvent.objects.count()  # making cora recorded her role too
    audit.record(audit.Action.SIGNED_IN, actor=event.actor)
    assert AuditEvent.objects.count() == before + 1


def test_students_are_never_deleted(db):
    student = StudentFactory()
    with pytest.raises(DatabaseError), transaction.atomic():
        Student.objects.filter(pk=student.pk).delete()
    assert refused(f"DELETE FROM {Student._meta.db_table} WHERE id = %s", [student.pk])  # noqa: S608
    assert Student.objects.filter(pk=student.pk).exists()


# The exceptions: the migrations that sealed the chronology's existing links with its key
# (0006_keyed_chain.py) and moved them to content digests so that disposal can remove
# content (0009_digest_chain.py) had to rewrite them. Each runs as the owner, switches the
# link table's UPDATE trigger off for that one statement inside its own transaction, and
# first refuses a chain that was already broken (tests/test_chronology_key.py).
ALLOWED = {
    "records/migrations/0006_keyed_chain.py",
    "records/migrations/0009_digest_chain.py",
}


def test_nothing_in_shipped_code_switches_the_triggers_off():
    pattern = re.compile(r"pgtrigger\.ignore|session_replication_role|DISABLE TRIGGER", re.I)
    offenders = {
        str(path.relative_to(ROOT))
        for folder in ("enigma", "records", "referrals", "timetables", "notifications")
        for path in (ROOT / folder).rglob("*.py")
        if pattern.search(path.read_text())
    }
    assert offenders == ALLOWED
