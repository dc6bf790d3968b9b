"""Reads for the deputy head's approvals page, the decision page and the waiting list.

Every list here is read in a fixed number of queries, however many referrals wait: the
student and referrer are joined, prior support and proposed targets prefetched, and two
annotations: the "earlier placement this academic year" flag (the rule of
referrals.selectors.referral.earlier_placements_this_year) and the number of recent
concerns and incidents (a number only: never the content of an entry).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Subquery,
    Window,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from enigma.compiled import compiled_list
from enigma.models import SchoolSettings
from enigma.paging import TOTAL, counted_page
from enigma.school_calendar import CalendarError
from records.models import ChronologyLink, Entry
from referrals import dates, places
from referrals.models import Placement, PriorSupport, ProposedTarget, Referral
from referrals.selectors import referral as referral_selectors

# How far back the approvals page counts concerns and incidents.
CONCERN_WINDOW = dt.timedelta(weeks=6)
CONCERN_KINDS = (Entry.Kind.CONCERN, Entry.Kind.INCIDENT)


def earlier_placements_this_year(student, *, on: dt.date | None = None) -> list[Placement]:
    """The student's placements that started in this academic year (the referral pages'
    own rule, referrals.selectors.referral), with who approved each."""
    on = on or timezone.localdate()
    return list(
        referral_selectors.earlier_placements_this_year(student, on=on).select_related(
            "approved_by"
        )
    )


def _earlier_this_year(on: dt.date) -> Exists:
    """The same rule as an annotation, for a list of referrals in one query."""
    return Exists(
        Placement.objects.filter(
            student=OuterRef("student"),
            start_date__range=referral_selectors.academic_year(on),
        )
    )


def _recent_concerns(since: dt.datetime) -> Coalesce:
    """How many concerns and incidents the student's chronology holds since `since`
    (corrections are not counted twice)."""
    counted = (
        ChronologyLink.objects.filter(
            student=OuterRef("student"),
            entry__kind__in=CONCERN_KINDS,
            entry__occurred_at__gte=since,
            entry__amends__isnull=True,
        )
        .order_by()
        .values("student")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _with_context(qs, *, today: dt.date, since: dt.datetime | None = None, prefetch=True):
    since = since or timezone.now() - CONCERN_WINDOW
    if prefetch:
        qs = qs.prefetch_related(
            Prefetch("prior_support", queryset=PriorSupport.objects.order_by("since", "id")),
            Prefetch("proposed_targets", queryset=ProposedTarget.objects.order_by("id")),
        )
    return qs.select_related("student", "referrer").annotate(
        earlier_this_year=_earlier_this_year(today),
        recent_concerns=_recent_concerns(since),
    )


def pending_referrals(*, today: dt.date | None = None) -> list[Referral]:
    """Referrals waiting for a decision, oldest first, with the student's context."""
    today = today or timezone.localdate()
    qs = Referral.objects.filter(status=Referral.Status.SUBMITTED).order_by("submitted_at", "id")
    return list(_with_context(qs, today=today))


# The approvals page shows the oldest referrals awaiting a decision and the head of the
# waiting list, and says how many there are in all; the waiting list page is paged.
PENDING_SHOWN = 50
WAITING_SUMMARY_SHOWN = 5
WAITING_PAGE_SIZE = 50


@dataclass
class Shown:
    """The first rows of a list, and how many rows it has in all."""

    rows: list
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def _pending():
    return Referral.objects.filter(status=Referral.Status.SUBMITTED).order_by("submitted_at", "id")


# Stands for "six weeks ago" in the compiled SQL of the pending referrals (put in each
# time: it moves with the clock).
_SINCE = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)


def pending_shown_query(today: dt.date, since: dt.datetime, limit: int):
    """The oldest `limit` referrals waiting for a decision with their context (without
    their prior support and proposed targets), each with list_total."""
    qs = _with_context(_pending(), today=today, since=since, prefetch=False)
    return qs.annotate(list_total=Window(Count("pk")))[:limit]


def pending_support_query(limit: int):
    """The prior support of the oldest `limit` referrals waiting, as the decision page
    orders it."""
    shown = _pending().values("pk")[:limit]
    return PriorSupport.objects.filter(referral__in=shown).order_by("since", "id")


def pending_targets_query(limit: int):
    shown = _pending().values("pk")[:limit]
    return ProposedTarget.objects.filter(referral__in=shown).order_by("id")


def _by_referral(rows) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row.referral_id, []).append(row)
    return grouped


def pending_shown(*, today: dt.date | None = None, limit: int | None = None) -> Shown:
    """pending_referrals(), the oldest `limit` (PENDING_SHOWN) of them, and how many
    there are; each with .support_shown and .targets_shown (its prior support and
    proposed targets, in the decision page's order). Read from SQL compiled once a
    process (enigma.compiled): few referrals wait, so building and
    compiling the query, its annotations and the two lists cost more than running them."""
    today = today or timezone.localdate()
    limit = limit or PENDING_SHOWN
    rows = compiled_list(
        "pending shown",
        pending_shown_query,
        today,
        _SINCE,
        limit,
        bind={_SINCE: timezone.now() - CONCERN_WINDOW},
    )
    support, targets = {}, {}
    if rows:
        support = _by_referral(compiled_list("pending support", pending_support_query, limit))
        targets = _by_referral(compiled_list("pending targets", pending_targets_query, limit))
    for referral in rows:
        referral.support_shown = support.get(referral.pk, [])
        referral.targets_shown = targets.get(referral.pk, [])
    return Shown(rows, rows[0].list_total if rows else 0)


def waiting_shown_query(limit: int):
    return places.waiting_list().annotate(list_total=Window(Count("pk")))[:limit]


def waiting_shown(limit: int | None = None) -> Shown:
    """The head of the waiting list (each with .position), and how many wait (read from
    SQL compiled once a process)."""
    rows = compiled_list("waiting shown", waiting_shown_query, limit or WAITING_SUMMARY_SHOWN)
    for position, placement in enumerate(rows, start=1):
        placement.position = position
    return Shown(rows, rows[0].list_total if rows else 0)


def waiting_page_query(start: int, stop: int):
    """Rows start..stop of the waiting list, each carrying the list's length (TOTAL)."""
    return places.waiting_list().annotate(**{TOTAL: Window(Count("*"))})[start:stop]


def waiting_page(page_number, *, showing=None) -> Page:
    """A page of the waiting list in order, each with .position; with `showing` (a
    placement pk), the page that placement is on. The page and the list's length are
    one read, from SQL compiled once a process for each page's rows."""
    rows = places.waiting_list()
    if showing is not None:
        order = list(rows.values_list("pk", flat=True))
        if showing in order:
            page_number = order.index(showing) // WAITING_PAGE_SIZE + 1
    page = counted_page(
        rows,
        WAITING_PAGE_SIZE,
        page_number,
        rows_of=lambda start, stop: compiled_list("waiting page", waiting_page_query, start, stop),
    )
    for position, placement in enumerate(page, start=page.start_index()):
        placement.position = position
    return page


def referral_for_decision(pk, *, today: dt.date | None = None) -> Referral:
    """A referral to show on the decision page, or 404. Drafts are their referrer's own
    until submitted, so they are never shown here."""
    today = today or timezone.localdate()
    qs = _with_context(
        Referral.objects.exclude(status=Referral.Status.DRAFT).select_related("decided_by"),
        today=today,
    )
    try:
        return get_object_or_404(qs, pk=int(pk))
    except (TypeError, ValueError):
        raise Http404 from None


def waiting_list() -> list[Placement]:
    """The waiting list in order (priority, then approval time), each with .position."""
    rows = list(places.waiting_list())
    for position, placement in enumerate(rows, start=1):
        placement.position = position
    return rows


def waiting_placement(pk) -> Placement:
    """Any placement by pk, or 404 (the services say if it is no longer waiting)."""
    try:
        return get_object_or_404(Placement.objects.select_related("student"), pk=int(pk))
    except (TypeError, ValueError):
        raise Http404 from None


def waiting_position(placement: Placement) -> int | None:
    for row in waiting_list():
        if row.pk == placement.pk:
            return row.position
    return None


def default_start(referral: Referral, *, today: dt.date | None = None) -> dt.date:
    """The start to suggest: the proposed start unless it has passed, else the next school
    day (today, if the calendar cannot say)."""
    today = today or timezone.localdate()
    if referral.proposed_start and referral.proposed_start >= today:
        return referral.proposed_start
    try:
        return places.next_school_day(today, dates.calendar_for(today))
    except CalendarError:
        return today


@dataclass(frozen=True)
class Capacity:
    capacity: int
    this_week: dict | None  # the first row of weeks (None when there are no weeks)
    weeks: list[dict]

    @property
    def free_now(self) -> int | None:
        return self.this_week["free"] if self.this_week else None


def capacity(weeks: int = 8, *, today: dt.date | None = None) -> Capacity:
    """The room this week (its busiest school day from today) and over the coming weeks:
    each row is places.capacity_by_week's {week_of, school_days, taken, free, capacity};
    free is None for a week with no school days."""
    rows = places.capacity_by_week(weeks, today=today)
    room = rows[0]["capacity"] if rows else SchoolSettings.load().capacity
    return Capacity(capacity=room, this_week=rows[0] if rows else None, weeks=rows)


@dataclass(frozen=True)
class StartOutlook:
    """What approving with a given start would do, shown before the decision: the dates,
    the first full day (then the placement waits), the earliest start when the whole
    placement fits, and how many of its school days the summer leaves."""

    start: dt.date
    planned: dates.PlacementDates | None
    problem: str  # why the start cannot be used (then planned is None)
    full_on: dt.date | None
    earliest_fit: dates.PlacementDates | None
    length: int  # the school days of a whole placement

    @property
    def full_week_of(self) -> dt.date | None:
        """The Monday of the week the room is first full in."""
        return self.full_on - dt.timedelta(days=self.full_on.weekday()) if self.full_on else None

    @property
    def starts_in_full_week(self) -> bool:
        return self.full_on is not None and self.full_on - self.start < dt.timedelta(
            days=7 - self.start.weekday()
        )

    @property
    def fits(self) -> bool:
        return self.planned is not None and self.full_on is None


FARTHEST_START = dt.timedelta(days=366)


def start_outlook(start: dt.date, *, today: dt.date | None = None) -> StartOutlook:
    """The outlook for a placement starting on `start` (in a fixed number of queries)."""
    today = today or timezone.localdate()
    room = SchoolSettings.load()
    length = dates.placement_length()
    calendar = dates.calendar_for(min(start, today))
    planned, problem, full_on = None, "", None
    if start < today:
        problem = "The start date has passed; choose today or later."
    elif start > today + FARTHEST_START:
        problem = "That is more than a year ahead: choose a start in the coming terms."
    else:
        try:
            planned = dates.placement_dates(start, school_days=length, calendar=calendar)
        except ValidationError as error:
            problem = " ".join(error.message_dict.get("start_date", error.messages))
        except CalendarError:
            problem = "The calendar does not reach that far: ask the school admin to add terms."
    if planned is not None:
        full_on = places.first_full_day(
            planned.start, planned.planned_exit, capacity=room.capacity, calendar=calendar
        )
    earliest = None
    if planned is None or full_on is not None:
        try:
            first = calendar.add_school_days(max(start, today), 0)
        except CalendarError:
            first = None
        if first is not None:
            earliest = places.earliest_fitting_start(
                first, capacity=room.capacity, calendar=calendar, length=length
            )
    return StartOutlook(start, planned, problem, full_on, earliest, length)
