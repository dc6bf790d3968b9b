"""The student file reads its page of entries from SQL compiled once a process
(records.selectors.student_file), built from timeline_page's querysets: it must give what
those querysets give, for every reader, filter and page, and follow a category restricted
after the SQL was compiled."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from records.models import Attachment, Category
from records.selectors import chronology as reference
from records.selectors import student_file
from records.selectors.chronology import CARD_LISTS, TimelineFilters
from records.services.entries import (
    NewAction,
    amend_entry,
    complete_action,
    record_entry,
    share_entry,
)
from tests.conftest import PERSONAS, pass_second_factor
from tests.factories import LinkFactory, StudentFactory

pytestmark = pytest.mark.django_db

SECRET = "HUSHHUSH"


def _card(entry) -> tuple:
    """Everything the card and the view read of an entry on the page."""
    return (
        entry.pk,
        entry.kind,
        entry.summary,
        entry.account,
        entry.category_id,
        entry.category.name if entry.category_id else None,
        str(entry.author),
        entry.occurred_at,
        entry.recorded_at,
        entry.amends_id,
        entry.amends.summary if entry.amends_id else None,
        bool(entry.is_restricted),
        getattr(entry, "shared_with_me", None),
        getattr(entry, "amends_is_restricted", None),
        getattr(entry, "amends_shared_with_me", None),
        entry.is_amended,
        getattr(entry, "student_count", None),
        list(entry.file_ids),
        list(entry.file_names),
        [tuple(f) for f in getattr(entry, CARD_LISTS["attachments"])],
        [
            (a.pk, a.description, str(a.assignee), a.due_on, getattr(a, "completion", None))
            for a in getattr(entry, CARD_LISTS["actions"])
        ],
        [
            (m.pk, m.summary, bool(m.is_restricted), m.shared_with_me)
            for m in getattr(entry, CARD_LISTS["amendments"])
        ],
        [(s.pk, s.name) for s in entry.visible_students],
    )


def _page(selectors, student, viewer, filters, number):
    page = selectors.timeline_page(student, viewer, filters, number)
    return page.number, page.paginator.count, [_card(e) for e in page.object_list]


@pytest.fixture
def busy_file(personas):
    """A file with every kind of restriction: by flag and category, by a category
    restricted later, through a correction into a restricted category, an entry shared
    with one teacher; with actions (one done), files, and another student."""
    cora, dina, tom = personas["cora"], personas["dina"], personas["tom"]
    student, other = StudentFactory(), StudentFactory()
    for name in PERSONAS:
        LinkFactory(student=student, staff=personas[name])
    behaviour = Category.objects.get(name="Behaviour")
    safeguarding = Category.objects.get(name="Safeguarding")
    later = Category.objects.create(name="Restricted later", position=91)
    now = timezone.now()
    made = []
    for i in range(30):
        category = (behaviour, safeguarding, later)[i % 3]
        author = (cora, dina)[i % 2]
        entry = record_entry(
            author=author,
            students=[student, other] if i % 4 == 0 else [student],
            kind=("concern", "positive")[i % 5 == 0],
            category=category,
            summary=f"{SECRET} {i}" if category == safeguarding else f"Entry {i:02d}",
            account=f"Account {i:02d}",
            occurred_at=now - dt.timedelta(days=3 * i),
            # The DSL holds the actions on restricted entries (anyone else would be
            # shared the entry with them).
            actions=[NewAction(f"Step {i}", (cora, dina)[i % 4 == 1], timezone.localdate())]
            if i % 6 == 0 or i % 4 == 1
            else (),
        )
        made.append(entry)
    complete_action(action=made[0].actions.get(), user=cora, outcome="Done")
    Attachment.objects.create(
        entry=made[3],
        file="x/a.pdf",
        original_name="a.pdf",
        content_type="application/pdf",
        size=3,
        sha256="0" * 64,
        uploaded_by=cora,
    )
    amend_entry(
        author=dina,
        original=made[3],
        reason="Reclassified",
        summary=f"{SECRET} correction",
        account="",
        category=safeguarding,
    )
    amend_entry(author=cora, original=made[6], reason="Typo", summary="Fixed", account="")
    share_entry(entry=made[1], shared_by=dina, colleague=tom, reason="Needs to know")
    return student, later


FILTERS = [
    TimelineFilters(),
    TimelineFilters(kind="concern"),
    TimelineFilters(category_id="safeguarding"),
    TimelineFilters(author_id="dina"),
    # Dates as days from today (the busy file's entries are 0 to 87 days old), put in
    # by _real: some entries fall inside, some outside, whatever today is.
    TimelineFilters(date_from=-60, date_to=0),
    TimelineFilters(kind="positive", category_id="behaviour", date_from=-30),
]


def _real(filters: TimelineFilters, personas) -> TimelineFilters:
    named = {
        "safeguarding": Category.objects.get(name="Safeguarding").pk,
        "behaviour": Category.objects.get(name="Behaviour").pk,
        "dina": personas["dina"].pk,
    }
    return TimelineFilters(
        kind=filters.kind,
        category_id=named.get(filters.category_id, filters.category_id),
        author_id=named.get(filters.author_id, filters.author_id),
        date_from=_day(filters.date_from),
        date_to=_day(filters.date_to),
    )


def _day(days_from_today: int | None) -> dt.date | None:
    if days_from_today is None:
        return None
    return timezone.localdate() + dt.timedelta(days=days_from_today)


@pytest.mark.parametrize("persona", ["cora", "dina", "tom", "dee", "sam"])
def test_the_compiled_page_is_what_the_querysets_give(personas, busy_file, persona):
    student, _later = busy_file
    viewer = personas[persona]
    for filters in FILTERS:
        filters = _real(filters, personas)
        for number in (None, "1", "2", "3", "99", "0", "not a number"):
            expected = _page(reference, student, viewer, filters, number)
            assert _page(student_file, student, viewer, filters, number) == expected


@pytest.mark.parametrize("persona", ["cora", "dina", "tom", "dee"])
def test_the_compiled_sidebar_is_what_the_queryset_gives(personas, busy_file, persona):
    student, _later = busy_file
    viewer = personas[persona]

    def shown(selectors):
        rows, total = selectors.file_sidebar_actions(student, viewer, 4)
        return total, [
            (
                a.pk,
                a.description,
                a.due_on,
                str(a.assignee),
                a.entry_id,
                a.entry.summary,
                a.entry.category.name if a.entry.category_id else None,
                bool(a.entry_restricted),
                a.shared_with_me,
                a.first_student_id,
                a.open_total,
            )
            for a in rows
        ]

    expected = shown(reference)
    assert expected[0] > 4  # more open than shown, restricted ones among them
    assert any(row[7] for row in expected[1])
    assert shown(student_file) == expected


def test_a_category_restricted_after_compiling_is_caught(personas, busy_file, client_for):
    """The SQL is compiled once a process; a category restricted after that restricts its
    entries at the next read, for the selectors and on the page, because the restriction
    is asked by the SQL on every run, not fixed when it was built."""
    student, later = busy_file
    tom = personas["tom"]

    def restricted():
        page = student_file.timeline_page(student, tom, TimelineFilters(), None)
        return {e.summary for e in page.object_list if e.is_restricted}

    before = restricted()  # compiled now, with the category open
    assert "Entry 02" not in before
    later.restricted = True
    later.save()
    assert "Entry 02" in restricted()
    client = client_for(tom)
    pass_second_factor(client)
    html = client.get(reverse("records:student_file", args=[student.pk])).content.decode()
    assert "Account 02" not in html and "Entry 02" not in html
    later.restricted = False
    later.save()
    assert restricted() == before


def test_restricted_words_reach_only_those_who_may_read_them(personas, busy_file, client_for):
    student, _later = busy_file
    url = reverse("records:student_file", args=[student.pk])
    for name in ("cora", "tom", "dee", "sam", "rita", "ada"):
        client = client_for(personas[name])
        pass_second_factor(client)
        for number in ("1", "2"):
            html = client.get(url, {"page": number}).content.decode()
            # Tom reads the one entry shared with him, and only that one.
            shared = html.count(f"{SECRET} 1<") if name == "tom" else 0
            assert html.count(SECRET) == shared, name
    tom = client_for(personas["tom"])
    pass_second_factor(tom)
    assert f"{SECRET} 1<" in tom.get(url).content.decode()
    dina = client_for(personas["dina"])
    assert SECRET not in dina.get(url).content.decode()  # no fresh second factor
    pass_second_factor(dina)
    assert SECRET in dina.get(url).content.decode()


@pytest.mark.parametrize(
    "data", [None, {"author": "dina", "category": "safeguarding"}, {"author": "999999"}]
)
def test_the_filter_choices_are_what_the_fields_would_list(personas, busy_file, data):
    """The category and author selects, given their choices from SQL compiled once, are
    written as the fields' own querysets would write them (bound, unbound, invalid)."""
    from records.forms.entries import TimelineFilterForm

    student, _later = busy_file
    student_file.give_filter_choices(
        TimelineFilterForm(None, authors=reference.authors_for(student)), student
    )  # compiled now
    Category.objects.create(name="Added after compiling", position=93)
    if data:
        named = {
            "dina": str(personas["dina"].pk),
            "safeguarding": str(Category.objects.get(name="Safeguarding").pk),
        }
        data = {key: named.get(value, value) for key, value in data.items()}

    def written(give):
        form = TimelineFilterForm(data, authors=reference.authors_for(student))
        if give:
            student_file.give_filter_choices(form, student)
        return str(form["category"]), str(form["author"]), form.filters()

    expected = written(False)
    assert "Added after compiling" in expected[0] and str(personas["dina"]) in expected[1]
    assert written(True) == expected


@pytest.mark.parametrize("persona", ["cora", "dina", "tom"])
def test_the_files_student_is_what_the_queryset_gives(personas, persona):
    """student_for_file from SQL compiled once: the same student with the same contacts
    in the same order, and 404 for a pupil the reader may not see, one disposed of, or
    one that does not exist."""
    from django.http import Http404

    from tests.factories import ContactFactory

    viewer = personas[persona]
    seen, unseen, disposed = StudentFactory(), StudentFactory(), StudentFactory()
    LinkFactory(student=seen, staff=personas["tom"])
    LinkFactory(student=disposed, staff=personas["tom"])
    for priority, surname in ((2, "Brown"), (1, "Young"), (1, "Adams")):
        ContactFactory(student=seen, priority=priority, surname=surname)
    disposed.record_disposed_at = timezone.now()
    disposed.save(update_fields=["record_disposed_at"])

    def found(selectors, pk):
        try:
            student = selectors.student_for_file(viewer, pk)
        except Http404:
            return None
        contacts = [(x.pk, x.surname, x.student is student) for x in student.contacts.all()]
        return student.pk, student.name, contacts

    for pk in (seen.pk, unseen.pk, disposed.pk, 10**9, 10**20, "x"):
        assert found(student_file, pk) == found(reference, pk)
    assert found(student_file, seen.pk)[2][0][1] == "Adams"
    assert (found(student_file, unseen.pk) is None) == (persona == "tom")


def test_an_unfiltered_file_is_counted_by_its_links(personas, busy_file):
    """With no filter the page counts the file's links, not its entries looked up one
    by one: the same number (each link is one entry, once), and a filter counts what it
    keeps."""
    from records.models import Entry

    student, _later = busy_file
    viewer = personas["dina"]
    entries = Entry.objects.filter(links__student=student)
    for selectors in (reference, student_file):
        page = selectors.timeline_page(student, viewer, TimelineFilters(), None)
        assert page.paginator.count == entries.count() == 32  # 30 and two corrections
        kept = selectors.timeline_page(student, viewer, TimelineFilters(kind="positive"), None)
        assert kept.paginator.count == entries.filter(kind="positive").count() == 6
