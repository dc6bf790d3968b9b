"""Reads for placements after approval: the placement page, the SENCO's Reviews page, the
coordinator's Placements board and a student's placement history.

Every read here runs a fixed number of queries however many placements, reviews and
follow-ups there are: rows are joined or prefetched, and "week n of N" is worked out
from one calendar loaded for the whole page (two queries).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, Value
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import cached_property

from enigma.compiled import compiled_list
from enigma.models import SchoolSettings
from enigma.school_calendar import CalendarError, SchoolCalendar
from records.models import Entry
from referrals import dates
from referrals.dates import weeks_text
from referrals.models import (
    FollowUp,
    Measure,
    Placement,
    PlacementTransition,
    Referral,
    Review,
    Target,
    TargetRating,
)

P = Placement.State
CONCERN_KINDS = (Entry.Kind.CONCERN, Entry.Kind.INCIDENT)
SIX_SCHOOL_WEEKS = 6 * dates.SCHOOL_WEEK
# How far ahead the SENCO's page lists reviews coming up.
DUE_WITHIN_SCHOOL_DAYS = 5
# The Reviews page's present: a held review waiting for sign-off is listed there while
# its placement is active or for this long after it was held; older ones are a filter
# away. Each list on the page shows at most this many rows (a page of them).
SIGN_OFF_RECENT_DAYS = 42
REVIEWS_SHOWN = 25
# Entry measures are taken as the placement starts (from when it is scheduled); exit
# measures as it ends (while active, or just after).
MEASURE_STATES = {
    Measure.Stage.ENTRY: (P.SCHEDULED, P.ACTIVE),
    Measure.Stage.EXIT: (P.ACTIVE, P.COMPLETED, P.ENDED_EARLY),
}


# --- the calendar ---------------------------------------------------------------------


def _calendar(start: dt.date, end: dt.date) -> SchoolCalendar | None:
    try:
        return SchoolCalendar.from_db(start, end)
    except CalendarError:
        return None


def _board_calendar(
    placements, today: dt.date, ahead: dt.timedelta = dt.timedelta(weeks=3)
) -> SchoolCalendar | None:
    """One calendar covering every placement's start to its exit, and the weeks ahead."""
    starts = [p.start_date for p in placements if p.start_date]
    ends = [p.planned_exit for p in placements if p.planned_exit]
    start = min([*starts, today])
    end = max([*ends, today + ahead])
    return _calendar(start, end)


@dataclass(frozen=True)
class Week:
    n: int
    of: int

    def __str__(self):
        return f"week {self.n} of {self.of}"


def week_of(placement: Placement, today: dt.date, calendar: SchoolCalendar | None) -> Week | None:
    """Which school week of its placement a student is in today ("week 2 of 6", as
    referrals.dates.week_number counts them); None before the start or when the calendar
    cannot say."""
    if calendar is None or not placement.start_date or today < placement.start_date:
        return None
    last = placement.last_day
    try:
        of = dates.week_number(placement.start_date, last, calendar)
        n = dates.week_number(placement.start_date, min(today, last), calendar)
    except CalendarError:
        return None
    return Week(n, of)


def _end_of_week(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=6 - today.weekday())


# --- the limit ------------------------------------------------------------------------


def limit_reason(placement: Placement, room: SchoolSettings | None = None) -> str:
    """Why the exit can never move past the limit, in words for the page and the form."""
    if not placement.latest_exit:
        return ""
    limit = dates.day_text(placement.latest_exit)
    if placement.shortened_by_summer:
        return (
            f"The exit can never be after {limit}, the last school day before the summer "
            "holiday: a placement never runs across the summer."
        )
    room = room or SchoolSettings.load()
    return (
        f"The exit can never be after {limit}: a placement lasts at most "
        f"{weeks_text(room.placement_weeks)}."
    )


def exit_moved_reason(transitions) -> str:
    """The reason given the last time the exit was brought forward (a same-state move)."""
    moves = [t for t in transitions if t.from_state and t.from_state == t.to_state]
    return moves[-1].reason if moves else ""


# --- concerns, for the measures -------------------------------------------------------


def six_school_weeks_before(today: dt.date) -> dt.date:
    """The first day of the six school weeks before `today`: the 30th school day back.
    Where the calendar does not reach that far back (earlier terms not set up), six
    calendar weeks."""
    calendar = _calendar(today - dt.timedelta(days=400), today)
    days = calendar.school_days(today - dt.timedelta(days=400), today) if calendar else []
    days = [d for d in days if d < today]
    if len(days) >= SIX_SCHOOL_WEEKS:
        return days[-SIX_SCHOOL_WEEKS]
    return today - dt.timedelta(weeks=6)


def concerns_in_previous_six_weeks(student, *, today: dt.date | None = None) -> int:
    """Concerns and incidents in the student's chronology that happened in the six school
    weeks before today (and today so far): restricted ones counted too, as a number only.
    A correction is a new entry that amends one, so it is not counted again."""
    today = today or timezone.localdate()
    since = timezone.make_aware(dt.datetime.combine(six_school_weeks_before(today), dt.time.min))
    return Entry.objects.filter(
        links__student=student,
        kind__in=CONCERN_KINDS,
        amends__isnull=True,
        occurred_at__gte=since,
        occurred_at__lte=timezone.now(),
    ).count()


# --- the placement page ---------------------------------------------------------------


@dataclass
class TargetRow:
    target: Target
    cells: list  # a TargetRating or None for each held review, in order

    @property
    def latest(self) -> TargetRating | None:
        return next((c for c in reversed(self.cells) if c is not None), None)


@dataclass
class PlacementPage:
    placement: Placement
    targets: list[TargetRow]
    dropped_targets: list[TargetRow]
    reviews: list[Review]
    held_reviews: list[Review]
    next_review: Review | None
    entry: Measure | None
    exit: Measure | None
    follow_ups: list[FollowUp]
    transitions: list[PlacementTransition]
    week: Week | None
    limit_reason: str
    moved_reason: str
    today: dt.date

    @cached_property
    def referred_again(self) -> bool:
        return referred_again(self.placement)

    @property
    def brought_forward(self) -> bool:
        p = self.placement
        return bool(p.planned_exit and p.latest_exit and p.planned_exit < p.latest_exit)

    @property
    def measures(self) -> tuple[Measure | None, Measure | None]:
        """Entry beside exit, for the table."""
        return (self.entry, self.exit)

    @property
    def can_take_entry(self) -> bool:
        return self.entry is None and self.placement.state in MEASURE_STATES["entry"]

    @property
    def can_take_exit(self) -> bool:
        return self.exit is None and self.placement.state in MEASURE_STATES["exit"]

    @property
    def exit_review(self) -> Review | None:
        return next((r for r in self.reviews if r.kind == Review.Kind.EXIT), None)

    @property
    def ready_to_exit(self) -> bool:
        """The exit review is held and signed off: the exit can be recorded."""
        review = self.exit_review
        return bool(review and review.signed_off_at)

    @property
    def awaiting_exit_sign_off(self) -> bool:
        review = self.exit_review
        return bool(review and review.held_on and not review.signed_off_at)


def placement_for(placement_pk) -> Placement:
    return get_object_or_404(
        Placement.objects.select_related("student", "referral__referrer", "approved_by"),
        pk=placement_pk,
    )


def review_for(review_pk) -> Review:
    return get_object_or_404(
        Review.objects.select_related("placement__student", "held_by", "signed_off_by"),
        pk=review_pk,
    )


def follow_up_for(follow_up_pk) -> FollowUp:
    return get_object_or_404(
        FollowUp.objects.select_related("placement__student", "recorded_by"), pk=follow_up_pk
    )


def referred_again(placement: Placement) -> bool:
    """Whether the pupil has been referred to the room since the placement ended (the
    "re-referred?" of a follow-up check, read from the referrals, never asked)."""
    if placement.actual_exit is None:
        return False
    return Referral.objects.filter(
        student_id=placement.student_id, submitted_at__date__gt=placement.actual_exit
    ).exists()


def placement_page(placement_pk, *, today: dt.date | None = None) -> PlacementPage:
    """Everything the placement page shows, in a fixed number of queries."""
    today = today or timezone.localdate()
    placement = get_object_or_404(
        Placement.objects.select_related(
            "student", "referral__referrer", "approved_by", "previous", "suspension_decided_by"
        ).prefetch_related(
            Prefetch(
                "reviews",
                queryset=Review.objects.select_related("held_by", "signed_off_by")
                .prefetch_related("staff_present")
                .order_by("number"),
            ),
            Prefetch(
                "targets",
                queryset=Target.objects.prefetch_related(
                    Prefetch("ratings", queryset=TargetRating.objects.order_by("review__number"))
                ).order_by("position", "id"),
            ),
            Prefetch("measures", queryset=Measure.objects.select_related("taken_by")),
            Prefetch("follow_ups", queryset=FollowUp.objects.select_related("recorded_by")),
            Prefetch("transitions", queryset=PlacementTransition.objects.select_related("by")),
        ),
        pk=placement_pk,
    )
    reviews = list(placement.reviews.all())
    held = [r for r in reviews if r.held_on]
    rows = []
    for target in placement.targets.all():
        by_review = {rating.review_id: rating for rating in target.ratings.all()}
        rows.append(TargetRow(target, [by_review.get(r.pk) for r in held]))
    measures = {m.stage: m for m in placement.measures.all()}
    transitions = list(placement.transitions.all())
    for t in transitions:
        t.from_label = P(t.from_state).label if t.from_state else ""
        t.to_label = P(t.to_state).label
    calendar = (
        _calendar(placement.start_date, max(placement.last_day, today))
        if placement.state == P.ACTIVE
        else None
    )
    return PlacementPage(
        placement=placement,
        targets=[r for r in rows if r.target.active],
        dropped_targets=[r for r in rows if not r.target.active],
        reviews=reviews,
        held_reviews=held,
        next_review=next((r for r in reviews if not r.held_on), None),
        entry=measures.get(Measure.Stage.ENTRY),
        exit=measures.get(Measure.Stage.EXIT),
        follow_ups=list(placement.follow_ups.all()),
        transitions=transitions,
        week=week_of(placement, today, calendar),
        limit_reason=limit_reason(placement),
        moved_reason=exit_moved_reason(transitions),
        today=today,
    )


def active_targets(placement: Placement) -> list[Target]:
    return list(placement.targets.filter(active=True).order_by("position", "id"))


# --- the boards -----------------------------------------------------------------------


@dataclass
class ActiveRow:
    placement: Placement
    week: Week | None
    next_review: Review | None
    today: dt.date

    @property
    def review_overdue(self) -> bool:
        return bool(self.next_review and self.next_review.due_on < self.today)

    @property
    def exit_overdue(self) -> bool:
        return self.placement.planned_exit < self.today


def _open_reviews() -> Prefetch:
    return Prefetch(
        "reviews",
        queryset=Review.objects.filter(held_on__isnull=True).order_by("due_on", "number"),
        to_attr="open_reviews",
    )


def active_placements_query():
    return (
        Placement.objects.filter(state=P.ACTIVE)
        .select_related("student")
        .order_by("planned_exit", "id")
    )


def active_open_reviews_query():
    """The reviews not yet held of the active placements, in _open_reviews()'s order."""
    return Review.objects.filter(held_on__isnull=True, placement__state=P.ACTIVE).order_by(
        "due_on", "number"
    )


def _active_placements() -> list[Placement]:
    """The active placements, soonest exit first, each with .open_reviews (as
    _open_reviews() gives them): two reads from SQL compiled once a process."""
    placements = compiled_list("active placements", active_placements_query)
    open_reviews = {p.pk: [] for p in placements}
    if placements:
        for review in compiled_list("active open reviews", active_open_reviews_query):
            if review.placement_id in open_reviews:
                open_reviews[review.placement_id].append(review)
    for p in placements:
        p.open_reviews = open_reviews[p.pk]
    return placements


def _active_rows(today: dt.date, placements=None, calendar=None) -> list[ActiveRow]:
    if placements is None:
        placements = _active_placements()
        calendar = _board_calendar(placements, today)
    return [
        ActiveRow(
            p, week_of(p, today, calendar), p.open_reviews[0] if p.open_reviews else None, today
        )
        for p in placements
    ]


@dataclass
class PlacementsBoard:
    today: dt.date
    active: list[ActiveRow]
    scheduled: list[Placement]
    waiting: list[Placement]
    exits_this_week: list[ActiveRow]
    follow_ups_due: list[FollowUp]
    capacity: int

    @property
    def overdue_reviews(self) -> int:
        return sum(1 for r in self.active if r.review_overdue)


def scheduled_query():
    return (
        Placement.objects.filter(state=P.SCHEDULED)
        .select_related("student")
        .order_by("start_date", "id")
    )


def waiting_query():
    return (
        Placement.objects.filter(state=P.WAITING)
        .select_related("student", "referral__referrer")
        .order_by("priority", "approved_at", "id")
    )


def follow_ups_due_query(week_end: dt.date):
    return (
        FollowUp.objects.filter(recorded_at__isnull=True, due_on__lte=week_end)
        .select_related("placement__student")
        .order_by("due_on", "id")
    )


def placements_board(today: dt.date | None = None) -> PlacementsBoard:
    """The coordinator's board: active placements (week n of N, next review), scheduled,
    waiting (priority order), exits this week and follow-up checks due. Its lists are
    read from SQL compiled once a process (enigma.compiled): the live
    placements are few, so building and compiling the queries cost more than running
    them."""
    today = today or timezone.localdate()
    week_end = _end_of_week(today)
    active = _active_rows(today)
    return PlacementsBoard(
        today=today,
        active=active,
        scheduled=compiled_list("scheduled placements", scheduled_query),
        waiting=compiled_list("waiting placements", waiting_query),
        exits_this_week=[r for r in active if r.placement.planned_exit <= week_end],
        follow_ups_due=compiled_list("follow-ups due", follow_ups_due_query, week_end),
        capacity=SchoolSettings.load().capacity,
    )


def exits_this_week(today: dt.date | None = None) -> list[ActiveRow]:
    """Active placements whose planned exit is by the end of this school week."""
    today = today or timezone.localdate()
    week_end = _end_of_week(today)
    return [r for r in _active_rows(today) if r.placement.planned_exit <= week_end]


@dataclass
class ReviewsBoard:
    today: dt.date
    due_by: dt.date
    due: list[Review]
    overdue: list[Review]
    awaiting_sign_off: Page
    # Are there held reviews, placements over, never signed off before the recent window?
    # (Asked with EXISTS: the present never counts the years behind it.)
    older_unsigned: bool
    showing_older: bool
    active: list[ActiveRow] = field(default_factory=list)
    more_due: bool = False
    more_overdue: bool = False


DUE_BY_CALENDAR = dt.timedelta(weeks=6)  # enough calendar to count five school days on


def _due_by(today: dt.date, calendar: SchoolCalendar | None = None) -> dt.date:
    if calendar is None:
        calendar = _calendar(today, today + DUE_BY_CALENDAR)
    try:
        if calendar is not None:
            return calendar.add_school_days(today, DUE_WITHIN_SCHOOL_DAYS)
    except CalendarError:
        pass
    return today + dt.timedelta(days=7)


def _first(rows: list, n: int = REVIEWS_SHOWN) -> tuple[list, bool]:
    """The first n rows (of n + 1 read), and whether there are more."""
    return rows[:n], len(rows) > n


def _unsigned():
    return Review.objects.filter(
        held_on__isnull=False,
        signed_off_at__isnull=True,
        kind__in=(Review.Kind.MIDPOINT, Review.Kind.EXIT),
        placement__state__in=(P.ACTIVE, P.COMPLETED),
    )


def _recent_unsigned(today: dt.date) -> Q:
    return Q(placement__state=P.ACTIVE) | Q(
        held_on__gte=today - dt.timedelta(days=SIGN_OFF_RECENT_DAYS)
    )


def unsigned_reviews(*, today: dt.date, older: bool):
    """Held mid-point and exit reviews waiting for the SENCO's sign-off, oldest first: the
    present (the placement still active, or held in the last six weeks), or with `older`
    the rest, placements long over whose reviews nobody signed off."""
    recent = _recent_unsigned(today)
    return (
        _unsigned()
        .filter(~recent if older else recent)
        .select_related("placement__student", "held_by")
        .order_by("held_on", "id")
    )


class _CountedPaginator(Paginator):
    """A Paginator told its count (worked out with other counts in one query), reading
    its page's rows with rows_of(bottom, top)."""

    def __init__(self, object_list, per_page, *, count: int, rows_of=None):
        super().__init__(object_list, per_page)
        self._known_count = count
        self._rows_of = rows_of

    @cached_property
    def count(self) -> int:
        return self._known_count

    def page(self, number):
        if self._rows_of is None:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = self._rows_of(bottom, top) if top > bottom else []
        return self._get_page(rows, number, self)


def unsigned_counts_query(today: dt.date):
    """How many await sign-off now and before the recent window: one row (recent, older)."""
    recent = _recent_unsigned(today)
    return (
        _unsigned()
        .order_by()
        .annotate(one=Value(1))
        .values("one")  # a constant: no GROUP BY, so one row whatever matches
        .annotate(recent=Count("pk", filter=recent), older=Count("pk", filter=~recent))
        .values_list("recent", "older")
    )


def unsigned_page_query(today: dt.date, older: bool, bottom: int, top: int):
    return unsigned_reviews(today=today, older=older)[bottom:top]


def due_and_overdue_query(today: dt.date, due_by: dt.date):
    """Reviews not held of the active placements due from today to due_by, and those
    overdue, each list capped (one row more says there are more)."""
    unheld = Review.objects.filter(held_on__isnull=True, placement__state=P.ACTIVE).select_related(
        "placement__student"
    )
    order = ("due_on", "id")
    return (
        unheld.filter(due_on__gte=today, due_on__lte=due_by)
        .order_by(*order)[: REVIEWS_SHOWN + 1]
        .union(unheld.filter(due_on__lt=today).order_by(*order)[: REVIEWS_SHOWN + 1], all=True)
    )


def reviews_board(
    today: dt.date | None = None, *, older: bool = False, page_number=None
) -> ReviewsBoard:
    """The SENCO's page: reviews due in the next five school days, overdue reviews, held
    mid-point and exit reviews awaiting sign-off (a page of them; `older` for those of
    placements long over), and the active placements. What it reads is bounded by what
    is live now, never by the years of placements behind it."""
    today = today or timezone.localdate()
    # One calendar for the active placements' weeks and for counting the days ahead.
    placements = _active_placements()
    calendar = _board_calendar(placements, today, ahead=DUE_BY_CALENDAR)
    due_by = _due_by(today, calendar)
    # Due and overdue in one query: each capped (one row more says there are more).
    both = compiled_list("reviews due and overdue", due_and_overdue_query, today, due_by)
    both.sort(key=lambda r: (r.due_on, r.id))
    due, more_due = _first([r for r in both if r.due_on >= today])
    overdue, more_overdue = _first([r for r in both if r.due_on < today])
    # How many await sign-off now and before the recent window, in one count.
    [(recent_count, older_count)] = compiled_list(
        "reviews awaiting sign-off counted", unsigned_counts_query, today
    )

    def rows_of(bottom, top):
        return compiled_list(
            "reviews awaiting sign-off", unsigned_page_query, today, older, bottom, top
        )

    awaiting = _CountedPaginator(
        unsigned_reviews(today=today, older=older),
        REVIEWS_SHOWN,
        count=older_count if older else recent_count,
        rows_of=rows_of,
    ).get_page(page_number)
    older_unsigned = older or older_count > 0
    return ReviewsBoard(
        today=today,
        due_by=due_by,
        due=due,
        overdue=overdue,
        awaiting_sign_off=awaiting,
        older_unsigned=older_unsigned,
        showing_older=older,
        active=_active_rows(today, placements, calendar),
        more_due=more_due,
        more_overdue=more_overdue,
    )


# --- a student's placements -----------------------------------------------------------


@dataclass
class History:
    live: Placement | None
    week: Week | None
    next_review: Review | None
    earlier: list[Placement]
    today: dt.date

    @property
    def review_overdue(self) -> bool:
        return bool(self.next_review and self.next_review.due_on < self.today)


def placement_history(student, *, today: dt.date | None = None) -> History:
    """The student's live placement (with week n of N and its next review) and their
    earlier placements, newest first."""
    today = today or timezone.localdate()
    placements = list(
        Placement.objects.filter(student=student)
        .prefetch_related(_open_reviews())
        .order_by("-approved_at", "-id")
    )
    live = next((p for p in placements if p.state in Placement.LIVE), None)
    week = None
    if live is not None and live.state == P.ACTIVE:
        week = week_of(live, today, _calendar(live.start_date, max(live.last_day, today)))
    return History(
        live=live,
        week=week,
        next_review=live.open_reviews[0] if live and live.open_reviews else None,
        earlier=[p for p in placements if p is not live],
        today=today,
    )


# --- target ratings over the reviews (the review form's small chart) -----------------------

RATING_LEVELS = [r.value for r in TargetRating.Rating]  # not yet, some, good, met: 0..3
CHART_WIDTH, CHART_HEIGHT = 360, 150
_LEFT, _RIGHT, _TOP, _BOTTOM = 96, 16, 12, 28  # room for the level names and review numbers


@dataclass
class RatingSeries:
    target: Target
    css: str  # the line's class in static/css/enigma.css (chart-line--0 .. --4)
    ratings: list[str]  # the rating's words at each review held ("" where not rated)
    points: list[tuple[int, int]]  # the chart's (x, y) of each rating given

    @property
    def polyline(self) -> str:
        return " ".join(f"{x},{y}" for x, y in self.points)


@dataclass
class RatingChart:
    """How each target was rated at each review held so far: a small chart drawn on the
    server (an SVG with no script or style of its own) and the same numbers as a table."""

    reviews: list[Review]
    series: list[RatingSeries]
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT

    @property
    def levels(self) -> list[tuple[str, int]]:
        """The rating words with the y of their gridline, bottom (not yet) to top (met)."""
        return [(TargetRating.Rating(v).label, _y(i)) for i, v in enumerate(RATING_LEVELS)]

    @property
    def columns(self) -> list[tuple[str, int]]:
        return [(str(r.number), _x(i, len(self.reviews))) for i, r in enumerate(self.reviews)]

    @property
    def axis_y(self) -> int:
        return CHART_HEIGHT - _BOTTOM

    @property
    def plot_left(self) -> int:
        return _LEFT

    @property
    def plot_right(self) -> int:
        return CHART_WIDTH - _RIGHT


def _x(i: int, n: int) -> int:
    span = CHART_WIDTH - _LEFT - _RIGHT
    return _LEFT + (span // 2 if n == 1 else round(i * span / (n - 1)))


def _y(level: int) -> int:
    span = CHART_HEIGHT - _TOP - _BOTTOM
    return CHART_HEIGHT - _BOTTOM - round(level * span / (len(RATING_LEVELS) - 1))


def rating_chart(placement: Placement, targets) -> RatingChart | None:
    """The ratings of `targets` at every review of `placement` held so far (two queries),
    or None before the first review with a rating."""
    reviews = list(placement.reviews.filter(held_on__isnull=False).order_by("number"))
    targets = list(targets)
    if not reviews or not targets:
        return None
    given = {
        (r.review_id, r.target_id): r.rating
        for r in TargetRating.objects.filter(review__in=reviews, target__in=targets)
    }
    if not given:
        return None
    series = []
    for n, target in enumerate(targets):
        words, points = [], []
        for i, review in enumerate(reviews):
            rating = given.get((review.pk, target.pk), "")
            words.append(TargetRating.Rating(rating).label if rating else "")
            if rating:
                points.append((_x(i, len(reviews)), _y(RATING_LEVELS.index(rating))))
        series.append(RatingSeries(target, f"chart-line--{n % 5}", words, points))
    return RatingChart(reviews, series)
