"""A page of a list and the list's length in one query.

Django's Paginator counts (one query) and then fetches the page (another). When finding
the rows is the dear part (open actions: every action set against every completion), that
work is done twice. Here the page's rows carry the total as a window count over the same
scan, so it is done once. The page number is read as Paginator.get_page does (not a
number: the first page; past the end, or below 1: the last page); only a number out of
range costs more queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Func, IntegerField, Q, QuerySet, Subquery, Window

TOTAL = "page_list_total"
MAX_PAGE = 10**9


class _KnownCount(Paginator):
    def __init__(self, object_list, per_page, count: int):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count  # Paginator.count is a cached_property


def counted_page(queryset: QuerySet, per_page: int, number, *, rows_of=None) -> Page:
    """The page `number` of an ordered queryset, counted in the same query.

    rows_of(start, stop), if given, reads those rows of the queryset, each carrying the
    total as TOTAL, in its own way (by default a window count over the queryset)."""
    if rows_of is None:
        counted = queryset.annotate(**{TOTAL: Window(Count("*"))})

        def rows_of(start, stop):
            return list(counted[start:stop])

    return counted_rows_page(
        lambda start, size: rows_of(start, start + size),
        lambda row: getattr(row, TOTAL),
        queryset.count,
        per_page,
        number,
        queryset,
    )


def counted_rows_page(
    fetch: Callable[[int, int], list],
    total_of: Callable[[Any], int],
    count: Callable[[], int],
    per_page: int,
    number,
    object_list=(),
) -> Page:
    """counted_page over any rows: fetch(offset, limit) gives the page's rows, each
    carrying the list's length (total_of(row)); count() is asked only when a page holds
    nothing (past the end)."""
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = 1
    rows = []
    # A page past any list there could be is past the end (and would overflow OFFSET).
    if 1 <= number <= MAX_PAGE:
        rows = fetch((number - 1) * per_page, per_page)
    if rows:
        total = total_of(rows[0])
    else:
        total = count() if number != 1 else 0
        last = max(1, -(-total // per_page))
        if number != 1:  # past either end: the last page, as Paginator.get_page
            number = last
            rows = fetch((number - 1) * per_page, per_page)
    paginator = _KnownCount(object_list, per_page, total)
    return Page(rows, number, paginator)


def count_of(queryset: QuerySet) -> Subquery:
    """How many rows `queryset` has, as a subquery that runs once (it refers to no outer
    row): SELECT COUNT(*) FROM ... with the queryset's joins and conditions."""
    return Subquery(
        queryset.order_by()
        .annotate(_count=Func(function="COUNT", template="COUNT(*)", output_field=IntegerField()))
        .values("_count")
    )


class KeysetPage:
    """A page of a list read newest first from where the reader is: the rows just older
    than a row they saw (or just newer, or the newest), found from the index the list is
    ordered by, never by counting past the rows before them. Reading page N by OFFSET read
    and threw away the (N - 1) pages before it: 174 ms for page 2,000 of the bench
    school's audit log, and over a second for its last page. The list's length is
    counted only up to `cap` rows: `total` is the list's length when it has at most `cap`
    rows, otherwise None ("more than cap"); counting all of a list that grows for as long
    as the school keeps it would read every row ever written to show fifty."""

    def __init__(
        self, rows: list, *, total=None, cap: int = 0, newer: bool, older: bool, cursor_of=None
    ):
        self.object_list = rows
        self.total = total
        self.cap = cap
        self._newer = newer
        self._older = older
        self._cursor_of = cursor_of or (lambda row: row.pk)

    def __len__(self) -> int:
        return len(self.object_list)

    def __iter__(self):
        return iter(self.object_list)

    def has_newer(self) -> bool:
        return self._newer

    def has_older(self) -> bool:
        return self._older

    @property
    def newer_cursor(self):
        """Where the page before this one (newer rows) ends: this page's first row."""
        return self._cursor_of(self.object_list[0]) if self.object_list else None

    @property
    def older_cursor(self):
        """Where the page after this one (older rows) starts: this page's last row."""
        return self._cursor_of(self.object_list[-1]) if self.object_list else None


def _cursor(value) -> int | None:
    try:
        cursor = int(value)
    except (TypeError, ValueError):
        return None
    return cursor if 0 < cursor < 2**63 else None


def keyset_page(
    queryset: QuerySet, per_page: int, *, field: str, before=None, after=None, cap: int
) -> KeysetPage:
    """The rows of `queryset` newest first by (`field`, id): the `per_page` older than the
    row `before` (an id, from a page the reader saw), or newer than the row `after`, or
    the newest. Each page reads per_page + 1 rows from the list's index at the cursor's
    place (the condition leads with `field` <= the cursor's value, which every index on
    `field` can start from), so page 2,000 costs what page 2 does. A cursor that is not an
    id of the list's table, or a page newer than the newest, gives the newest page.
    Counts the list up to `cap` rows (see KeysetPage)."""
    newest_first = queryset.order_by(f"-{field}", "-pk")
    counted = queryset.order_by()[: cap + 1].count()
    total = counted if counted <= cap else None
    before, after = _cursor(before), _cursor(after)
    cursor = before or after
    at = None
    if cursor is not None:
        at = queryset.model._base_manager.filter(pk=cursor).values_list(field, flat=True).first()
    if at is not None and before:
        rows = list(
            newest_first.filter(
                Q(**{f"{field}__lte": at}) & (Q(**{f"{field}__lt": at}) | Q(pk__lt=before))
            )[: per_page + 1]
        )
        return KeysetPage(
            rows[:per_page], total=total, cap=cap, newer=True, older=len(rows) > per_page
        )
    if at is not None and after:
        rows = list(
            queryset.order_by(field, "pk").filter(
                Q(**{f"{field}__gte": at}) & (Q(**{f"{field}__gt": at}) | Q(pk__gt=after))
            )[: per_page + 1]
        )
        if len(rows) > per_page:  # newer rows still above these: a page between
            return KeysetPage(rows[:per_page][::-1], total=total, cap=cap, newer=True, older=True)
    rows = list(newest_first[: per_page + 1])
    return KeysetPage(
        rows[:per_page], total=total, cap=cap, newer=False, older=len(rows) > per_page
    )


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


def time_cursor(at: dt.datetime, pk: int) -> str:
    """A cursor that says where a row is in a list ordered by (a time, id) without being
    looked up: "microseconds.id" ("1764770400000000.123")."""
    return f"{(at - _EPOCH) // _MICROSECOND}.{pk}"


def parse_time_cursor(value) -> tuple[dt.datetime, int] | None:
    """time_cursor's (time, id), or None if `value` is not one."""
    try:
        micros, pk = (int(part) for part in str(value).split("."))
        at = _EPOCH + micros * _MICROSECOND
    except (TypeError, ValueError, OverflowError):
        return None
    return (at, pk) if 0 < pk < 2**63 else None


def _group_cursor(value, groups: int) -> tuple[int, dt.datetime, int] | None:
    """ "group.microseconds.id" (grouped_keyset_page's cursors), or None if it is not one."""
    group, _, rest = str(value).partition(".")
    found = parse_time_cursor(rest)
    try:
        group = int(group)
    except ValueError:
        return None
    return (group, *found) if found is not None and 0 <= group < groups else None


def grouped_keyset_page(
    queryset: QuerySet,
    per_page: int,
    *,
    groups: list[Q],
    group_of: Callable[[Any], int],
    field: str,
    before=None,
    after=None,
    cap: int,
) -> KeysetPage:
    """keyset_page for a list shown in groups (a person's notifications: unread, then
    read), each newest first by (`field`, id): `groups` are the groups' conditions in the
    order shown, `group_of(row)` says which a row is in. A cursor carries the row's group,
    time and id ("0.1764770400000000.123"), not just its id: a notification marked read
    after its page was shown moves to the other group, and continuing from where it is
    now would skip the unread ones after it. Each page reads at most per_page + 1 rows
    from each group it reaches, from the index at the cursor's place."""
    counted = queryset.order_by()[: cap + 1].count()
    total = counted if counted <= cap else None

    def cursor_of(row) -> str:
        return f"{group_of(row)}.{time_cursor(getattr(row, field), row.pk)}"

    def page(rows, *, newer: bool, older: bool) -> KeysetPage:
        return KeysetPage(rows, total=total, cap=cap, newer=newer, older=older, cursor_of=cursor_of)

    def collect(parts) -> list:
        rows: list = []
        for part in parts:
            if len(rows) > per_page:
                break
            rows += list(part[: per_page + 1 - len(rows)])
        return rows

    older_from = _group_cursor(before, len(groups))
    if older_from is not None:
        g, at, pk = older_from
        in_group = Q(**{f"{field}__lte": at}) & (Q(**{f"{field}__lt": at}) | Q(pk__lt=pk))
        rows = collect(
            [queryset.filter(groups[g]).filter(in_group).order_by(f"-{field}", "-pk")]
            + [queryset.filter(q).order_by(f"-{field}", "-pk") for q in groups[g + 1 :]]
        )
        return page(rows[:per_page], newer=True, older=len(rows) > per_page)
    newer_from = _group_cursor(after, len(groups))
    if newer_from is not None:
        g, at, pk = newer_from
        in_group = Q(**{f"{field}__gte": at}) & (Q(**{f"{field}__gt": at}) | Q(pk__gt=pk))
        rows = collect(
            [queryset.filter(groups[g]).filter(in_group).order_by(field, "pk")]
            + [queryset.filter(q).order_by(field, "pk") for q in reversed(groups[:g])]
        )
        if len(rows) > per_page:  # newer rows still above these: a page between
            return page(rows[:per_page][::-1], newer=True, older=True)
    rows = collect([queryset.filter(q).order_by(f"-{field}", "-pk") for q in groups])
    return page(rows[:per_page], newer=False, older=len(rows) > per_page)
