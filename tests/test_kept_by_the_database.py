"""What the database's triggers keep for the pages (records 0017 and 0019): the
open-action markers, the files' authors and the files' timelines.

records.OpenActionStudent, read by the student file's sidebar: whatever order actions,
links and completions come in, its rows must be exactly "open actions on an entry in
this pupil's file". records.OpenAction's copies of the action's due date and its entry's
flag, category and correction, read by the safeguarding queue, must be the action's and
the entry's own. records.FileAuthor, read by the student file's author filter, must be
exactly who wrote an entry in each pupil's file. records.FileEntry, from which the
student file picks a page, must be exactly the entries in each pupil's file with each
one's time of happening, and give the pages the entries' own order gives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.utils import timezone

from enigma.models import Student
from records.models import (
    Action,
    Category,
    ChronologyLink,
    Entry,
    FileAuthor,
    FileEntry,
    OpenAction,
    OpenActionStudent,
)
from records.selectors import chronology as selectors
from records.services import entries
from records.services.entries import NewAction, complete_action, record_entry
from tests.db import migrate_records
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


def markers() -> set[tuple]:
    return set(OpenActionStudent.objects.values_list("action_id", "student_id", "due_on"))


def copies_are_the_originals() -> bool:
    """Each open-action marker carries its action's due date and its entry's id, flag,
    category and correction, and there is one for each action not done."""
    copied = set(
        OpenAction.objects.values_list(
            "action_id",
            "due_on",
            "entry_id",
            "entry_restricted",
            "entry_category_id",
            "entry_amends_id",
        )
    )
    actual = set(
        Action.objects.filter(completion__isnull=True).values_list(
            "pk",
            "due_on",
            "entry_id",
            "entry__restricted",
            "entry__category_id",
            "entry__amends_id",
        )
    )
    return copied == actual and len(actual) > 0


def file_authors() -> set[tuple]:
    return set(FileAuthor.objects.values_list("student_id", "author_id"))


def authors_by_definition() -> set[tuple]:
    return set(ChronologyLink.objects.values_list("student_id", "entry__author_id"))


def file_timelines() -> set[tuple]:
    return set(FileEntry.objects.values_list("student_id", "entry_id", "occurred_at"))


def timelines_by_definition() -> set[tuple]:
    return set(ChronologyLink.objects.values_list("student_id", "entry_id", "entry__occurred_at"))


def by_definition() -> set[tuple]:
    """What the markers stand for, worked out from the record itself."""
    return {
        (action.pk, link.student_id, action.due_on)
        for action in Action.objects.filter(completion__isnull=True)
        for link in ChronologyLink.objects.filter(entry_id=action.entry_id)
    }


def sidebar_by_definition(student, limit: int) -> tuple[list[int], int]:
    """The sidebar as it was read before the markers: open actions on the entries
    linked to this pupil, soonest due first."""
    entry_ids = ChronologyLink.objects.filter(student=student).values("entry_id")
    actions = Action.objects.filter(entry_id__in=entry_ids, completion__isnull=True)
    ordered = list(actions.order_by("due_on", "id").values_list("pk", flat=True))
    return ordered[:limit], len(ordered)


def concern(author, students, *due, category="Behaviour") -> Entry:
    return record_entry(
        author=author,
        students=students,
        kind=Entry.Kind.CONCERN,
        category=Category.objects.get(name=category),
        summary=f"About {category}",
        actions=[NewAction(f"Step {n}", author, day) for n, day in enumerate(due)],
    )


def test_the_markers_are_the_open_actions_of_each_pupils_file(personas):
    """Entries about one, two or three pupils, actions due on different days (some on
    the same day), some done: the markers are the open actions by pupil, and each
    pupil's sidebar lists and counts what it did before they were kept."""
    cora, dina = personas["cora"], personas["dina"]
    amy, ben, cal = StudentFactory(), StudentFactory(), StudentFactory()
    today = timezone.localdate()
    days = [today + dt.timedelta(days=n) for n in (3, 0, 7, 0, 1)]
    made = [
        concern(cora, [amy], days[0], days[1]),
        concern(dina, [amy, ben], days[2], category="Safeguarding"),
        concern(cora, [ben, cal, amy], days[3], days[4], days[1]),
        concern(cora, [cal]),  # no actions
        concern(dina, [ben], days[4]),
    ]
    complete_action(action=made[0].actions.order_by("id").first(), user=cora, outcome="Rang")
    complete_action(action=made[2].actions.order_by("id").last(), user=cora, outcome="Met")
    entries.amend_entry(
        author=cora, original=made[1], reason="Wrong date", summary="Corrected", account=""
    )

    assert markers() == by_definition()
    assert copies_are_the_originals()
    assert file_authors() == authors_by_definition()
    assert len(file_authors()) == 5  # cora and dina for amy and ben, cora for cal
    assert file_timelines() == timelines_by_definition()
    assert len(file_timelines()) == 10  # five entries in 8 files, the correction in 2
    assert len(markers()) == 10  # amy 4, ben 4 and cal 2, the two done left out
    for student in (amy, ben, cal):
        for limit in (1, 2, 8):
            rows, total = selectors.file_sidebar_actions(student, dina, limit)
            assert ([a.pk for a in rows], total) == sidebar_by_definition(student, limit)


def test_a_pupil_linked_to_an_entry_later_gets_its_open_actions_and_author(personas):
    """A link made after the action (the trigger on chronology links): the open action
    joins the new pupil's sidebar, and the entry's author the file's authors; a done
    action does not; completing the open one takes it from both pupils."""
    cora = personas["cora"]
    amy, ben = StudentFactory(), StudentFactory()
    today = timezone.localdate()
    entry = concern(cora, [amy], today, today + dt.timedelta(days=2))
    done, still_open = entry.actions.order_by("id")
    complete_action(action=done, user=cora, outcome="Rang")
    with transaction.atomic():
        Student.objects.select_for_update().get(pk=ben.pk)
        entries._append_link(entry, ben.pk)

    assert (
        markers()
        == by_definition()
        == {
            (still_open.pk, amy.pk, still_open.due_on),
            (still_open.pk, ben.pk, still_open.due_on),
        }
    )
    rows, total = selectors.file_sidebar_actions(ben, cora, 8)
    assert ([a.pk for a in rows], total) == ([still_open.pk], 1)
    assert file_timelines() == timelines_by_definition()
    assert {(s, e) for s, e, _ in file_timelines()} == {(amy.pk, entry.pk), (ben.pk, entry.pk)}
    complete_action(action=still_open, user=cora, outcome="Met")
    assert markers() == set()
    assert selectors.file_sidebar_actions(ben, cora, 8) == ([], 0)


FUNCTIONS = (
    "pgtrigger_action_opens_56b4b",
    "pgtrigger_action_completion_closes_4bb34",
    "pgtrigger_link_opens_actions_35ff0",
)


def run_as_owner(names) -> dict[str, bool]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proname, prosecdef FROM pg_proc WHERE proname = ANY(%s)", [list(names)]
        )
        return dict(cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_markers_from_the_open_actions_there_are(personas):
    """Actions set and done before the table existed are there after migrating; the
    three functions that keep the markers run as the owner (the application's role may
    only read them), and migrating back leaves the two older ones running as the owner
    too, as records 0015 made them."""
    cora = personas["cora"]
    amy, ben = StudentFactory(), StudentFactory()
    today = timezone.localdate()
    # A transactional test may start after another's flush, which takes the categories
    # the migrations made.
    Category.objects.get_or_create(name="Behaviour")
    Category.objects.get_or_create(name="Safeguarding", defaults={"restricted": True})
    try:
        migrate_records("0016_attendance_and_force_go_with_pupil_record")
        assert run_as_owner(FUNCTIONS[:2]) == dict.fromkeys(FUNCTIONS[:2], True)
        first = concern(cora, [amy, ben], today, today + dt.timedelta(days=1))
        concern(personas["dina"], [ben], today + dt.timedelta(days=4), category="Safeguarding")
        complete_action(action=first.actions.order_by("id").first(), user=cora, outcome="Done")
    finally:
        migrate_records()
    assert len(by_definition()) == 3
    assert markers() == by_definition()
    assert copies_are_the_originals()
    assert (
        file_authors()
        == authors_by_definition()
        == {
            (amy.pk, cora.pk),
            (ben.pk, cora.pk),
            (ben.pk, personas["dina"].pk),
        }
    )
    assert file_timelines() == timelines_by_definition()
    assert len(file_timelines()) == 3
    assert run_as_owner(FUNCTIONS) == dict.fromkeys(FUNCTIONS, True)


def test_a_files_pages_come_in_its_entries_order_ties_and_back_dating_included(personas):
    """An unfiltered page is picked from the file's timeline (records.FileEntry); it must
    be the page the entries' own order gives (newest happening first, the later id first
    on a tie), for entries back-dated, recorded at the same moment, and about more than
    one pupil, on every page and past the last; as the reference querysets and as the
    student file's compiled SQL read it, for a reader who may read restricted entries and
    one who may not."""
    from records.selectors import student_file

    cora, dina = personas["cora"], personas["dina"]
    amy, ben = StudentFactory(), StudentFactory()
    now = timezone.now().replace(microsecond=0)
    moments = [now - dt.timedelta(days=n % 7, hours=n % 3) for n in range(57)]
    for n, moment in enumerate(moments):
        record_entry(
            author=cora,
            students=[amy, ben] if n % 5 == 0 else [amy],
            kind=Entry.Kind.OBSERVATION,
            summary=f"Seen {n}",
            occurred_at=moment,
        )
    concern(dina, [amy], category="Safeguarding")  # restricted, now
    expected = list(
        Entry.objects.filter(links__student=amy)
        .order_by("-occurred_at", "-id")
        .values_list("pk", flat=True)
    )
    assert len(expected) == 58 and len(set(moments)) < len(moments)  # ties there are
    size = selectors.TIMELINE_PAGE_SIZE
    for reader in (dina, cora):
        for number in (1, 2, 3, 4):
            want = expected[(min(number, 3) - 1) * size : min(number, 3) * size]
            for read in (selectors.timeline_page, student_file.timeline_page):
                page = read(amy, reader, selectors.TimelineFilters(), number)
                assert [e.pk for e in page.object_list] == want, (read, reader, number)
                assert page.paginator.count == 58
