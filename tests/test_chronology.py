"""The chronology: append-only in the ORM and in PostgreSQL, hash-chained per student,
amended rather than edited, and safe when two people record at the same moment."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from records import chain
from records.models import Action, ActionCompletion, Category, ChronologyLink, Entry
from records.selectors import chronology as selectors
from records.services import entries
from tests.db import owner_cursor, refused
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


def category(name="Behaviour", restricted=False) -> Category:
    return Category.objects.get_or_create(name=name, defaults={"restricted": restricted})[0]


def concern(author, *students, summary="Upset after break", **kwargs) -> Entry:
    kwargs.setdefault("category", category())
    return entries.record_entry(
        author=author,
        students=students,
        kind=Entry.Kind.CONCERN,
        summary=summary,
        account=kwargs.pop("account", "Crying in the corridor; said someone took her bag."),
        **kwargs,
    )


def verify(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("verify_chronology", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- recording -----------------------------------------------------------------------


def test_an_entry_goes_into_each_involved_students_chain(cora):
    amy, ben = StudentFactory(), StudentFactory()
    first = concern(cora, amy)
    both = concern(cora, amy, ben, summary="Argument in the lunch queue")
    assert [(link.seq, link.entry) for link in amy.chronology_links.all()] == [
        (1, first),
        (2, both),
    ]
    [ben_link] = ben.chronology_links.all()
    assert ben_link.seq == 1 and ben_link.prev_hash == chain.GENESIS
    assert amy.chronology_links.get(seq=2).prev_hash == amy.chronology_links.get(seq=1).hash
    assert list(selectors.chronology(amy)) == [both, first]
    assert verify()[0] == "All chronologies intact: 3 links checked.\n"


def test_bad_entries_are_refused_with_a_reason_per_field(cora):
    student = StudentFactory()
    with pytest.raises(ValidationError) as caught:
        entries.record_entry(
            author=cora,
            students=[],
            kind=Entry.Kind.CONCERN,
            summary="   ",
            occurred_at=timezone.now() + dt.timedelta(hours=1),
        )
    assert set(caught.value.message_dict) == {"students", "summary", "occurred_at"}
    retired = Category.objects.create(name="Old list", active=False)
    with pytest.raises(ValidationError, match="no longer in use"):
        concern(cora, student, category=retired)
    assert not Entry.objects.exists() and not ChronologyLink.objects.exists()


def test_back_dated_entries_keep_both_times_and_say_so(cora):
    happened = timezone.now() - dt.timedelta(days=3)
    entry = concern(cora, StudentFactory(), occurred_at=happened)
    assert entry.occurred_at == happened and entry.recorded_at > happened
    assert entry.is_backdated
    assert not concern(cora, StudentFactory()).is_backdated


def test_lifecycle_events_from_other_apps(cora):
    student = StudentFactory()
    event = entries.record_event(
        student=student, actor=cora, code="placement.started", summary="Placement started"
    )
    assert event.kind == Entry.Kind.EVENT and event.students.get() == student
    with pytest.raises(ValidationError):
        entries.amend_entry(author=cora, original=event, reason="Wrong", summary="x", account="y")


# --- append-only -----------------------------------------------------------------------


@pytest.fixture
def recorded(cora, tom):
    entry = concern(cora, StudentFactory(), StudentFactory())
    action = Action.objects.create(
        entry=entry, description="Ring home", assignee=tom, due_on=dt.date(2026, 11, 24)
    )
    entries.complete_action(action=action, user=tom, outcome="Spoke to mum")
    return entry


def test_the_orm_refuses_to_change_or_delete_anything_recorded(recorded):
    recorded.summary = "Nothing happened"
    rows = [
        recorded,
        recorded.links.first(),
        recorded.actions.get(),
        ActionCompletion.objects.get(),
    ]
    for row in rows:
        with pytest.raises(TypeError):
            row.save()
        with pytest.raises(TypeError):
            row.delete()
    for model in (Entry, ChronologyLink, Action, ActionCompletion):
        with pytest.raises(DatabaseError), transaction.atomic():
            model.objects.update(id=999_999)
        with pytest.raises(DatabaseError), transaction.atomic():
            model.objects.all().delete()
    assert Entry.objects.get().summary == "Upset after break"


@pytest.mark.parametrize("model", [Entry, ChronologyLink, Action, ActionCompletion])
def test_raw_sql_update_delete_and_truncate_are_refused(recorded, model):
    table = model._meta.db_table
    assert refused(f"UPDATE {table} SET id = id")  # noqa: S608
    assert refused(f"DELETE FROM {table}")  # noqa: S608
    assert refused(f"TRUNCATE {table} CASCADE")
    assert model.objects.exists()


def test_an_action_is_done_once(recorded, tom):
    action = recorded.actions.get()
    with pytest.raises(ValidationError, match="already marked done"):
        entries.complete_action(action=action, user=tom, outcome="Again")
    assert ActionCompletion.objects.count() == 1


def test_my_actions_lists_open_actions_soonest_first(cora, tom):
    # Due dates from today's: an action may not be given one in the past.
    today = timezone.localdate()
    entry = concern(
        cora,
        StudentFactory(),
        actions=[
            entries.NewAction("Later", tom, today + dt.timedelta(days=8)),
            entries.NewAction("Sooner", tom, today + dt.timedelta(days=2)),
            entries.NewAction("Not mine", cora, today + dt.timedelta(days=1)),
        ],
    )
    done = entry.actions.get(description="Later")
    assert [a.description for a in selectors.open_actions_for(tom)] == ["Sooner", "Later"]
    entries.complete_action(action=done, user=tom, outcome="Done")
    assert [a.description for a in selectors.open_actions_for(tom)] == ["Sooner"]


# --- amendments ------------------------------------------------------------------------


def test_an_amendment_is_a_new_entry_and_both_stay_readable(cora, sam):
    amy, ben = StudentFactory(), StudentFactory()
    original = concern(cora, amy, ben, summary="Hit by a peer")
    amendment = entries.amend_entry(
        author=sam,
        original=original,
        reason="Misheard",
        summary="Pushed by a peer",
        account="Not hit: pushed.",
    )
    assert amendment.amends == original and amendment.kind == original.kind
    assert set(amendment.students.all()) == {amy, ben}
    timeline = {e.pk: e for e in selectors.chronology(amy)}
    assert timeline[original.pk].is_amended and not timeline[amendment.pk].is_amended
    assert timeline[original.pk].summary == "Hit by a peer"
    assert verify()[0].startswith("All chronologies intact: 4 links")


def test_an_amendment_of_a_restricted_entry_is_restricted(dina):
    original = concern(dina, StudentFactory(), category=category("Safeguarding", True))
    assert original.restricted
    amendment = entries.amend_entry(
        author=dina,
        original=original,
        reason="Wrong date",
        summary="Corrected",
        account="Date was wrong.",
    )
    assert amendment.restricted


def test_a_category_restricted_later_restricts_its_old_entries(cora):
    student = StudentFactory()
    family = category("Family")
    entry = concern(cora, student, category=family)
    assert not entry.restricted
    assert not selectors.chronology(student).get().is_restricted
    Category.objects.filter(pk=family.pk).update(restricted=True)
    assert selectors.chronology(student).get().is_restricted


def test_the_default_categories_include_a_restricted_safeguarding_one():
    names = set(Category.objects.values_list("name", flat=True))
    assert {"Attendance", "Behaviour", "SEND", "Safeguarding"} <= names
    assert Category.objects.get(name="Safeguarding").restricted


# --- tamper evidence -------------------------------------------------------------------


def edit_by_hand(sql: str, params=()) -> None:
    """What the database's owner could do (the application's role cannot, see
    tests/test_database_roles.py): switch an append-only table's triggers off and edit it."""
    table = sql.split()[1]
    with owner_cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


@pytest.mark.django_db(transaction=True)
def test_verify_names_the_first_entry_altered_by_hand(cora):
    amy, ben = StudentFactory(), StudentFactory()
    concern(cora, amy)
    altered = concern(cora, amy, summary="Second")
    concern(cora, amy, summary="Third")
    concern(cora, ben)
    edit_by_hand("UPDATE records_entry SET account = 'Nothing to see' WHERE id = %s", [altered.pk])
    with pytest.raises(CommandError, match="1 chronology is broken"):
        verify()
    checked, breaks = selectors.chain_breaks()
    assert checked == 4
    assert [(b.student_id, b.entry_id, b.seq) for b in breaks] == [(amy.pk, altered.pk, 2)]
    assert "altered" in breaks[0].reason
    assert verify("--student", str(ben.pk))[0].startswith("All chronologies intact: 1 link")


def test_a_removed_link_breaks_the_chain(cora):
    student = StudentFactory()
    for n in range(3):
        concern(cora, student, summary=f"Entry {n}")
    links = list(ChronologyLink.objects.select_related("entry").order_by("seq"))
    found = chain.first_break([links[0], links[2]])
    assert found is not None and found.seq == 3 and "numbered 3" in found.reason
    assert chain.first_break(links) is None


# --- two people recording at the same moment -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_entries_never_fork_a_chain(cora, tom):
    student = StudentFactory()
    ready = threading.Barrier(2)
    errors: list[BaseException] = []

    def record(author, summary):
        try:
            ready.wait(timeout=10)
            for n in range(5):
                concern(author, student, summary=f"{summary} {n}")
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=record, args=(cora, "Coordinator")),
        threading.Thread(target=record, args=(tom, "Teacher")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    seqs = list(student.chronology_links.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 11))
    assert selectors.chain_breaks() == (10, [])
