"""The application connects as a database role that owns nothing (enigma/db_roles.py).

It cannot switch the append-only triggers off, nor update, delete or truncate what they
protect, not even by asking pgtrigger to skip a trigger; the owner, which runs the
migrations, could switch them off (so these tests can fail). Ordinary writes still work.
"""

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from enigma.db import append_only_models, refused_operations
from enigma.models import AuditEvent, ImmutableModel, Student
from records.models import Category, ChronologyLink, Entry
from records.services import entries
from referrals.models import PlacementTransition, ReferralTransition
from tests.db import INSUFFICIENT_PRIVILEGE, RAISED_BY_TRIGGER, owner_refusal, refusal
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

APPEND_ONLY = append_only_models()
TABLES = sorted(m._meta.db_table for m in APPEND_ONLY)


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_append_only_tables_are_found_from_the_models():
    for model in (AuditEvent, Entry, ChronologyLink, ReferralTransition, PlacementTransition):
        assert model in APPEND_ONLY
    immutable = {m for m in _all_subclasses(ImmutableModel) if not m._meta.abstract}
    assert immutable == set(APPEND_ONLY)
    assert refused_operations(Student) == {"DELETE"}
    assert refused_operations(Category) == set()


def test_the_application_role_is_not_the_owner_and_owns_nothing():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, r.rolsuper, r.rolcreaterole, r.rolcreatedb, "
            "has_schema_privilege(current_user, current_schema(), 'CREATE'), "
            "(SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid) "
            "FROM pg_roles r WHERE r.rolname = current_user"
        )
        user, superuser, createrole, createdb, create_in_schema, owned = cursor.fetchone()
        cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'records_entry'")
        (owner,) = cursor.fetchone()
        cursor.execute("SELECT pg_has_role(current_user, %s, 'MEMBER')", [owner])
        (member_of_owner,) = cursor.fetchone()
    assert user == settings.DATABASES["default"]["USER"]
    assert owner == settings.DATABASE_OWNER["USER"] != user
    assert (superuser, createrole, createdb, create_in_schema, owned) == (
        False,
        False,
        False,
        False,
        0,
    )
    assert not member_of_owner


@pytest.mark.parametrize("table", TABLES)
def test_the_application_role_cannot_switch_the_triggers_off(table):
    assert refusal(f"ALTER TABLE {table} DISABLE TRIGGER USER") == INSUFFICIENT_PRIVILEGE
    assert refusal(f"ALTER TABLE {table} DISABLE TRIGGER ALL") == INSUFFICIENT_PRIVILEGE
    assert refusal("SET session_replication_role = replica") == INSUFFICIENT_PRIVILEGE


@pytest.mark.parametrize("table", TABLES)
def test_the_application_role_has_no_update_delete_or_truncate(table):
    # Refused for want of the privilege, before any trigger is asked.
    assert refusal(f"UPDATE {table} SET id = id") == INSUFFICIENT_PRIVILEGE  # noqa: S608
    assert refusal(f"DELETE FROM {table}") == INSUFFICIENT_PRIVILEGE  # noqa: S608
    assert refusal(f"TRUNCATE {table} CASCADE") == INSUFFICIENT_PRIVILEGE
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_table_privilege(current_user, %s, 'SELECT'), "
            "has_table_privilege(current_user, %s, 'INSERT')",
            [table, table],
        )
        assert cursor.fetchone() == (True, True)


def test_asking_pgtrigger_to_skip_the_triggers_does_not_help_the_application_role(cora):
    """pgtrigger skips a trigger named in the session's pgtrigger.ignore setting, and any
    session may set it: only the missing privilege stops the edit."""
    entry = entries.record_entry(
        author=cora,
        students=[StudentFactory()],
        kind=Entry.Kind.CONCERN,
        category=Category.objects.get(name="Behaviour"),
        summary="Upset after break",
        account="Said someone took her bag.",
    )
    skip = "{" + ",".join(t.get_pgid(Entry) for t in Entry._meta.triggers) + "}"
    update = "SELECT set_config('pgtrigger.ignore', %s, true); UPDATE records_entry SET id = id"
    delete = "SELECT set_config('pgtrigger.ignore', %s, true); DELETE FROM records_entry"
    assert refusal(update, [skip]) == INSUFFICIENT_PRIVILEGE
    assert refusal(delete, [skip]) == INSUFFICIENT_PRIVILEGE
    student = StudentFactory()
    skip = "{" + ",".join(t.get_pgid(Student) for t in Student._meta.triggers) + "}"
    delete = "SELECT set_config('pgtrigger.ignore', %s, true); DELETE FROM enigma_student"
    assert refusal(delete, [skip]) == INSUFFICIENT_PRIVILEGE
    assert Student.objects.filter(pk=student.pk).exists()
    assert Entry.objects.get(pk=entry.pk).summary == "Upset after break"


def test_ordinary_writes_work_as_the_application_role(cora):
    category = Category.objects.create(name="Transport")
    Category.objects.filter(pk=category.pk).update(active=False)
    student = StudentFactory()
    Student.objects.filter(pk=student.pk).update(year_group=9)
    entries.record_entry(
        author=cora,
        students=[student],
        kind=Entry.Kind.POSITIVE,
        category=Category.objects.get(name="Behaviour"),
        summary="Helped a friend",
    )
    category.delete()
    assert not Category.objects.filter(name="Transport").exists()
    assert student.chronology_links.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_owner_could_switch_the_triggers_off_so_the_tests_above_can_fail():
    # Run as the owner and rolled back: only the application role is refused.
    for table in TABLES:
        assert owner_refusal(f"ALTER TABLE {table} DISABLE TRIGGER USER") is None


@pytest.mark.django_db(transaction=True)
def test_the_triggers_still_refuse_the_owner_while_they_are_on(cora, tom):
    """The triggers are the second wall: even the owner cannot change a recorded row
    without first switching them off (which tests/test_chronology.py shows it can, and
    what the keyed chain then gives away)."""
    from enigma import audit
    from records.models import Action, ActionCompletion

    entry = entries.record_entry(
        author=cora,
        students=[StudentFactory()],
        kind=Entry.Kind.CONCERN,
        category=Category.objects.get_or_create(name="Behaviour")[0],
        summary="Upset after break",
    )
    action = Action.objects.create(
        entry=entry, description="Ring home", assignee=tom, due_on=entry.occurred_at.date()
    )
    entries.complete_action(action=action, user=tom, outcome="Spoke to mum")
    audit.record(audit.Action.SIGNED_IN, actor=cora)
    for model in (Entry, ChronologyLink, Action, ActionCompletion, AuditEvent):
        table = model._meta.db_table
        assert model.objects.exists()
        assert owner_refusal(f"UPDATE {table} SET id = id") == RAISED_BY_TRIGGER  # noqa: S608
        assert owner_refusal(f"DELETE FROM {table}") == RAISED_BY_TRIGGER  # noqa: S608
    for table in TABLES:
        assert owner_refusal(f"TRUNCATE {table} CASCADE") == RAISED_BY_TRIGGER
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            # The three refusing triggers (others, such as the open-action markers', are
            # not walls).
            "WHERE t.tgname ~ '^pgtrigger_.*_no_(update|delete|truncate)_' "
            "AND t.tgenabled = 'O' AND c.relname = ANY(%s) "
            "GROUP BY 1",
            [TABLES],
        )
        assert dict(cursor.fetchall()) == dict.fromkeys(TABLES, 3)


def test_migrate_warns_when_it_would_run_as_the_application_role():
    import io

    from django.core.management import call_command
    from django.test import override_settings

    err = io.StringIO()
    with override_settings(DATABASE_OWNER=None):
        call_command("migrate", "--plan", stdout=io.StringIO(), stderr=err)
    assert "Set DATABASE_OWNER_URL" in err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_grants_refuse_an_application_role_that_could_undo_them():
    from django.core.exceptions import ImproperlyConfigured

    from enigma import db_roles

    owner = db_roles.owner_connection(connection)
    try:
        with pytest.raises(ImproperlyConfigured, match="is the database owner"):
            db_roles.grant_app_role(owner, settings.DATABASE_OWNER["USER"])
        with owner.cursor() as cursor:
            cursor.execute("SELECT rolname FROM pg_roles WHERE rolsuper LIMIT 1")
            (superuser,) = cursor.fetchone()
        with pytest.raises(ImproperlyConfigured, match="it is a superuser"):
            db_roles.grant_app_role(owner, superuser)
        with pytest.raises(ImproperlyConfigured, match="does not exist"):
            db_roles.grant_app_role(owner, "nobody_at_all")
        db_roles.grant_app_role(owner, settings.DATABASES["default"]["USER"])  # again: fine
    finally:
        owner.close()
    assert refusal("DELETE FROM records_entry") == INSUFFICIENT_PRIVILEGE


def test_the_open_action_markers_are_only_read_by_the_application_role(cora):
    """records.OpenAction, OpenActionStudent, FileAuthor and FileEntry are kept by triggers that
    run as the owner: the application's role cannot add, change or delete a row
    (deleting a marker would hide an open action from my actions, the safeguarding
    queue or a file's sidebar), yet its writes still keep them."""
    from records.models import FileAuthor, FileEntry, OpenAction, OpenActionStudent
    from records.services.entries import NewAction, complete_action

    entry = entries.record_entry(
        author=cora,
        students=[StudentFactory()],
        kind=Entry.Kind.CONCERN,
        category=Category.objects.get(name="Behaviour"),
        summary="Upset after break",
        actions=[
            NewAction(
                description="Call home",
                assignee=cora,
                due_on=timezone.localdate() + dt.timedelta(days=7),
            )
        ],
    )
    action = entry.actions.get()
    assert OpenAction.objects.filter(action=action).exists()
    assert refusal("DELETE FROM records_openaction") == INSUFFICIENT_PRIVILEGE
    assert refusal("UPDATE records_openaction SET action_id = action_id") == (
        INSUFFICIENT_PRIVILEGE
    )
    assert refusal("INSERT INTO records_openaction (action_id) VALUES (%s)", [action.pk]) == (
        INSUFFICIENT_PRIVILEGE
    )
    # The markers by pupil (the file's sidebar) likewise.
    assert OpenActionStudent.objects.filter(action=action).count() == 1
    assert refusal("DELETE FROM records_openactionstudent") == INSUFFICIENT_PRIVILEGE
    assert refusal("UPDATE records_openactionstudent SET due_on = due_on") == (
        INSUFFICIENT_PRIVILEGE
    )
    assert refusal(
        "INSERT INTO records_openactionstudent (action_id, student_id, due_on) "
        "SELECT action_id, student_id, due_on - 1 FROM records_openactionstudent"
    ) == (INSUFFICIENT_PRIVILEGE)
    # And the files' authors.
    assert FileAuthor.objects.filter(author=cora).count() == 1
    assert refusal("DELETE FROM records_fileauthor") == INSUFFICIENT_PRIVILEGE
    assert refusal("UPDATE records_fileauthor SET author_id = author_id") == (
        INSUFFICIENT_PRIVILEGE
    )
    # And the files' timelines (a row taken away would hide an entry from its file's pages).
    assert FileEntry.objects.filter(entry=entry).count() == 1
    assert refusal("DELETE FROM records_fileentry") == INSUFFICIENT_PRIVILEGE
    assert refusal("UPDATE records_fileentry SET occurred_at = now()") == INSUFFICIENT_PRIVILEGE
    assert refusal(
        "INSERT INTO records_fileentry (student_id, entry_id, occurred_at) "
        "SELECT student_id, entry_id, now() FROM records_fileentry"
    ) == (INSUFFICIENT_PRIVILEGE)
    complete_action(action=action, user=cora, outcome="Spoke to mum")
    assert not OpenAction.objects.filter(action=action).exists()
    assert not OpenActionStudent.objects.filter(action=action).exists()
