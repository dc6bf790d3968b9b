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
from django.db.models import Count, Func, IntegerField, QuerySet, Subquery, Window

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
