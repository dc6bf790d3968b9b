"""The safeguarding queue writes its rows with tags (records/templatetags/records_safeguarding.py):
they must write what the page's row loops wrote (tests/golden/safeguarding_queue_rows.html),
byte for byte, and the queue's open actions must be those on entries restricted now,
however they became restricted."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path
from types import SimpleNamespace

import pytest
import time_machine
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from enigma.models import Student, StudentStaffLink
from records.models import Category
from records.selectors import chronology as selectors
from records.services.entries import NewAction, amend_entry, record_entry
from tests.conftest import pass_second_factor
from tests.factories import StudentFactory

OLD_ROWS = (Path(__file__).parent / "golden" / "safeguarding_queue_rows.html").read_text()
# The same frame around the tags as the old loops had in the golden template.
NEW_ROWS = (
    "{% load records_safeguarding %}{% comment %}{% endcomment %}"
    '{% if which == "actions" %}\n    {% safeguarding_action_rows actions %}\n'
    "{% else %}\n    {% safeguarding_recent_rows recent %}\n{% endif %}\n"
)
TODAY = dt.date(2026, 11, 3)
LONDON = zoneinfo.ZoneInfo("Europe/London")


def _both(context) -> tuple[str, str]:
    django_engine = engines["django"]
    old = django_engine.from_string(OLD_ROWS).render(context)
    new = django_engine.from_string(NEW_ROWS).render(context)
    return old, new


class _Students(list):
    """What entry.students.all gave the old template; the tag reads listed_students."""

    def all(self):
        return self


def _student(pk, name):
    return SimpleNamespace(pk=pk, name=name)


class _Person:
    def __init__(self, name):
        self.name = name

    def __str__(self):
        return self.name


TWO = [_student(7, "Amy O'Neil"), _student(8, "Ben <B> & Co")]


def _action(pk, due_on, students, *, assignee='Dina "D" <dsl>'):
    entry = SimpleNamespace(visible_students=students, summary=f"Summary <{pk}> & “more”")
    return SimpleNamespace(
        pk=pk,
        entry_id=pk + 1000,
        entry=entry,
        visible_students=students,
        due_on=due_on,
        description=f'Ring "home" <{pk}>',
        assignee=_Person(assignee),
    )


def _entry(pk, recorded_at, students, *, amends_id=None, open_actions=0):
    return SimpleNamespace(
        pk=pk,
        recorded_at=recorded_at,
        students=_Students(students),
        listed_students=students,
        summary=f"Told a teacher <{pk}> & 'more'",
        amends_id=amends_id,
        author=_Person(f"Author <{pk}>"),
        open_actions=open_actions,
    )


def test_the_action_rows_are_what_the_row_loop_wrote():
    actions = [
        _action(1, TODAY - dt.timedelta(days=3), TWO),
        _action(2, TODAY, [_student(9, "Cy")]),
        _action(3, TODAY + dt.timedelta(days=4), []),
        _action(4, TODAY - dt.timedelta(days=400), TWO[:1], assignee="Plain"),
    ]
    old, new = _both({"which": "actions", "actions": actions, "today": TODAY})
    assert new == old
    assert new.count('class="overdue"') == 2 and "&lt;B&gt; &amp; Co" in new


def test_the_recent_rows_are_what_the_row_loop_wrote():
    entries = [
        # Summer and winter time, and either side of midnight here.
        _entry(1, dt.datetime(2026, 7, 20, 23, 30, tzinfo=dt.UTC), TWO, open_actions=3),
        _entry(2, dt.datetime(2026, 11, 2, 9, 5, tzinfo=LONDON), [], amends_id=1),
        _entry(3, dt.datetime(2026, 3, 29, 0, 59, tzinfo=dt.UTC), [_student(9, "Cy")]),
        _entry(4, dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC), TWO[1:], open_actions=12),
    ]
    old, new = _both({"which": "recent", "recent": entries})
    assert new == old
    assert "Tue 21 Jul 2026, 00:30" in new  # 23:30 UTC is the next day here in summer
    assert new.count("None set") == 2 and new.count("Correction") == 1


@pytest.mark.django_db
def test_the_page_writes_its_rows_as_the_loops_did_from_what_the_queue_loads(personas, client_for):
    """The queue loads only the columns its rows show (names, not whole people and pupil
    records): the rows written from them are what the old loops wrote from the same
    objects (which would load anything missing), and no look-up is left for a row to do."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from enigma.paging import counted_page

    dina, cora = personas["dina"], personas["cora"]
    today = timezone.localdate()
    safeguarding = Category.objects.get(name="Safeguarding")
    ruby = StudentFactory(legal_forename="Ruby", legal_surname="Adams", preferred_forename="Ru")
    sam = StudentFactory(legal_forename="Sam <S>", legal_surname="Brown & Co")
    gone = StudentFactory(legal_forename="Gone", legal_surname="Carter")
    with time_machine.travel(timezone.now() - dt.timedelta(days=5)):
        first = record_entry(
            author=dina,
            students=[ruby, sam],
            kind="concern",
            category=safeguarding,
            summary="Bruise <arm> & “shoulder”",
            actions=[
                NewAction("Ring <social> worker", cora, today - dt.timedelta(days=3)),
                NewAction("Refer", dina, today + dt.timedelta(days=3)),
            ],
        )
    amend_entry(
        author=dina, original=first, reason="Wrong arm", summary="Bruise, left arm", account=""
    )
    record_entry(
        author=cora,
        students=[gone],
        kind="concern",
        category=safeguarding,
        summary="Nothing set yet",
    )
    type(gone).objects.filter(pk=gone.pk).update(record_disposed_at=timezone.now())
    client = client_for(dina)
    pass_second_factor(client)
    url = reverse("records:safeguarding_queue")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    context = {
        "actions": response.context["actions"],
        "recent": response.context["recent"],
        "today": response.context["today"],
    }
    assert len(context["actions"]) == 2 and len(context["recent"]) == 3
    # What the old loops read: the queue's querysets' model objects, each entry's
    # students (entry.students.all), each action's entry's students the viewer may see.
    recent_qs, actions_qs = selectors.safeguarding_queue(dina, today=context["today"])
    old_context = {
        "actions": counted_page(actions_qs, 50, None),
        "recent": list(recent_qs[:101]),
        "today": context["today"],
    }
    for action in old_context["actions"]:
        action.entry.visible_students = list(
            Student.objects.visible_to(dina)
            .filter(chronology_links__entry=action.entry_id)
            .order_by("legal_surname")
        )
    for which in ("actions", "recent"):
        with CaptureQueriesContext(connection) as tag_queries:
            new = engines["django"].from_string(NEW_ROWS).render(context | {"which": which})
        assert not tag_queries.captured_queries  # everything a row shows was loaded
        old = engines["django"].from_string(OLD_ROWS).render(old_context | {"which": which})
        assert new == old
        assert new.strip() in page
    assert f"Pupil {gone.pk} (record disposed of)" in page
    assert 'class="overdue"' in page
    # Only what is shown is read: not a person's password hash, nor an entry's account.
    queue_sql = [
        q["sql"]
        for q in captured.captured_queries
        if 'FROM "records_entry"' in q["sql"] or 'FROM "records_action"' in q["sql"]
    ]
    assert len(queue_sql) == 2
    for sql in queue_sql:
        assert '"enigma_user"."password"' not in sql and '"records_entry"."account"' not in sql


@pytest.mark.django_db
def test_the_queue_lists_the_open_actions_on_entries_restricted_now(personas):
    """The open actions listed are exactly those on entries restricted now
    (records.access.restricted_now): recorded restricted (also in a category no longer
    restricted), in a category restricted now (also one restricted after the entry), or
    in a thread with a restricted entry (an open original a DSL reclassified); not on an
    open entry, nor on one corrected openly, nor done ones."""
    from records.models import Action
    from records.services.entries import complete_action

    dina = personas["dina"]
    today = timezone.localdate()
    behaviour = Category.objects.get(name="Behaviour")
    safeguarding = Category.objects.get(name="Safeguarding")
    later = Category.objects.create(name="Later restricted", position=90)
    earlier = Category.objects.create(name="Once restricted", position=91, restricted=True)
    made = {}
    for summary, category in (
        ("Open", behaviour),
        ("Safeguarding", safeguarding),
        ("Reclassified", behaviour),
        ("Corrected openly", behaviour),
        ("Category restricted later", later),
        ("Category open now", earlier),
        ("Done", safeguarding),
    ):
        made[summary] = record_entry(
            author=dina,
            students=[StudentFactory()],
            kind="concern",
            category=category,
            summary=summary,
            actions=[NewAction(f"On {summary}", dina, today)],
        )
    for summary, category in (("Reclassified", safeguarding), ("Corrected openly", behaviour)):
        amend_entry(
            author=dina,
            original=made[summary],
            reason="Wrong",
            summary=f"{summary}: correction",
            account="",
            category=category,
        )
    complete_action(action=made["Done"].actions.get(), user=dina, outcome="Done")
    later.restricted, earlier.restricted = True, False
    later.save()
    earlier.save()
    _recent, actions = selectors.safeguarding_queue(dina, today=today)
    listed = sorted(a.description for a in actions)
    assert listed == [
        "On Category open now",
        "On Category restricted later",
        "On Reclassified",
        "On Safeguarding",
    ]
    # Each action names only the students the viewer may see.
    tom = personas["tom"]
    pupil = made["Safeguarding"].students.get()
    StudentStaffLink.objects.create(
        student=pupil, staff=tom, relationship=StudentStaffLink.Relationship.CLASS_TEACHER
    )
    named = {
        a.description: [s.name for s in a.visible_students]
        for a in selectors.safeguarding_queue(tom, today=today)[1]
    }
    assert named["On Safeguarding"] == [pupil.name]
    assert named["On Reclassified"] == []
    restricted_now = Action.objects.filter(selectors.ENTRY_RESTRICTED).exclude(
        description="On Done"
    )
    assert listed == sorted(restricted_now.values_list("description", flat=True))


@pytest.mark.django_db
def test_the_page_reads_the_same_lists_from_sql_compiled_once(personas):
    """For a viewer who sees every student the page reads its lists from SQL compiled
    once a process, with the fortnight's start and the page put in: the same entries and
    actions, in the same order, with the same names, as safeguarding_queue's querysets,
    on any page and on the next day; a viewer who sees only some students is read from
    the querysets themselves."""
    from enigma.paging import counted_page

    dina, cora, tom = personas["dina"], personas["cora"], personas["tom"]
    today = timezone.localdate()
    safeguarding = Category.objects.get(name="Safeguarding")
    for i in range(4):
        with time_machine.travel(timezone.now() - dt.timedelta(days=5 * i)):
            record_entry(
                author=dina,
                students=[StudentFactory(), StudentFactory()],
                kind="concern",
                category=safeguarding,
                summary=f"Worry {i}",
                actions=[
                    NewAction(f"Step {i}.{n}", (cora, dina)[n % 2], today + dt.timedelta(days=n))
                    for n in range(2)
                ],
            )

    def entry_row(e):
        names = [(s.pk, s.name) for s in e.listed_students]
        return (e.pk, e.recorded_at, e.summary, e.amends_id, e.open_actions, names, str(e.author))

    def action_row(a):
        names = [(s.pk, s.name) for s in a.visible_students]
        return (a.pk, a.entry_id, a.description, a.due_on, a.entry.summary, names, str(a.assignee))

    for day in (today, today + dt.timedelta(days=8)):
        recent_qs, actions_qs = selectors.safeguarding_queue(dina, today=day)
        expected_recent = [entry_row(e) for e in recent_qs]
        for shown, page_number in ((2, None), (3, "2"), (10, "3"), (10, "99")):
            recent, page = selectors.safeguarding_queue_shown(
                dina, today=day, recent_per_page=shown, per_page=3, page_number=page_number
            )
            assert [entry_row(e) for e in recent] == expected_recent[:shown]
            assert recent.has_older() == (len(expected_recent) > shown)
            # The querysets, given how many to find (a viewer who sees only some).
            limited, _actions = selectors.safeguarding_queue(dina, today=day, recent_limit=shown)
            assert [entry_row(e) for e in limited] == expected_recent[:shown]
            expected = counted_page(actions_qs, 3, page_number)
            assert [action_row(a) for a in page] == [action_row(a) for a in expected]
            assert (page.number, page.paginator.count) == (
                expected.number,
                expected.paginator.count,
            )
    assert len(expected_recent) == 2  # the next week leaves the older two out
    _recent, page = selectors.safeguarding_queue_shown(
        tom, today=today, recent_per_page=10, per_page=50, page_number=None
    )
    assert page.paginator.count == 8 and not any(a.visible_students for a in page)


def test_the_compiled_lists_follow_a_category_restricted_after_they_were_compiled(personas):
    """The SQL is compiled once a process; a category restricted (or opened) after that
    moves its entries into (or out of) the queue at the next read, because the category
    test is part of the SQL, not a list of ids fixed when it was built."""
    dina = personas["dina"]
    today = timezone.localdate()
    later = Category.objects.create(name="Restricted after compiling", position=92)
    record_entry(
        author=dina,
        students=[StudentFactory()],
        kind="concern",
        category=later,
        summary="Became restricted",
        actions=[NewAction("On became restricted", dina, today)],
    )

    def shown():
        recent, page = selectors.safeguarding_queue_shown(
            dina, today=today, recent_per_page=10, per_page=10, page_number=None
        )
        return [e.summary for e in recent], [a.description for a in page]

    assert shown() == ([], [])  # compiled now, with the category open
    later.restricted = True
    later.save()
    assert shown() == (["Became restricted"], ["On became restricted"])
    later.restricted = False
    later.save()
    assert shown() == ([], [])


@pytest.mark.django_db
def test_each_recent_entry_counts_the_actions_still_open_on_it(personas):
    """The recent entries' "open actions" column counts, from the open actions' own copy
    of their entry (records.OpenAction), exactly the entry's actions not yet done: none
    set, some done, all done; as the querysets and as the compiled SQL read it."""
    from records.models import Action
    from records.services.entries import complete_action

    dina, cora = personas["dina"], personas["cora"]
    today = timezone.localdate()
    made = [
        _worry(dina, n, [NewAction(f"Step {n}.{k}", cora, today) for k in range(n)])
        for n in (0, 2, 3, 1)
    ]
    for entry, done in zip(made, (0, 1, 0, 1), strict=True):
        for action in entry.actions.order_by("id")[:done]:
            complete_action(action=action, user=cora, outcome="Done")
    expected = {e.pk: Action.objects.filter(entry=e, completion__isnull=True).count() for e in made}
    assert sorted(expected.values()) == [0, 0, 1, 3]
    recent_qs, _actions = selectors.safeguarding_queue(dina, today=today)
    assert {e.pk: e.open_actions for e in recent_qs} == expected
    recent, _page = selectors.safeguarding_queue_shown(
        dina, today=today, recent_per_page=10, per_page=50, page_number=None
    )
    assert {e.pk: e.open_actions for e in recent} == expected


def _worry(author, n: int, actions: list):
    """A restricted entry ("Worry n", in the Safeguarding category) about a new pupil."""
    return record_entry(
        author=author,
        students=[StudentFactory()],
        kind="concern",
        category=Category.objects.get(name="Safeguarding"),
        summary=f"Worry {n}",
        actions=actions,
    )


def _walk(viewer, today, per_page: int, **cursor):
    recent, _page = selectors.safeguarding_queue_shown(
        viewer, today=today, recent_per_page=per_page, per_page=50, page_number=None, **cursor
    )
    return recent


@pytest.mark.django_db
def test_the_recent_entries_are_paged_from_where_the_reader_is(personas):
    """The fortnight's restricted entries, a page at a time from a cursor (its time and
    id, so no entry is looked up to find the page): walking Older shows each once, newest
    first, entries recorded at the same moment included; Newer walks back over the same
    pages; a cursor that is not one, or whose entries have left the fortnight, gives the
    newest page. The same for the compiled SQL (the DSL) and the querysets (a viewer who
    sees only some students)."""
    from enigma.paging import time_cursor

    dina, tom = personas["dina"], personas["tom"]
    safeguarding = Category.objects.get(name="Safeguarding")
    now = timezone.now().replace(microsecond=0)
    today = timezone.localdate(now)
    when = [now - dt.timedelta(hours=h) for h in (1, 2, 2, 2, 30, 50, 70, 90)]
    when.append(now - dt.timedelta(days=selectors.SAFEGUARDING_RECENT_DAYS + 2))
    pupils = [StudentFactory() for _ in when]
    for n, (at, pupil) in enumerate(zip(when, pupils, strict=True)):
        with time_machine.travel(at, tick=False):
            record_entry(
                author=dina,
                students=[pupil],
                kind="concern",
                category=safeguarding,
                summary=f"Worry {n}",
            )
            record_entry(author=dina, students=[pupil], kind="concern", summary=f"Open {n}")
    for pupil in pupils:  # tom sees every one of them, through his links, and no other
        StudentStaffLink.objects.create(
            student=pupil, staff=tom, relationship=StudentStaffLink.Relationship.CLASS_TEACHER
        )
    expected = [f"Worry {n}" for n in (0, 3, 2, 1, 4, 5, 6, 7)]  # ties: newest id first

    for viewer in (dina, tom):
        pages, cursor = [], {}
        while True:
            recent = _walk(viewer, today, 3, **cursor)
            pages.append([e.summary for e in recent])
            assert recent.has_newer() == (len(pages) > 1)
            if not recent.has_older():
                break
            cursor = {"recent_before": recent.older_cursor}
        assert pages == [expected[0:3], expected[3:6], expected[6:8]], viewer
        back = _walk(viewer, today, 3, recent_after=recent.newer_cursor)
        assert [e.summary for e in back] == expected[3:6]
        assert back.has_newer() and back.has_older()
        top = _walk(viewer, today, 3, recent_after=back.newer_cursor)
        assert [e.summary for e in top] == expected[0:3] and not top.has_newer()

        for bad in ("x", "", "1.2.3", "5.0", "5.-7", f"{10**30}.7", f"5.{2**63}"):
            for key in ("recent_before", "recent_after"):
                page = _walk(viewer, today, 3, **{key: bad})
                assert [e.summary for e in page] == expected[0:3], (bad, key)
                assert not page.has_newer() and page.has_older()
        # From before the fortnight (entries seen on an older page have left it since):
        # nothing older, so the newest page; newer, the oldest page still in it.
        fortnight_ago = now - dt.timedelta(days=selectors.SAFEGUARDING_RECENT_DAYS + 1)
        for long_ago in (time_cursor(fortnight_ago, 9), "-5.7"):
            page = _walk(viewer, today, 3, recent_before=long_ago)
            assert [e.summary for e in page] == expected[0:3] and not page.has_newer()
            page = _walk(viewer, today, 3, recent_after=long_ago)
            assert [e.summary for e in page] == expected[5:8]
            assert page.has_newer() and not page.has_older()


@pytest.mark.django_db
def test_each_list_on_the_queue_keeps_where_the_other_is(personas, client_for):
    """The recent entries' links keep the open actions' page, and the open actions' links
    keep the recent entries' cursor; each list's links are named for it."""
    dina = personas["dina"]
    for n in range(55):
        _worry(dina, n, [NewAction(f"Step {n}", dina, timezone.localdate())])
    client = client_for(dina)
    pass_second_factor(client)
    url = reverse("records:safeguarding_queue")
    first = client.get(url)
    cursor = first.context["recent"].older_cursor
    html = client.get(url, {"page": 2, "before": cursor}).content.decode()
    assert 'aria-label="Pages of recent entries"' in html
    assert 'aria-label="Pages of open actions"' in html
    assert f'href="?page=2&amp;before={cursor}"' not in html  # that is this page
    assert 'href="?page=2"' in html  # Newest recent entries, actions kept on page 2
    assert f'href="?before={cursor}&amp;page=1"' in html  # Previous actions, entries kept
    second = client.get(url, {"page": 2, "before": cursor})
    assert [e.summary for e in second.context["recent"]] == [f"Worry {n}" for n in range(4, -1, -1)]
    assert second.context["actions"].number == 2
