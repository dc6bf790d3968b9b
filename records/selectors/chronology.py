"""Reading the student file: chronologies, actions, and checking the hash chains."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from dataclasses import astuple, dataclass
from itertools import groupby
from operator import attrgetter
from typing import NamedTuple

from django.contrib.postgres.aggregates import JSONBAgg
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.core.paginator import Page
from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Count,
    Exists,
    F,
    Func,
    JSONField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, JSONObject
from django.utils import timezone

from enigma.capabilities import Capability, users_who_can
from enigma.compiled import fetch_prepared
from enigma.models import Student, User
from enigma.paging import (
    TOTAL,
    KeysetPage,
    count_of,
    counted_page,
    counted_rows_page,
    parse_time_cursor,
    time_cursor,
)
from records import access, chain
from records.models import (
    Action,
    Attachment,
    Category,
    ChronologyLink,
    Entry,
    EntryShare,
    FileAuthor,
    FileEntry,
    OpenAction,
    OpenActionStudent,
)

TIMELINE_PAGE_SIZE = 25


# Restricted now: recorded restricted, in a category restricted now, or correcting an
# entry restricted now (records.access.restricted_now). As a filter on entries, and on
# rows that belong to an entry (actions).
RESTRICTED = access.restricted_now()
ENTRY_RESTRICTED = access.restricted_now("entry_id")


def with_restriction(entries: QuerySet[Entry], viewer=None) -> QuerySet[Entry]:
    """Entries annotated with what deciding their visibility needs: is_restricted, and
    for a viewer, shared_with_me (a DSL shared this very entry with them)."""
    entries = entries.annotate(is_restricted=access.restricted_now())
    if viewer is not None:
        entries = entries.annotate(
            shared_with_me=Exists(
                EntryShare.objects.filter(entry=OuterRef("pk"), shared_with=viewer)
            )
        )
    return entries


def with_original(entries: QuerySet[Entry], viewer=None) -> QuerySet[Entry]:
    """Entries with the entry each corrects (entry.amends) loaded, and what deciding
    that one's visibility needs (amends_is_restricted, amends_shared_with_me): a
    correction shows its original's text only to someone who may read the original."""
    entries = entries.select_related("amends").annotate(
        amends_is_restricted=access.restricted_now("amends_id")
    )
    if viewer is not None:
        entries = entries.annotate(
            amends_shared_with_me=Exists(
                EntryShare.objects.filter(entry=OuterRef("amends_id"), shared_with=viewer)
            )
        )
    return entries


def corrections(viewer) -> Prefetch:
    """An entry's corrections, oldest first, each with its own restriction: a restricted
    correction of an open entry shows on it only as a notice to those who may not read it."""
    return Prefetch(
        "amendments",
        queryset=with_restriction(
            Entry.objects.select_related("author").order_by("recorded_at", "id"), viewer
        ),
    )


@dataclass(frozen=True)
class TimelineFilters:
    kind: str = ""
    category_id: int | None = None
    author_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @property
    def active(self) -> bool:
        return any(v not in ("", None) for v in astuple(self))


def chronology(
    student, *, kind: str = "", category=None, author=None, viewer=None, filters=None
) -> QuerySet[Entry]:
    """A student's entries, newest first, with what a timeline shows loaded up front.

    With a viewer who may not read restricted entries, restricted entries are kept in
    whatever the kind/category/author filters ask (they show only as a notice, so
    filtering must not reveal their kind, category or author); the date range applies
    to every entry.
    """
    filters = filters or TimelineFilters(
        kind=kind,
        category_id=getattr(category, "pk", category),
        author_id=getattr(author, "pk", author),
    )
    qs = _matching(student, viewer, filters)
    if "is_restricted" not in qs.query.annotations:
        qs = with_restriction(qs, viewer)
    qs = with_original(qs, viewer).annotate(
        is_amended=Exists(Entry.objects.filter(amends=OuterRef("pk"))),
    )
    if viewer is not None:
        qs = qs.annotate(
            student_count=Subquery(
                ChronologyLink.objects.filter(entry=OuterRef("pk"))
                .values("entry")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
        )
    return qs.select_related("author", "category").order_by("-occurred_at", "-id")


def _matching(student, viewer, filters: TimelineFilters) -> QuerySet[Entry]:
    """The student's entries the filters keep (see chronology), with only what the
    filters need: the restriction, when they keep a viewer's unreadable entries."""
    qs = Entry.objects.filter(links__student=student)
    narrow = Q()
    if filters.kind:
        narrow &= Q(kind=filters.kind)
    if filters.category_id is not None:
        narrow &= Q(category_id=filters.category_id)
    if filters.author_id is not None:
        narrow &= Q(author_id=filters.author_id)
    if narrow and viewer is not None and not viewer.can(Capability.READ_RESTRICTED):
        qs = with_restriction(qs, viewer)
        unreadable = Q(is_restricted=True) & Q(shared_with_me=False)
        if viewer.can(Capability.READ_FORCE_RECORDS):
            unreadable &= ~Q(kind=Entry.Kind.FORCE)
        narrow |= unreadable
    if narrow:
        qs = qs.filter(narrow)
    if filters.date_from:
        qs = qs.filter(occurred_at__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(occurred_at__date__lte=filters.date_to)
    return qs


def file_counted(student, filters: TimelineFilters, found: QuerySet) -> QuerySet:
    """What a timeline page counts: the entries `found`, or, with no filter, the file's
    links (one to each of its entries), counted on their own index without looking up
    each entry (1,000 on the bench school, ~0.8 ms a view)."""
    if filters.active:
        return found
    return ChronologyLink.objects.filter(student=student).values("pk")


def page_order(student, filters: TimelineFilters, found: QuerySet) -> QuerySet:
    """The ids of the entries `found`, in the file's order (newest first), from which a
    page is sliced. With no filter, from the file's own timeline (records.FileEntry),
    kept by the database in that order: a page is an index range, where every entry in
    the file was read to put them in order (1,000 on the bench school, ~1.5 ms a view)."""
    if filters.active:
        return found.order_by("-occurred_at", "-id")
    return (
        FileEntry.objects.filter(student=student)
        .order_by("-occurred_at", "-entry_id")
        .values("entry_id")
    )


def timeline(student, viewer, filters: TimelineFilters) -> QuerySet[Entry]:
    """The student file's timeline for one viewer: entries with their actions, files,
    amendments and the other students involved (only those the viewer may see)."""
    return chronology(student, viewer=viewer, filters=filters).prefetch_related(
        Prefetch(
            "actions",
            queryset=Action.objects.select_related("assignee", "completion__done_by"),
        ),
        Prefetch("attachments", queryset=Attachment.objects.select_related("uploaded_by")),
        corrections(viewer),
        Prefetch(
            "students",
            queryset=Student.objects.visible_to(viewer).order_by("legal_surname"),
            to_attr="visible_students",
        ),
    )


def timeline_page(student, viewer, filters: TimelineFilters, page_number) -> Page:
    """A page of the timeline, counted in the same query.

    What each card shows is loaded as lists (CARD_LISTS): prefetched into the relation's
    own cache, Django made a filtered queryset per entry and relation to hold each list
    (75 on a page of 25, ~15% of the page's time), although the card only reads them.
    And only what the card shows: not who completed an action, nor a correction's author
    or account, nor more of the other students than their names."""
    entries = chronology(student, viewer=viewer, filters=filters).prefetch_related(
        Prefetch(
            "actions",
            queryset=Action.objects.select_related("assignee", "completion"),
            to_attr=CARD_LISTS["actions"],
        ),
        Prefetch(
            "amendments",
            queryset=with_restriction(
                Entry.objects.only(*CORRECTION_FIELDS).order_by("recorded_at", "id"), viewer
            ),
            to_attr=CARD_LISTS["amendments"],
        ),
        Prefetch(
            "students",
            queryset=Student.objects.visible_to(viewer)
            .only(*STUDENT_NAME_FIELDS)
            .order_by("legal_surname"),
            to_attr="visible_students",
        ),
    )
    # The page is picked, and the file counted, on the entries alone (their ids and
    # dates), in subqueries; only its 25 are then joined to what the cards show. As a
    # window count over the full rows, every one of a long file's entries was joined,
    # carried through the count and sorted (1,000 on the bench school: the query's
    # execution 5.2 -> 2.8 ms).
    found = _matching(student, viewer, filters).values("pk")
    total = count_of(file_counted(student, filters, found))

    # A card names its files and links to them: their ids and names come with the page's
    # rows, in the files' own order (one query and 25 files' objects fewer).
    files = Attachment.objects.filter(entry=OuterRef("pk")).order_by("uploaded_at", "id")
    entries = entries.annotate(
        file_ids=ArraySubquery(files.values("pk")),
        file_names=ArraySubquery(files.values("original_name")),
    )

    def rows_of(start, stop):
        ids = page_order(student, filters, found)[start:stop]
        rows = list(entries.filter(pk__in=ids).annotate(**{TOTAL: total}))
        for entry in rows:
            links = [FileLink(*file) for file in zip(entry.file_ids, entry.file_names, strict=True)]
            setattr(entry, CARD_LISTS["attachments"], links)
        return rows

    return counted_page(entries, TIMELINE_PAGE_SIZE, page_number, rows_of=rows_of)


# What a card reads of a correction (and records.access of any entry), and of a student
# to name them (Student.name).
CORRECTION_FIELDS = (
    "kind",
    "category_id",
    "restricted",
    "amends_id",
    "summary",
    "occurred_at",
    "recorded_at",
)
STUDENT_NAME_FIELDS = (
    "legal_forename",
    "legal_surname",
    "preferred_forename",
    "preferred_surname",
    "record_disposed_at",
)


class FileLink(NamedTuple):
    """A file as its entry's card shows it (a link named as uploaded)."""

    pk: int
    original_name: str


# The timeline page's entries carry their actions, files and corrections as these lists
# (records.templatetags.records_timeline and records.views.common read them).
CARD_LISTS = {
    "actions": "card_actions",
    "attachments": "card_attachments",
    "amendments": "card_amendments",
}


def student_for_file(user, pk) -> Student:
    """The student file's student (404 unless visible), with key contacts loaded."""
    from enigma.models import Contact
    from enigma.permissions import get_student_for

    qs = Student.objects.prefetch_related(
        Prefetch("contacts", queryset=Contact.objects.order_by("priority", "surname"))
    )
    return get_student_for(user, pk, queryset=qs)


def file_sidebar_actions(student, viewer, limit: int) -> tuple[list[Action], int]:
    """The soonest `limit` open actions on this student's entries, with what the file
    shows, and how many are open in all: one query. The student's open actions are read
    from their own markers (records.models.OpenActionStudent) in due order, so only the
    `limit` shown are looked up and have their entry's restriction worked out, and the
    count is of the student's markers alone."""
    rows = list(sidebar_actions(student, viewer, limit))
    if rows:
        return rows, rows[0].open_total
    return rows, 0


def sidebar_actions(student, viewer, limit: int) -> QuerySet[Action]:
    """file_sidebar_actions's query (records.selectors.student_file compiles it once)."""
    markers = OpenActionStudent.objects.filter(student=student)
    return (
        _with_entry_context(Action.objects.filter(open_students__student=student), viewer)
        .annotate(open_total=Subquery(markers.values("student").annotate(n=Count("*")).values("n")))
        .order_by("open_students__due_on", "open_students__action_id")[:limit]
    )


def authors_for(student) -> QuerySet:
    """Who has written in this student's chronology (the author filter's choices)."""
    from django.contrib.auth import get_user_model

    # The file's authors as the database keeps them (records.models.FileAuthor: a row
    # for each author), found once before anyone is looked at. Read from the file's
    # entries, they were each of its ~1,000 entries' authors on the bench school, on
    # every view; and as "IN (subquery)" the planner may instead walk every user's
    # entries in the school looking for one in this file (it did when the form's
    # choices were read through a cursor: 165-290 ms on the bench school).
    authors = FileAuthor.objects.filter(student=student).values("author_id")
    return (
        get_user_model().objects.filter(_pk_in_list_of(authors)).order_by("last_name", "first_name")
    )


def _pk_in_list_of(values: QuerySet) -> Func:
    """pk = ANY(ARRAY(values)): the subquery runs once, first, and its rows are then
    looked up by primary key; the planner cannot turn it into a join it drives from the
    other side."""
    return Func(
        F("pk"),
        ArraySubquery(values),
        arg_joiner=" = ANY(",
        template="%(expressions)s)",
        output_field=BooleanField(),
    )


def dsl_team() -> list:
    """The people to ask about a restricted entry."""
    return list(users_who_can(Capability.READ_RESTRICTED).order_by("last_name", "first_name"))


def _open(actions: QuerySet[Action]) -> QuerySet[Action]:
    """The open ones of `actions`: the open-action markers (a few rows) looked up by
    primary key, rather than every action set against every completion
    (records.models.OpenAction)."""
    return actions.filter(_pk_in_list_of(OpenAction.objects.values("action_id")))


def _with_entry_context(actions: QuerySet[Action], viewer) -> QuerySet[Action]:
    return actions.select_related("entry", "entry__category", "assignee").annotate(
        entry_restricted=ENTRY_RESTRICTED,
        shared_with_me=Exists(
            EntryShare.objects.filter(entry=OuterRef("entry_id"), shared_with=viewer)
        ),
        first_student_id=Subquery(
            ChronologyLink.objects.filter(entry=OuterRef("entry_id"))
            .order_by("seq")
            .values("student_id")[:1]
        ),
    )


def _open_soonest_with_students(actions: QuerySet[Action], viewer) -> QuerySet[Action]:
    """Open `actions`, soonest due first, with what the file shows and the students each
    is about that `viewer` may see (entry.visible_students)."""
    return _with_students(_with_entry_context(_open(actions), viewer), viewer).order_by(
        "due_on", "id"
    )


def _with_students(actions: QuerySet[Action], viewer) -> QuerySet[Action]:
    return actions.prefetch_related(
        Prefetch(
            "entry__students",
            queryset=Student.objects.visible_to(viewer).order_by("legal_surname"),
            to_attr="visible_students",
        )
    )


def open_actions_for(user) -> QuerySet[Action]:
    """'My actions': what a person still has to do, soonest first, with the students each
    is about (those the person may see)."""
    return _open_soonest_with_students(Action.objects.filter(assignee=user), user)


def open_actions_page_for(user, per_page: int, number) -> Page:
    """A page of 'my actions', counted in the same query (enigma.paging).

    The page is found on the actions alone (the open markers' ids looked up, the holder
    and due date read): some 600 open actions for a busy coordinator on the bench school,
    each otherwise joined to its entry and carried whole through the count and the sort,
    only for 50 to be shown (~9.5 ms of the database's time -> ~5 ms). The page's actions
    are then read by id with what the page shows. One found open that is completed in
    between is still listed: marking it done again says it already is.

    Both reads are SQL compiled once a process (as the safeguarding queue's), the second
    only while `user` may see every student; otherwise it is read through the ORM."""
    sql, params = _my_page_sql()
    params = _as_for(params, user.pk)

    def fetch(offset: int, limit: int) -> list:
        return _rows(sql, (*params, limit, offset))

    page = counted_rows_page(
        fetch, lambda row: row[1], lambda: sum(r[1] for r in fetch(0, 1)), per_page, number
    )
    ids = [pk for pk, _total in page.object_list]
    page.object_list = []
    if ids:
        by_id = {action.pk: action for action in _my_actions_shown(ids, user)}
        page.object_list = [by_id[pk] for pk in ids if pk in by_id]
    return page


# What a row of 'my actions' shows of its entry, and what deciding whether it may show it
# reads (records.views.common.decide_visibility: the kind, for a record of force; whether
# it corrects another).
_MY_ACTION_ENTRY = ("summary", "kind", "amends_id")
# Stand for the viewer (or holder) and the page's action ids in SQL compiled once: no
# person or action has them.
_NOBODY = -7_321_987
_NO_ACTIONS = [-7_321_987, -7_321_986]


def _as_for(params: tuple, viewer_pk: int, ids=None) -> tuple:
    """The compiled SQL's parameters with the viewer's id (and the page's action ids) in
    place of what stood for them."""
    return tuple(
        viewer_pk
        if type(p) is int and p == _NOBODY
        else list(ids)
        if ids is not None and p == _NO_ACTIONS
        else p
        for p in params
    )


def _my_actions_query(ids, viewer_pk: int, visible: QuerySet | None) -> QuerySet[Action]:
    return (
        Action.objects.filter(
            Func(
                F("pk"),
                Value(list(ids), output_field=ArrayField(BigIntegerField())),
                arg_joiner=" = ANY(",
                template="%(expressions)s)",
                output_field=BooleanField(),
            )
        )
        .select_related("entry")
        .only("entry_id", "description", "due_on", *(f"entry__{f}" for f in _MY_ACTION_ENTRY))
        .annotate(
            entry_restricted=ENTRY_RESTRICTED,
            shared_with_me=Exists(
                EntryShare.objects.filter(entry=OuterRef("entry_id"), shared_with_id=viewer_pk)
            ),
            named_students=_students_named("entry_id", visible),
        )
    )


_MY_ACTION_COLUMNS = (
    "pk",
    "entry_id",
    "description",
    "due_on",
    *(f"entry__{f}" for f in _MY_ACTION_ENTRY),
    "entry_restricted",
    "shared_with_me",
    "named_students",
)


@functools.cache
def _my_page_sql() -> tuple[str, tuple]:
    query = (
        _open(Action.objects.filter(assignee_id=_NOBODY))
        .order_by("due_on", "id")
        .annotate(**{TOTAL: Window(Count("*"))})
        .values_list("pk", TOTAL)
        .query
    )
    sql, params = query.sql_with_params()
    return f"{sql} LIMIT %s OFFSET %s", tuple(params)


@functools.cache
def _my_actions_sql() -> tuple[str, tuple]:
    query = _my_actions_query(_NO_ACTIONS, _NOBODY, None).values_list(*_MY_ACTION_COLUMNS).query
    sql, params = query.sql_with_params()
    return sql, tuple(params)


def _in_field_order(model, names: tuple[str, ...]) -> tuple[tuple[str, ...], list[int]]:
    """`names` (attnames) in the model's field order, as Model.from_db reads them, and
    where each came from."""
    order = [f.attname for f in model._meta.concrete_fields if f.attname in names]
    return tuple(order), [names.index(name) for name in order]


_ACTION_LOADED = _in_field_order(Action, ("id", "entry_id", "description", "due_on"))
_ENTRY_LOADED = _in_field_order(Entry, ("id", *_MY_ACTION_ENTRY))


def _my_actions_shown(ids: list[int], viewer) -> list[Action]:
    """The actions `ids` with what their rows show and no more: the entry's words and
    restriction, whether it was shared with `viewer`, and the students it is about that
    `viewer` may see (entry.visible_students), named from a column of the action's own
    row. Not the entry's category, the holder (the viewer) or the whole of each pupil
    and entry, which the page never shows (~50 rows of four model instances each, and a
    second query for the pupils, as the student file's sidebar still loads them)."""
    visible = Student.objects.visible_to(viewer)
    if visible.query.where:  # not every student: the query as it is
        found = list(_my_actions_query(ids, viewer.pk, visible))
        for action in found:
            action.entry.visible_students = action.named_students
        return found
    sql, params = _my_actions_sql()
    (action_fields, action_at), (entry_fields, entry_at) = _ACTION_LOADED, _ENTRY_LOADED
    found = []
    for row in _rows(sql, _as_for(params, viewer.pk, ids)):
        pk, entry_id, description, due_on, summary, kind, amends_id = row[:7]
        restricted, shared, students = row[7:]
        values = (pk, entry_id, description, due_on)
        action = Action.from_db(None, action_fields, [values[i] for i in action_at])
        values = (entry_id, summary, kind, amends_id)
        entry = Entry.from_db(None, entry_fields, [values[i] for i in entry_at])
        entry.visible_students = _named_students(json.loads(students) if students else ())
        Action.entry.field.set_cached_value(action, entry)
        action.entry_restricted, action.shared_with_me = restricted, shared
        found.append(action)
    return found


def entries_shared_with(user) -> QuerySet[EntryShare]:
    return EntryShare.objects.filter(shared_with=user).order_by("-shared_at")


class SharedEntry:
    """A restricted entry shared with the viewer, as 'my actions' lists it: the entry
    (its id and when it happened), who shared it, when and why."""

    __slots__ = ("entry", "entry_id", "reason", "shared_at", "shared_by")

    def __init__(self, entry_id, occurred_at, shared_at, reason, shared_by):
        self.entry_id, self.shared_at, self.reason = entry_id, shared_at, reason
        self.entry = SharedEntryWhen(occurred_at)
        self.shared_by = shared_by


class SharedEntryWhen:
    __slots__ = ("occurred_at",)

    def __init__(self, occurred_at):
        self.occurred_at = occurred_at


@functools.cache
def _shared_sql(limit: int) -> tuple[str, tuple]:
    query = (
        entries_shared_with(_NOBODY)
        .values_list(
            "entry_id",
            "entry__occurred_at",
            "shared_at",
            "reason",
            "shared_by_id",
            *(f"shared_by__{f}" for f in _PERSON_NAMED),
        )[:limit]
        .query
    )
    sql, params = query.sql_with_params()
    return sql, tuple(params)


def entries_shared_with_shown(user, limit: int) -> list[SharedEntry]:
    """The newest `limit` entries shared with `user`, with only what 'my actions' shows
    of each, read by SQL compiled once a process (~1 ms of compiling a request, for a
    list that is most often empty)."""
    sql, params = _shared_sql(limit)
    person = _people()
    return [
        SharedEntry(entry_id, occurred_at, shared_at, reason, person(*shared_by))
        for entry_id, occurred_at, shared_at, reason, *shared_by in _rows(
            sql, _as_for(params, user.pk)
        )
    ]


SAFEGUARDING_RECENT_DAYS = 14

# What the safeguarding queue's rows show of a person (User.__str__), and nothing else:
# its 150 rows would otherwise each carry the whole person, password hash and all.
_PERSON_NAMED = ("display_name", "first_name", "last_name", "email", "username")
# What Student.name reads.
_STUDENT_NAMED = (
    "legal_forename",
    "legal_surname",
    "preferred_forename",
    "preferred_surname",
    "record_disposed_at",
)


class NamedStudent:
    """A student as a list names them: Student.name (and the forename and surname it is
    made of) over just the fields it reads, without the whole pupil record as a model
    instance. Student's own properties, so a change to how a student is named is
    followed here."""

    __slots__ = ("pk", *_STUDENT_NAMED)
    forename = Student.forename
    surname = Student.surname
    name = Student.name

    def __init__(self, pk, **named):
        self.pk = pk
        for field in _STUDENT_NAMED:
            setattr(self, field, named[field])


def _named_students(rows) -> list[NamedStudent]:
    return [NamedStudent(**row) for row in rows or ()]


class NamedPerson:
    """A member of staff as a list names them: User.__str__ (and get_full_name, which it
    asks) over just the fields it reads. User's own methods, as NamedStudent."""

    __slots__ = ("pk", *_PERSON_NAMED)
    __str__ = User.__str__
    get_full_name = User.get_full_name

    def __init__(self, pk, *named):
        self.pk = pk
        for field, value in zip(_PERSON_NAMED, named, strict=True):
            setattr(self, field, value)


class _NamedStudents(JSONField):
    """The students an entry is about, read from one JSON array per row (see
    _students_named) as NamedStudent objects, in the array's order."""

    def from_db_value(self, value, expression, connection):
        return _named_students(super().from_db_value(value, expression, connection))


def _students_named(entry_id: str, visible: QuerySet | None = None) -> Subquery:
    """The students of each entry (those in `visible`, given it), by legal surname, with
    what names them, as a column of the entry's own row: one link lookup per row, in
    place of a second query and a pupil model instance per name."""
    links = ChronologyLink.objects.filter(entry_id=OuterRef(entry_id))
    if visible is not None:
        links = links.filter(student__in=visible.values("pk"))
    named = JSONObject(pk="student_id", **{f: f"student__{f}" for f in _STUDENT_NAMED})
    return Subquery(
        links.values("entry_id")
        .annotate(students=JSONBAgg(named, order_by=("student__legal_surname", "student_id")))
        .values("students"),
        output_field=_NamedStudents(),
    )


def _restricted_first_cheap(entry: str = "") -> Q:
    """RESTRICTED for entries (or, with entry="entry__", for rows that belong to one),
    with what it asks first asked of the row itself: its own flag; its category among
    those restricted now (a hashed list of the few, not a category looked up per row);
    whether it is in a thread, as a correction or as an entry corrected (a hashed list
    of the ~3,000 corrected entries' ids, not a look-up per row); only then, for the
    few in a thread, the thread walk. The same answer as restricted_now
    (records.access), which asks those per row, after looking the entry up again."""
    entry_id = "entry_id" if entry else "pk"
    corrected = Entry.objects.filter(amends__isnull=False).values("amends_id")
    in_a_thread = Q(**{f"{entry}amends__isnull": False}) | Q(**{f"{entry_id}__in": corrected})
    return (
        Q(**{f"{entry}restricted": True})
        | Q(**{f"{entry}category_id__in": Category.objects.filter(restricted=True).values("pk")})
        | (in_a_thread & access.restricted_now(entry_id))
    )


def _recent_since(today: dt.date) -> dt.datetime:
    # From the start of that day here (recorded_at__date would compare every row's date).
    since = today - dt.timedelta(days=SAFEGUARDING_RECENT_DAYS)
    return timezone.make_aware(dt.datetime.combine(since, dt.time.min))


# Where the newest page of the recent entries starts: after every entry (no entry is
# recorded then, and no id is that large).
_UNTIL_ANY = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
_PK_ANY = 2**63 - 1


def _recent(
    since_start: dt.datetime,
    limit: int | None = None,
    *,
    until: dt.datetime = _UNTIL_ANY,
    until_pk: int = _PK_ANY,
    older: bool = True,
) -> QuerySet[Entry]:
    """The restricted entries recorded since `since_start`, newest first: older than the
    entry recorded at `until` with id `until_pk` (a cursor; by default every entry), the
    newest `limit` of them if given; or, not `older`, the `limit` just newer than it.

    Which they are is found first, from the index of entries by when they were recorded,
    which carries what the cheap tests ask (the entry's flag, category and correction):
    an index-only walk that looks at no entry's row except the few in a thread. Only the
    entries found are then read, with their authors, students and open actions. Asked
    of the entries' rows, the same walk read ~3,500 of the fortnight's entries to keep
    the newest 100 restricted (~4.5 ms on the bench school)."""
    if older:
        beyond = Q(recorded_at__lte=until) & (Q(recorded_at__lt=until) | Q(pk__lt=until_pk))
        order = ("-recorded_at", "-id")
    else:
        beyond = Q(recorded_at__gte=until) & (Q(recorded_at__gt=until) | Q(pk__gt=until_pk))
        order = ("recorded_at", "id")
    found = (
        Entry.objects.filter(recorded_at__gte=since_start)
        .filter(beyond)
        .filter(_restricted_first_cheap())
        .order_by(*order)
        .values("pk")
    )
    return (
        Entry.objects.filter(_pk_in_list_of(found[:limit] if limit is not None else found))
        .select_related("author")
        .only("recorded_at", "summary", "amends_id", *(f"author__{f}" for f in _PERSON_NAMED))
        .annotate(
            listed_students=_students_named("pk"),
            # Counted from the open actions' own copy of their entry, on its index: as
            # "actions on this entry that are open", each entry's actions were looked up
            # and every open action in the school hashed (~760, ~1 ms a view).
            open_actions=Coalesce(
                Subquery(
                    OpenAction.objects.filter(entry_id=OuterRef("pk"))
                    .values("entry_id")
                    .annotate(n=Count("pk"))
                    .values("n")[:1]
                ),
                0,
            ),
        )
        .order_by("-recorded_at", "-id")
    )


def _open_on_restricted_entries() -> QuerySet[OpenAction]:
    """The open-action markers whose entry is restricted now, asked of the markers' own
    copies of the entry's flag, category and correction (records.models.OpenAction) as
    _restricted_first_cheap asks them of the entry: no action or entry is looked up but
    the few in a thread, whose thread is walked. (Looking up each open action and its
    entry was ~760 of each, ~5 ms a view, on the bench school.)"""
    corrected = Entry.objects.filter(amends__isnull=False).values("amends_id")
    in_a_thread = Q(entry_amends__isnull=False) | Q(entry_id__in=corrected)
    return OpenAction.objects.filter(
        Q(entry_restricted=True)
        | Q(entry_category_id__in=Category.objects.filter(restricted=True).values("pk"))
        | (in_a_thread & access.restricted_now("entry_id"))
    )


def _restricted_open_actions(visible: QuerySet | None) -> QuerySet[Action]:
    # Only restricted entries' actions are listed, so whether each entry is, and whether
    # it was shared with the viewer, are not asked again per row (the DSL team's page).
    return (
        Action.objects.filter(_pk_in_list_of(_open_on_restricted_entries().values("action_id")))
        .select_related("entry", "assignee")
        .only(
            "description",
            "due_on",
            "entry__summary",
            *(f"assignee__{f}" for f in _PERSON_NAMED),
        )
        .annotate(visible_students=_students_named("entry_id", visible))
        .order_by("due_on", "id")
    )


def safeguarding_queue(
    viewer, *, today: dt.date, recent_limit: int | None = None, recent_from=None, older=True
):
    """The DSL's queue: restricted entries recorded recently, newest first (the newest
    `recent_limit`, if given; from `recent_from`, a (recorded_at, id) cursor, as _recent
    reads it), and every open action on a restricted entry (whoever holds it), soonest
    due first, each with the students it is about (listed_students; for an action, those
    `viewer` may see: visible_students) and only what the page shows."""
    until, until_pk = recent_from or (_UNTIL_ANY, _PK_ANY)
    recent = _recent(
        _recent_since(today), recent_limit, until=until, until_pk=until_pk, older=older
    )
    actions = _restricted_open_actions(Student.objects.visible_to(viewer))
    return recent, actions


# --- the same two lists as plain rows, from SQL compiled once a process --------------
#
# Building and compiling the two queries (their subqueries, the thread walk) cost ~5 ms
# a request, and their ~150 rows as model instances (an entry, a person each) more: the
# page reads the same lists from their SQL compiled once (as enigma.auth_backends does
# for the signed-in person), into the few fields its rows show. Only while the viewer
# may see every student (Student.objects.visible_to adds no condition: the DSL team);
# otherwise safeguarding_queue's querysets are read as they are.

# Stands for the fortnight's start in the compiled SQL (no entry was recorded then).
_SINCE_ANY = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
_RECENT_COLUMNS = (
    "pk",
    "recorded_at",
    "summary",
    "amends_id",
    "open_actions",
    "listed_students",
    "author_id",
    *(f"author__{f}" for f in _PERSON_NAMED),
)
_ACTION_COLUMNS = (
    "pk",
    "entry_id",
    "description",
    "due_on",
    "entry__summary",
    "visible_students",
    "assignee_id",
    *(f"assignee__{f}" for f in _PERSON_NAMED),
    TOTAL,
)


class QueueEntry:
    """A recent restricted entry as the queue's row shows it (and the view marks it)."""

    __slots__ = (
        "amends_id",
        "author",
        "is_restricted",
        "listed_students",
        "open_actions",
        "pk",
        "recorded_at",
        "show_content",
        "summary",
    )


class QueueActionEntry:
    __slots__ = ("summary",)

    def __init__(self, summary):
        self.summary = summary


class QueueAction:
    """An open action as the queue's row shows it; entry.summary is its entry's."""

    __slots__ = ("assignee", "description", "due_on", "entry", "entry_id", "pk", "visible_students")

    def __init__(self, pk, entry_id, description, due_on, summary, students, assignee):
        self.pk, self.entry_id, self.description, self.due_on = pk, entry_id, description, due_on
        self.entry = QueueActionEntry(summary)
        self.visible_students = students
        self.assignee = assignee


@functools.cache
def _recent_sql(limit: int, older: bool) -> tuple[str, tuple]:
    query = _recent(_SINCE_ANY, limit, older=older).values_list(*_RECENT_COLUMNS).query
    sql, params = query.sql_with_params()
    taken = (params.count(_SINCE_ANY), params.count(_UNTIL_ANY), params.count(_PK_ANY))
    if taken != (1, 2, 1):
        raise RuntimeError("the recent entries' SQL must take the fortnight and cursor once")
    return sql, tuple(params)


def _recent_params(params: tuple, since: dt.datetime, until: dt.datetime, pk: int) -> tuple:
    def put(p):
        if isinstance(p, dt.datetime):
            return {_SINCE_ANY: since, _UNTIL_ANY: until}.get(p, p)
        return pk if isinstance(p, int) and p == _PK_ANY else p

    return tuple(put(p) for p in params)


@functools.cache
def _actions_sql() -> tuple[str, tuple]:
    query = (
        _restricted_open_actions(None)
        .annotate(**{TOTAL: Window(Count("*"))})
        .values_list(*_ACTION_COLUMNS)
        .query
    )
    sql, params = query.sql_with_params()
    return f"{sql} LIMIT %s OFFSET %s", tuple(params)


def _rows(sql: str, params) -> list[tuple]:
    return fetch_prepared(connection.alias, sql, params)  # planned once per connection


def _people() -> Callable:
    known: dict = {}

    def person(pk, *named):
        found = known.get(pk)
        if found is None:
            found = known[pk] = NamedPerson(pk, *named)
        return found

    return person


def safeguarding_queue_shown(
    viewer,
    *,
    today: dt.date,
    recent_per_page: int,
    per_page: int,
    page_number,
    recent_before=None,
    recent_after=None,
) -> tuple[KeysetPage, Page]:
    """What the queue's page shows: a page of the recent entries, `recent_per_page` of
    them, just older than the cursor `recent_before` (enigma.paging.time_cursor, from a
    page the reader saw), or just newer than `recent_after`, or the newest; and the page
    `page_number` of open actions (`per_page` a page, counted as
    enigma.paging.counted_page counts). Each page of recent entries is found from the
    index of entries by when they were recorded at the cursor's place, and the
    fortnight's restricted entries are not counted: which are restricted now is asked
    of each entry, so a count would ask it of every entry of the fortnight (~3,500 on
    the bench school) on every view."""
    visible = Student.objects.visible_to(viewer)
    if visible.query.where:  # not every student: the querysets as they are

        def recent_rows(since, until, pk, older, limit) -> list:
            recent_qs, _actions = safeguarding_queue(
                viewer, today=today, recent_limit=limit, recent_from=(until, pk), older=older
            )
            return list(recent_qs)

        recent = _recent_page(today, recent_rows, recent_per_page, recent_before, recent_after)
        return recent, counted_page(_restricted_open_actions(visible), per_page, page_number)
    person = _people()

    def rows(since, until, pk, older, limit) -> list:
        sql, params = _recent_sql(limit, older)
        found = []
        for entry_pk, recorded_at, summary, amends_id, open_actions, students, *author in _rows(
            sql, _recent_params(params, since, until, pk)
        ):
            entry = QueueEntry()
            entry.pk, entry.recorded_at, entry.summary = entry_pk, recorded_at, summary
            entry.amends_id, entry.open_actions = amends_id, open_actions
            entry.listed_students = _named_students(json.loads(students) if students else ())
            entry.author = person(*author)
            found.append(entry)
        return found

    recent = _recent_page(today, rows, recent_per_page, recent_before, recent_after)
    actions_sql, actions_params = _actions_sql()

    def fetch(offset: int, limit: int) -> list:
        return [
            (
                QueueAction(
                    pk,
                    entry_id,
                    description,
                    due_on,
                    summary,
                    _named_students(json.loads(students) if students else ()),
                    person(*assignee),
                ),
                total,
            )
            for pk, entry_id, description, due_on, summary, students, *assignee, total in _rows(
                actions_sql, (*actions_params, limit, offset)
            )
        ]

    page = counted_rows_page(
        fetch, lambda row: row[1], lambda: sum(r[1] for r in fetch(0, 1)), per_page, page_number
    )
    page.object_list = [action for action, _total in page.object_list]
    return recent, page


def _recent_page(today: dt.date, rows: Callable, per_page: int, before, after) -> KeysetPage:
    """The page of recent entries from a cursor, as enigma.paging.keyset_page pages:
    `rows(since, until, until_pk, older, limit)` reads them, newest first."""
    since = _recent_since(today)

    def page(found, *, newer: bool, older: bool) -> KeysetPage:
        return KeysetPage(
            found,
            newer=newer,
            older=older,
            cursor_of=lambda entry: time_cursor(entry.recorded_at, entry.pk),
        )

    older_from = parse_time_cursor(before)
    if older_from is not None:
        found = rows(since, *older_from, True, per_page + 1)
        if found:  # (none: the cursor's entries have left the fortnight since)
            return page(found[:per_page], newer=True, older=len(found) > per_page)
    newer_from = parse_time_cursor(after)
    if newer_from is not None:
        found = rows(since, *newer_from, False, per_page + 1)
        if len(found) > per_page:  # newer entries still above these: a page between
            # (and older ones below, unless the cursor has left the fortnight)
            return page(found[1:], newer=True, older=newer_from[0] >= since)
    found = rows(since, _UNTIL_ANY, _PK_ANY, True, per_page + 1)
    return page(found[:per_page], newer=False, older=len(found) > per_page)


def chain_breaks(student_ids=None) -> tuple[int, list[chain.Break]]:
    """Check every chronology (or those of student_ids): (links checked, first break of
    each broken chronology)."""
    links = ChronologyLink.objects.select_related("entry").order_by("student_id", "seq")
    if student_ids is not None:
        links = links.filter(student_id__in=student_ids)
    checked, breaks = 0, []
    for _student_id, group in groupby(links.iterator(chunk_size=2000), attrgetter("student_id")):
        student_links = list(group)
        checked += len(student_links)
        found = chain.first_break(student_links)
        if found is not None:
            breaks.append(found)
    return checked, breaks
