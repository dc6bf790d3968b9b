"""'My actions' writes its rows with a tag (records/templatetags/records_actions.py): it
must write what the row template wrote (tests/golden/my_actions_row.html), byte for byte,
in every state an action's row can be in, and show a restricted entry's words only when
the view decided they may be shown."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template import engines
from django.test import RequestFactory

OLD_ROWS_TEMPLATE = (Path(__file__).parent / "golden" / "my_actions_row.html").read_text()
TODAY = dt.date(2026, 11, 3)


def _student(pk, name):
    return SimpleNamespace(pk=pk, name=name)


def _action(pk, due_on, *, students, show_content=True, needs_second_factor=False):
    entry = SimpleNamespace(
        visible_students=students,
        show_content=show_content,
        needs_second_factor=needs_second_factor,
        summary=f"Summary <{pk}> & “more”",
    )
    return SimpleNamespace(
        pk=pk, entry_id=pk + 1000, entry=entry, due_on=due_on, description=f'Ring "home" <{pk}>'
    )


def _actions():
    two = [_student(7, "Amy O'Neil"), _student(8, "Ben <B> & Co")]
    return [
        _action(1, TODAY - dt.timedelta(days=3), students=two),
        _action(2, TODAY, students=[_student(9, "Cy")]),
        _action(3, TODAY + dt.timedelta(days=4), students=[]),
        _action(4, TODAY - dt.timedelta(days=1), students=two, show_content=False),
        _action(5, TODAY, students=two[:1], show_content=False, needs_second_factor=True),
        _action(6, TODAY + dt.timedelta(days=40), students=[], show_content=False),
    ]


@pytest.mark.parametrize("path", ["/records/actions/", "/records/actions/?page=2&x=<a>"])
def test_my_action_row_writes_what_the_row_template_wrote(path):
    django_engine = engines["django"]
    context = {
        "actions": _actions(),
        "today": TODAY,
        "reauth_url": "/accounts/reauthenticate/?next=/records/actions/&x=<y>",
        "request": RequestFactory().get(path),
        "csrf_token": "a-token",
    }
    old = django_engine.from_string(OLD_ROWS_TEMPLATE).render(context)
    new = django_engine.from_string(
        "{% load records_actions %}{% for a in actions %}{% my_action_row a %}{% endfor %}"
    ).render(context)
    assert new == old
    # Held: the words of the actions whose entry may not be shown are nowhere.
    for hidden in ("4", "5", "6"):
        assert f"&lt;{hidden}&gt;" not in new
    assert new.count("Confirm your second factor") == 1


def test_my_actions_pages_are_found_on_the_actions_alone(personas, client_for):
    """The page's actions are picked and counted from the actions themselves (ids, holder,
    due date), not from every open action joined to its entry; the page then reads its
    own. Soonest due first across pages, each action once, the total right."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from records.selectors import chronology as selectors
    from records.services.entries import NewAction, record_entry
    from tests.factories import StudentFactory

    cora = personas["cora"]
    today = timezone.localdate()
    for i in range(5):
        record_entry(
            author=cora,
            students=[StudentFactory()],
            kind="concern",
            summary=f"Upset {i}",
            actions=[NewAction(f"Ring home {i}", cora, today + dt.timedelta(days=5 - i))],
        )
    pages = [selectors.open_actions_page_for(cora, 2, n) for n in (1, 2, 3)]
    assert [[a.description for a in page] for page in pages] == [
        ["Ring home 4", "Ring home 3"],
        ["Ring home 2", "Ring home 1"],
        ["Ring home 0"],
    ]
    assert {page.paginator.count for page in pages} == {5}
    assert pages[0][0].entry.visible_students[0].pk  # the page's rows come whole
    with CaptureQueriesContext(connection) as captured:
        assert client_for(cora).get(reverse("records:my_actions")).status_code == 200
    (counting,) = [q["sql"] for q in captured.captured_queries if "OVER ()" in q["sql"]]
    assert '"records_entry"' not in counting


def test_my_actions_names_only_the_pupils_the_holder_may_see(personas, client_for):
    """A row names the entry's pupils the holder may see, by surname (their names come
    with the row now, not from a query of pupils): a class teacher holding an action on
    an entry about three pupils, two of them theirs, sees those two and not the third;
    the room team (who see everyone) sees all three."""
    from django.urls import reverse
    from django.utils import timezone

    from records.services.entries import NewAction, record_entry
    from tests.factories import LinkFactory, StudentFactory

    cora, tom = personas["cora"], personas["tom"]
    zed = StudentFactory(legal_forename="Ada", legal_surname="Zed", preferred_forename="")
    abel = StudentFactory(legal_forename="Bo", legal_surname="Abel", preferred_forename="")
    hidden = StudentFactory(legal_forename="Quillon", legal_surname="Mortlake")
    for pupil in (zed, abel):
        LinkFactory(student=pupil, staff=tom)
    due = timezone.localdate() + dt.timedelta(days=3)
    for holder in (tom, cora):
        record_entry(
            author=cora,
            students=[zed, hidden, abel],
            kind="concern",
            summary="Scuffle at lunch",
            actions=[NewAction(f"Ring home ({holder.pk})", holder, due)],
        )
    html = client_for(tom).get(reverse("records:my_actions")).content.decode()
    assert "Ring home" in html
    assert "Bo Abel" in html and "Ada Zed" in html
    assert html.index("Bo Abel") < html.index("Ada Zed")
    assert "Quillon" not in html and "Mortlake" not in html
    html = client_for(cora).get(reverse("records:my_actions")).content.decode()
    assert html.index("Bo Abel") < html.index("Quillon Mortlake") < html.index("Ada Zed")


def test_my_actions_reads_the_same_rows_from_sql_compiled_once(personas, client_for):
    """For a holder who sees every student the page's actions are read by SQL compiled
    once a process, with the holder and the page's ids put in: the same actions, in the
    same order, with the same entry words, restriction, sharing and names as the
    queryset the page read before (open_actions_for), on every page; a restricted
    entry's words still wait for a fresh second factor, and another holder's page
    (compiled for the first) shows none of the first's actions."""
    from django.urls import reverse
    from django.utils import timezone

    from records.models import Category
    from records.selectors import chronology as selectors
    from records.services.entries import NewAction, amend_entry, record_entry
    from tests.conftest import pass_second_factor
    from tests.factories import StudentFactory

    cora, dina = personas["cora"], personas["dina"]
    today = timezone.localdate()
    safeguarding = Category.objects.get(name="Safeguarding")
    for i in range(4):
        record_entry(
            author=cora,
            students=[StudentFactory(), StudentFactory()],
            kind="concern",
            summary=f"Upset {i}",
            actions=[NewAction(f"Ring home {i}", cora, today + dt.timedelta(days=i))],
        )
    secret = record_entry(
        author=dina,
        students=[StudentFactory()],
        kind="concern",
        category=safeguarding,
        summary="Disclosure-words-1234",
        actions=[NewAction("Secret-step-1234", cora, today + dt.timedelta(days=1))],
    )
    amend_entry(
        author=dina,
        original=secret,
        reason="Spelling",
        summary="Disclosure-words-1234 (corrected)",
        account="",
        actions=[NewAction("Secret-step-5678", dina, today)],
    )

    def row(a):
        names = [(s.pk, s.name) for s in a.entry.visible_students]
        return (
            a.pk,
            a.entry_id,
            a.description,
            a.due_on,
            a.entry.summary,
            a.entry.kind,
            a.entry.amends_id,
            bool(a.entry_restricted),
            bool(a.shared_with_me),
            names,
        )

    expected = [row(a) for a in selectors.open_actions_for(cora)]
    assert len(expected) == 5 and any(r[7] and r[8] for r in expected)
    pages = [selectors.open_actions_page_for(cora, 2, n) for n in (None, "2", "3", "99")]
    assert [row(a) for a in pages[0]] + [row(a) for a in pages[1]] + [
        row(a) for a in pages[2]
    ] == expected
    assert [row(a) for a in pages[3]] == expected[4:]
    assert {page.paginator.count for page in pages} == {5}
    assert [a.description for a in selectors.open_actions_page_for(dina, 50, None)] == [
        "Secret-step-5678"
    ]

    client = client_for(cora)
    html = client.get(reverse("records:my_actions")).content.decode()
    assert "Ring home 0" in html and "Confirm your second factor" in html
    assert "1234" not in html
    pass_second_factor(client)
    html = client.get(reverse("records:my_actions")).content.decode()
    assert "Secret-step-1234" in html and "Disclosure-words-1234" in html
    assert "5678" not in html


def test_my_actions_lists_the_entries_shared_with_the_person(personas, client_for):
    """Below the actions, the restricted entries a DSL shared with this person, newest
    first, each with when it happened, who shared it, when and why (read by SQL
    compiled once a process, the person put in); someone else's page lists none of
    them, and the entry's own words are not in the list."""
    import time_machine
    from django.urls import reverse
    from django.utils import timezone

    from records.models import Category
    from records.services.entries import record_entry, share_entry
    from tests.factories import StudentFactory

    cora, dina, tom = personas["cora"], personas["dina"], personas["tom"]
    safeguarding = Category.objects.get(name="Safeguarding")
    now = timezone.now()
    entries = []
    days = (dt.datetime(2026, 9, 14, 10, tzinfo=dt.UTC), dt.datetime(2026, 10, 5, 9, tzinfo=dt.UTC))
    for i, when in enumerate(days):
        entries.append(
            record_entry(
                author=dina,
                students=[StudentFactory()],
                kind="concern",
                category=safeguarding,
                occurred_at=when,
                summary=f"Shared-words-{i}",
            )
        )
    for i, entry in enumerate(entries):
        with time_machine.travel(now - dt.timedelta(days=10 - i)):
            share_entry(entry=entry, shared_by=dina, colleague=cora, reason=f"Meeting <{i}>")
    html = client_for(cora).get(reverse("records:my_actions")).content.decode()
    assert "Restricted entries shared with you" in html
    newer = f'<a href="{reverse("records:entry_detail", args=[entries[1].pk])}">'
    older = f'<a href="{reverse("records:entry_detail", args=[entries[0].pk])}">'
    assert html.index(newer) < html.index(older)
    assert f"{newer}Entry of Mon 5 Oct 2026</a> – shared by {dina}" in html
    assert f"{older}Entry of Mon 14 Sep 2026</a> – shared by {dina}" in html
    assert "Meeting &lt;1&gt;" in html and "Meeting &lt;0&gt;" in html
    assert "Shared-words" not in html
    html = client_for(tom).get(reverse("records:my_actions")).content.decode()
    assert "Restricted entries shared with you" not in html and "Meeting" not in html
