"""The records pages at scale (issue 15): the shortcuts their queries take give the same
answers as the plain questions they replace."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from records.models import Category
from records.selectors import chronology as selectors
from records.services.entries import record_entry
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


def test_the_safeguarding_queue_counts_recent_days_in_school_time(personas):
    """'Recorded in the last 14 days' starts at midnight here, not in UTC: in summer
    (UTC+1) an entry recorded at 00:30 on the first day is in, one at 23:30 the evening
    before is out (the queue compares recorded_at with that midnight, on an index)."""
    dina = personas["dina"]
    safeguarding = Category.objects.get(name="Safeguarding")
    today = dt.date(2026, 7, 20)
    first_day = today - dt.timedelta(days=selectors.SAFEGUARDING_RECENT_DAYS)
    times = {
        "Just in": dt.datetime.combine(first_day, dt.time(0, 30), LONDON),
        "Just out": dt.datetime.combine(first_day, dt.time(0, 30), LONDON) - dt.timedelta(hours=1),
    }
    for summary, when in times.items():
        with time_machine.travel(when, tick=False):
            record_entry(
                author=dina,
                students=[StudentFactory()],
                kind="concern",
                category=safeguarding,
                summary=summary,
            )
    recent, _actions = selectors.safeguarding_queue(dina, today=today)
    assert [e.summary for e in recent] == ["Just in"]
    assert timezone.localtime(recent[0].recorded_at).date() == first_day


@pytest.mark.parametrize(
    ("asked", "number", "shown"),
    [
        (None, 1, ["Task 0", "Task 1", "Task 2"]),
        ("2", 2, ["Task 3", "Task 4", "Task 5"]),
        ("3", 3, ["Task 6"]),
        ("9", 3, ["Task 6"]),  # past the end: the last page, as Paginator.get_page
        ("x", 1, ["Task 0", "Task 1", "Task 2"]),  # not a number: the first
        ("0", 3, ["Task 6"]),  # below 1: the last too
        ("99999999999999999999", 3, ["Task 6"]),  # no OFFSET overflow
    ],
)
def test_a_counted_page_reads_the_page_number_as_django_does(personas, asked, number, shown):
    """My actions and the safeguarding queue count their open actions in the page's own
    query (enigma.paging): the same page, number and total as Paginator."""
    from django.core.paginator import Paginator

    from enigma.paging import counted_page
    from records.models import Action
    from records.services.entries import NewAction

    cora = personas["cora"]
    today = timezone.localdate()
    record_entry(
        author=cora,
        students=[StudentFactory()],
        kind="concern",
        summary="Upset",
        actions=[NewAction(f"Task {i}", cora, today + dt.timedelta(days=i)) for i in range(7)],
    )
    actions = selectors.open_actions_for(cora)
    page = counted_page(actions, 3, asked)
    expected = Paginator(Action.objects.order_by("due_on", "id"), 3).get_page(asked)
    assert [a.description for a in page] == shown == [a.description for a in expected]
    assert page.number == number == expected.number
    assert page.paginator.count == 7 and page.paginator.num_pages == 3
    assert page.has_next() == expected.has_next()


def test_a_counted_page_of_nothing(personas):
    from enigma.paging import counted_page

    for asked in (None, "1", "4"):
        page = counted_page(selectors.open_actions_for(personas["cora"]), 3, asked)
        assert list(page) == [] and page.number == 1 and page.paginator.count == 0


def _open_action_scans(client, url) -> int:
    """How many times a request reads the open-action markers, the school's or a pupil's
    (records.models.OpenAction, OpenActionStudent): once a list, its count with it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return sum(
        q["sql"].count(f'FROM "{table}"')
        for q in captured.captured_queries
        for table in ("records_openaction", "records_openactionstudent")
    )


def test_each_page_finds_the_open_actions_once(personas, client_for):
    """My actions, the safeguarding queue and the student file's sidebar each find the
    open actions in one pass: the page's count comes with its rows (it was a second
    query over the same actions). The sidebar reads its pupil's own markers, and counts
    them in the same query."""
    from django.urls import reverse

    from records.services.entries import NewAction
    from tests.conftest import pass_second_factor

    dina = personas["dina"]
    student = StudentFactory()
    today = timezone.localdate()
    for category in ("Safeguarding", "Behaviour"):
        record_entry(
            author=dina,
            students=[student],
            kind="concern",
            category=Category.objects.get(name=category),
            summary=category,
            actions=[NewAction(f"Step {i}", dina, today) for i in range(3)],
        )
    client = client_for(dina)
    pass_second_factor(client)
    assert _open_action_scans(client, reverse("records:my_actions")) == 1
    assert _open_action_scans(client, reverse("records:safeguarding_queue")) == 2  # + recent
    assert _open_action_scans(client, reverse("records:student_file", args=[student.pk])) == 1


def test_the_author_filter_lists_who_wrote_in_this_file_from_its_own_entries(personas):
    """The author filter offers who wrote in this file, by name, and nobody who wrote
    only elsewhere. The file's authors (records.FileAuthor) are gathered once, first
    (ANY(ARRAY(...))): as an IN (subquery) read through the form's cursor, the planner
    walked each user's entries across the school instead (165-290 ms on the bench
    school)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    student, elsewhere = StudentFactory(), StudentFactory()
    for author, pupil in (
        (personas["dina"], student),
        (personas["ada"], student),
        (personas["nora"], elsewhere),
    ):
        record_entry(
            author=author,
            students=[pupil],
            kind="concern",
            category=Category.objects.get(name="Behaviour"),
            summary="Noted",
        )
    with CaptureQueriesContext(connection) as captured:
        names = [u.email for u in selectors.authors_for(student).iterator()]
    expected = sorted(
        [personas["dina"], personas["ada"]], key=lambda u: (u.last_name, u.first_name)
    )
    assert names == [u.email for u in expected]
    (sql,) = [q["sql"] for q in captured.captured_queries if "enigma_user" in q["sql"]]
    assert "= ANY(ARRAY(SELECT" in sql and " IN (SELECT" not in sql


def test_the_open_action_markers_are_the_actions_without_a_completion(personas):
    """The database keeps one OpenAction row per action not done: an action's insert adds
    it, its completion's insert takes it away (the pages list open actions from these)."""
    from records.models import Action, ActionCompletion, OpenAction
    from records.services.entries import NewAction, complete_action

    dina = personas["dina"]
    today = timezone.localdate()
    record_entry(
        author=dina,
        students=[StudentFactory()],
        kind="concern",
        category=Category.objects.get(name="Behaviour"),
        summary="Steps",
        actions=[NewAction(f"Step {i}", dina, today) for i in range(3)],
    )
    first, *rest = Action.objects.order_by("id")
    assert set(OpenAction.objects.values_list("action_id", flat=True)) == {
        first.pk,
        *(a.pk for a in rest),
    }
    complete_action(action=first, user=dina, outcome="Done")
    with_no_completion = Action.objects.exclude(
        pk__in=ActionCompletion.objects.values("action_id")
    ).values_list("pk", flat=True)
    assert set(OpenAction.objects.values_list("action_id", flat=True)) == {a.pk for a in rest}
    assert set(with_no_completion) == {a.pk for a in rest}
    _recent, actions = selectors.safeguarding_queue(dina, today=today)
    assert not list(actions)  # a Behaviour entry's actions are not the queue's
    assert [a.pk for a in selectors.open_actions_for(dina)] == [a.pk for a in rest]


def test_the_safeguarding_queue_lists_what_is_restricted_now_by_flag_category_or_thread(
    personas,
):
    """The queue's recent entries are those restricted now (records.access): recorded
    restricted, in a category restricted now (also one restricted after the entry), or in
    a thread with a restricted entry (an open original a DSL reclassified, and that
    correction); not an open entry, nor one corrected openly. The queue asks the entry's
    own flag and category on the row and walks the thread only for an entry in one."""
    from records.services.entries import amend_entry

    dina = personas["dina"]
    behaviour = Category.objects.get(name="Behaviour")
    later = Category.objects.create(name="Later restricted", position=90)
    made = {}
    for summary, category in (
        ("Open", behaviour),
        ("Safeguarding", Category.objects.get(name="Safeguarding")),
        ("Reclassified", behaviour),
        ("Corrected openly", behaviour),
        ("Category restricted later", later),
    ):
        made[summary] = record_entry(
            author=dina,
            students=[StudentFactory()],
            kind="concern",
            category=category,
            summary=summary,
        )
    for summary, category in (
        ("Reclassified", Category.objects.get(name="Safeguarding")),
        ("Corrected openly", behaviour),
    ):
        amend_entry(
            author=dina,
            original=made[summary],
            reason="Wrong",
            summary=f"{summary}: correction",
            account="",
            category=category,
        )
    later.restricted = True
    later.save()
    recent, _actions = selectors.safeguarding_queue(dina, today=timezone.localdate())
    assert sorted(e.summary for e in recent) == [
        "Category restricted later",
        "Reclassified",
        "Reclassified: correction",
        "Safeguarding",
    ]
    from records.models import Entry

    assert {e.pk for e in recent} == set(
        Entry.objects.filter(selectors.RESTRICTED).values_list("pk", flat=True)
    )
