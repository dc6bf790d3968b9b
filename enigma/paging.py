"""A page of a list and the list's length in one query.

Django's Paginator counts (one query) and then fetches the page (another). When finding
the rows is the dear part (open actions: every action set against every completion), that
work is done twice. Here the page's rows carry the total as a window count over the same
scan, so it is done once. The page number is read as Paginator.get_page does (not a
number: the first page; past the end, or below 1: the last page); only a number out of
range costs more queries.
"""

from __future__ import annotations

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


class _RowsCountedUpTo:
    """A page's rows, and the list's length counted up to `cap` rows: `total` is the
    list's length when it has at most `cap` rows, otherwise None ("more than cap")."""

    def __init__(self, rows: list, *, total, cap: int):
        self.object_list = rows
        self.total = total
        self.cap = cap

    def __len__(self) -> int:
        return len(self.object_list)

    def __iter__(self):
        return iter(self.object_list)


class CappedPage(_RowsCountedUpTo):
    """A page of a list that grows for as long as the school keeps it (a person's
    notifications), counted only up to `cap` rows. Counting all of it on every view would
    read every row the school ever wrote to show fifty of them. Whether there is a next
    page is known from the page's own query, which reads one row more than it shows."""

    def __init__(self, rows: list, number: int, per_page: int, *, total, cap: int, more: bool):
        super().__init__(rows, total=total, cap=cap)
        self.number = number
        self.per_page = per_page
        self._more = more

    @property
    def paginator(self) -> CappedPage:
        """Itself: includes/pagination.html asks page.paginator.num_pages of any page."""
        return self

    @property
    def num_pages(self) -> int | None:
        """The number of pages, when the list is counted (None: more than cap rows)."""
        if self.total is None:
            return None
        return max(1, -(-self.total // self.per_page))

    def has_next(self) -> bool:
        return self._more

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def capped_page(queryset: QuerySet, per_page: int, number, *, cap: int) -> CappedPage:
    """The page `number` of an ordered queryset, with the list counted up to `cap` rows:
    two queries, each reading at most cap + 1 rows or the page's own depth, never the
    whole list on a first page. Not a number, or below 1: the first page. Past the end,
    the last page, found by counting the list, which is then shorter than the depth the
    reader asked for."""
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = 1
    number = min(max(number, 1), MAX_PAGE)
    rows = list(queryset[(number - 1) * per_page : number * per_page + 1])
    counted = queryset.order_by()[: cap + 1].count()
    total = counted if counted <= cap else None
    if not rows and number > 1:  # past the end: the last page
        if total is None:
            total = queryset.count()  # fewer than (number - 1) * per_page rows
        number = max(1, -(-total // per_page))
        rows = list(queryset[(number - 1) * per_page : number * per_page + 1])
        if total > cap:
            total = None
    more = len(rows) > per_page
    return CappedPage(rows[:per_page], number, per_page, total=total, cap=cap, more=more)


class KeysetPage(_RowsCountedUpTo):
    """A page of a list read newest first from where the reader is: the rows just older
    than a row they saw (or just newer, or the newest), found from the index the list is
    ordered by, never by counting past the rows before them. Reading page N by OFFSET read
    and threw away the (N - 1) pages before it: 174 ms for page 2,000 of the bench
    school's audit log, and over a second for its last page."""

    def __init__(self, rows: list, *, total, cap: int, newer: bool, older: bool):
        super().__init__(rows, total=total, cap=cap)
        self._newer = newer
        self._older = older

    def has_newer(self) -> bool:
        return self._newer

    def has_older(self) -> bool:
        return self._older

    @property
    def newer_cursor(self):
        """Where the page before this one (newer rows) ends: this page's first row."""
        return self.object_list[0].pk if self.object_list else None

    @property
    def older_cursor(self):
        """Where the page after this one (older rows) starts: this page's last row."""
        return self.object_list[-1].pk if self.object_list else None


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
    Counts the list up to `cap` rows (see CappedPage)."""
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
