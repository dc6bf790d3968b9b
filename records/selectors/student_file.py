"""The student file's page of entries and its sidebar, from SQL compiled once a process.

Building and compiling the file's queries (the entries with their restriction, their
originals, the shares, the count, the files; the sidebar's open actions) was about a
third of the page's time. Each is compiled here once a process (for each shape the
filters and the viewer's rights give), from the very querysets of
records.selectors.chronology (timeline_page and file_sidebar_actions, which stay the
reference), with stand-ins where the student, the viewer, the filters' values and the
page's place go; a request runs that SQL with its own values and gets the same model
instances (enigma.compiled). The restriction is worked out by the SQL on
every run (a category restricted after compiling is caught): nothing about any entry
is fixed when the SQL is built.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.contrib.postgres.expressions import ArraySubquery
from django.core.paginator import Page
from django.db.models import (
    BooleanField,
    F,
    Func,
    OuterRef,
    Prefetch,
    Value,
    prefetch_related_objects,
)
from django.http import Http404

from enigma.capabilities import Capability
from enigma.compiled import CompiledQuery
from enigma.models import Student, User
from enigma.paging import TOTAL, count_of, counted_rows_page
from records.models import Action, Attachment, Entry
from records.selectors import chronology as c

# Stand-ins: values no row holds and nobody types.
_STUDENT = -7_301_001
_VIEWER = -7_301_002
_CATEGORY = -7_301_003
_AUTHOR = -7_301_004
_KIND = "\x1fstand-in kind\x1f"
_FROM = dt.date(1901, 2, 3)
_TO = dt.date(1902, 3, 4)
_OFFSET, _LIMIT = 7_654_321, 1_234_567
_SLICE = f"LIMIT {_LIMIT} OFFSET {_OFFSET}"


def _stand_in_viewer(read_restricted: bool, read_force: bool) -> User:
    """A person with a stand-in id who holds (of the rights the file's queries ask
    about) just these: the shape's."""
    held = {Capability.READ_RESTRICTED: read_restricted, Capability.READ_FORCE_RECORDS: read_force}

    def can(*capabilities):
        asked = set(capabilities)
        if not asked <= held.keys():
            raise ValueError(f"the file's compiled SQL does not know {asked - held.keys()}")
        return any(held[capability] for capability in capabilities)

    stand_in = User(pk=_VIEWER)
    stand_in.can = can
    return stand_in


def _shape(viewer, filters: c.TimelineFilters) -> tuple:
    return (
        bool(filters.kind),
        filters.category_id is not None,
        filters.author_id is not None,
        bool(filters.date_from),
        bool(filters.date_to),
        viewer.can(Capability.READ_RESTRICTED),
        viewer.can(Capability.READ_FORCE_RECORDS),
    )


def _page_queryset(student, viewer, filters: c.TimelineFilters, start, stop):
    """timeline_page's rows query for one page, without its prefetches."""
    found = c._matching(student, viewer, filters).values("pk")
    files = Attachment.objects.filter(entry=OuterRef("pk")).order_by("uploaded_at", "id")
    entries = c.chronology(student, viewer=viewer, filters=filters).annotate(
        file_ids=ArraySubquery(files.values("pk")),
        file_names=ArraySubquery(files.values("original_name")),
    )
    ids = c.page_order(student, filters, found)[start:stop]
    total = count_of(c.file_counted(student, filters, found))
    return entries.filter(pk__in=ids).annotate(**{TOTAL: total})


@functools.cache
def _compiled_page(shape: tuple) -> CompiledQuery:
    kind, category, author, date_from, date_to, read_restricted, read_force = shape
    filters = c.TimelineFilters(
        kind=_KIND if kind else "",
        category_id=_CATEGORY if category else None,
        author_id=_AUTHOR if author else None,
        date_from=_FROM if date_from else None,
        date_to=_TO if date_to else None,
    )
    stand_ins = {"student": _STUDENT, "viewer": _VIEWER}
    for name, value, used in (
        ("kind", _KIND, kind),
        ("category", _CATEGORY, category),
        ("author", _AUTHOR, author),
        ("date_from", _FROM, date_from),
        ("date_to", _TO, date_to),
    ):
        if used:
            stand_ins[name] = value
    viewer = _stand_in_viewer(read_restricted, read_force)
    queryset = _page_queryset(_STUDENT, viewer, filters, _OFFSET, _OFFSET + _LIMIT)
    return CompiledQuery(queryset, stand_ins, {"slice": _SLICE})


def _card_prefetches(viewer) -> list[Prefetch]:
    """What timeline_page prefetches for the cards (the same lookups)."""
    return [
        Prefetch(
            "actions",
            queryset=Action.objects.select_related("assignee", "completion"),
            to_attr=c.CARD_LISTS["actions"],
        ),
        Prefetch(
            "amendments",
            queryset=c.with_restriction(
                Entry.objects.only(*c.CORRECTION_FIELDS).order_by("recorded_at", "id"), viewer
            ),
            to_attr=c.CARD_LISTS["amendments"],
        ),
        Prefetch(
            "students",
            queryset=Student.objects.visible_to(viewer)
            .only(*c.STUDENT_NAME_FIELDS)
            .order_by("legal_surname"),
            to_attr="visible_students",
        ),
    ]


# The cards' lists, each read for a page's entries (= ANY of their ids) from SQL compiled
# once: the same querysets as _card_prefetches, filtered as Django's prefetch filters them.
_ENTRIES = [-7_301_005]


def _entry_id_any(field: str, ids) -> Func:
    return Func(
        F(field),
        Value(ids),
        arg_joiner=" = ANY(",
        template="%(expressions)s)",
        output_field=BooleanField(),
    )


@functools.cache
def _compiled_card_lists() -> tuple[CompiledQuery, CompiledQuery, CompiledQuery]:
    # (The students' list is visible_to's for a viewer who sees everyone, written out:
    # the stand-in viewer holds no role.)
    actions, amendments, _students = (p.queryset for p in _card_prefetches(User(pk=_VIEWER)))
    return (
        CompiledQuery(actions.filter(_entry_id_any("entry_id", _ENTRIES)), {"entries": _ENTRIES}),
        CompiledQuery(
            amendments.filter(_entry_id_any("amends_id", _ENTRIES)),
            {"entries": _ENTRIES, "viewer": _VIEWER},
        ),
        # Only for a viewer who sees every student (visible_to adds no condition).
        CompiledQuery(
            Student.objects.only(*c.STUDENT_NAME_FIELDS)
            .order_by("legal_surname")
            .filter(_entry_id_any("chronology_links__entry_id", _ENTRIES))
            .annotate(_card_entry_id=F("chronology_links__entry_id")),
            {"entries": _ENTRIES},
        ),
    )


def _load_card_lists(entries: list[Entry], viewer, student) -> None:
    """What _card_prefetches loads, as Django's prefetch sets it: each entry's list in
    the query's order, and each action's and correction's entry (to_attr lists). An
    entry about this file's `student` alone (student_count 1: most of them) has them as
    its one student: the students are read only for entries about others too, and not
    at all when there are none on the page (a query and 25 students fewer a view)."""
    actions, amendments, students = _compiled_card_lists()
    by_id = {entry.pk: entry for entry in entries}
    values = {"entries": list(by_id), "viewer": viewer.pk}
    shared = [entry for entry in entries if entry.student_count != 1]
    lists = {name: {pk: [] for pk in by_id} for name in ("actions", "amendments", "students")}
    entry_field = Action._meta.get_field("entry")
    for action in actions.objects(values):
        entry_field.set_cached_value(action, by_id[action.entry_id])
        lists["actions"][action.entry_id].append(action)
    amends_field = Entry._meta.get_field("amends")
    for correction in amendments.objects(values):
        amends_field.set_cached_value(correction, by_id[correction.amends_id])
        lists["amendments"][correction.amends_id].append(correction)
    visible = Student.objects.visible_to(viewer)
    if visible.query.where:  # not every student: Django's prefetch, as it is
        if shared:
            prefetch_related_objects(shared, _card_prefetches(viewer)[2])
    elif shared:
        values["entries"] = [entry.pk for entry in shared]
        for named in students.objects(values):
            lists["students"][named._card_entry_id].append(named)
            del named._card_entry_id
    for entry in entries:
        setattr(entry, c.CARD_LISTS["actions"], lists["actions"][entry.pk])
        setattr(entry, c.CARD_LISTS["amendments"], lists["amendments"][entry.pk])
        if entry.student_count == 1:  # the file's student (whom the viewer may see)
            entry.visible_students = [student]
        elif not visible.query.where:
            entry.visible_students = lists["students"][entry.pk]


def timeline_page(student, viewer, filters: c.TimelineFilters, page_number) -> Page:
    """records.selectors.chronology.timeline_page, its rows read from SQL compiled once."""
    compiled = _compiled_page(_shape(viewer, filters))
    values = {
        "student": student.pk,
        "viewer": viewer.pk,
        "kind": filters.kind,
        "category": filters.category_id,
        "author": filters.author_id,
        "date_from": filters.date_from,
        "date_to": filters.date_to,
    }

    def fetch(offset: int, limit: int) -> list:
        rows = compiled.objects(values, {"slice": f"LIMIT {int(limit)} OFFSET {int(offset)}"})
        for entry in rows:
            links = [
                c.FileLink(*file) for file in zip(entry.file_ids, entry.file_names, strict=True)
            ]
            setattr(entry, c.CARD_LISTS["attachments"], links)
        if rows:
            _load_card_lists(rows, viewer, student)
        return rows

    def count() -> int:
        return c._matching(student, viewer, filters).count()

    return counted_rows_page(
        fetch,
        lambda row: getattr(row, TOTAL),
        count,
        c.TIMELINE_PAGE_SIZE,
        page_number,
        Entry.objects.none(),
    )


@functools.cache
def _compiled_sidebar(limit: int) -> CompiledQuery:
    return CompiledQuery(
        c.sidebar_actions(_STUDENT, User(pk=_VIEWER), limit),
        {"student": _STUDENT, "viewer": _VIEWER},
    )


def file_sidebar_actions(student, viewer, limit: int) -> tuple[list[Action], int]:
    """records.selectors.chronology.file_sidebar_actions, read from SQL compiled once."""
    rows = _compiled_sidebar(limit).objects({"student": student.pk, "viewer": viewer.pk})
    if rows:
        return rows, rows[0].open_total
    return rows, 0


# --- the filter form's choices ----------------------------------------------------------
#
# The category and author selects list their choices on every view of the file: as
# ModelChoiceFields they compiled their querysets and read each through a server-side
# cursor (declare, fetch, close). The same querysets are compiled once here, and the
# choices given to the form as its fields would have made them (ModelChoiceIterator);
# the fields keep their querysets, which still check what is sent.


@functools.cache
def _compiled_authors() -> CompiledQuery:
    return CompiledQuery(c.authors_for(_STUDENT), {"student": _STUDENT})


@functools.cache
def _compiled_categories(queryset) -> CompiledQuery:
    return CompiledQuery(queryset, {})


def _choices_of(field, objects) -> list:
    iterator = field.iterator(field)
    choices = [("", field.empty_label)] if field.empty_label is not None else []
    return choices + [iterator.choice(obj) for obj in objects]


def give_filter_choices(form, student) -> None:
    """Set the filter form's category and author choices (TimelineFilterForm, built
    with authors=authors_for(student)), as their querysets would list them."""
    category = form.fields["category"]
    categories = _compiled_categories(type(form).base_fields["category"].queryset)
    category.choices = _choices_of(category, categories.objects({}))
    author = form.fields["author"]
    author.choices = _choices_of(author, _compiled_authors().objects({"student": student.pk}))


# --- the file's student -----------------------------------------------------------------


@functools.cache
def _compiled_student() -> tuple[CompiledQuery, CompiledQuery]:
    # get_student_for's query for a viewer who sees every student, and the contacts
    # student_for_file prefetches.
    from enigma.models import Contact

    student = Student.objects.filter(record_disposed_at__isnull=True).filter(pk=_STUDENT)
    contacts = Contact.objects.order_by("priority", "surname").filter(student_id=_STUDENT)
    return (
        CompiledQuery(student, {"student": _STUDENT}),
        CompiledQuery(contacts, {"student": _STUDENT}),
    )


def student_for_file(user, pk) -> Student:
    """records.selectors.chronology.student_for_file (404 unless visible, with its key
    contacts loaded), read from SQL compiled once while `user` sees every student."""
    if Student.objects.visible_to(user).query.where:  # not every student: as it is
        return c.student_for_file(user, pk)
    student_query, contacts_query = _compiled_student()
    try:
        values = {"student": int(pk)}
    except (TypeError, ValueError):
        raise Http404 from None
    found = student_query.objects(values)
    if not found:
        raise Http404("No Student matches the given query.")
    student = found[0]
    contacts = contacts_query.objects(values)
    student_field = contacts_query.model._meta.get_field("student")
    for contact in contacts:
        student_field.set_cached_value(contact, student)
    # As Django's prefetch keeps them: the relation's queryset, already read.
    cached = student.contacts.get_queryset()
    cached._result_cache = contacts
    cached._prefetch_done = True
    student._prefetched_objects_cache = {"contacts": cached}
    return student
