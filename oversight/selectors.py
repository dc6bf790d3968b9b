"""The oversight figures for a period beside the same period a year earlier.

Every figure is counted in the database (grouped, filtered aggregates: the number of
queries does not grow with the data) and every count goes through oversight.suppression
before anyone sees it. Each table is a Table: the page, the governors' report and the CSV
export all read the same rows.

What is counted, for a period [start, end]:
- a referral is received in the period it was submitted in; decided in the period of its
  decision;
- a placement is "in the room in the period" when it started on or before the end and
  had not ended before the start (waiting and scheduled placements are not); it
  "started" or "ended" in the period its first or last day falls in;
- pupils on roll in a period are those on roll now or who left after it began; their
  characteristics are as the MIS records them now;
- length is counted in school days from the school calendar, both ends included.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db.models import (
    Aggregate,
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from disclosure import selectors as transfers
from disclosure.models import ChildProtectionTransfer, LeavingClosed
from enigma.capabilities import capabilities_of
from enigma.models import ETHNIC_GROUPS, SchoolSettings, Student
from enigma.models.people import NOT_RECORDED
from enigma.roles import Role
from enigma.school_calendar import CalendarError, SchoolCalendar
from oversight.periods import Span
from oversight.suppression import Count as Shown
from oversight.suppression import Number, derived, protect, rate
from records.models import ForceRecord
from records.selectors.force import current_force_records
from referrals.models import FollowUp, NeedArea, Placement, Purpose, Referral
from referrals.purposes import purpose_label, purpose_labels
from timetables.models import ROOM_MODES, Mode, PlanCell, RegisterMark, WorkRequest

IN_ROOM = (Placement.State.ACTIVE, Placement.State.COMPLETED, Placement.State.ENDED_EARLY)
ENDED = (Placement.State.COMPLETED, Placement.State.ENDED_EARLY)
WORK_SET = (WorkRequest.Status.SET, WorkRequest.Status.COMPLETED, WorkRequest.Status.RETURNED)
MAX_ROWS = 50  # teachers, subjects: the longest lists, capped


class Median(Aggregate):
    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


class DaysBetween(Func):
    """Days from the first timestamp to the second, with fractions."""

    template = "(EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0)"
    arg_joiner = " - "
    output_field = FloatField()

    def __init__(self, later, earlier):
        super().__init__(later, earlier)


class WeekOfPlacement(Func):
    """1 for the first seven days from the placement's start, 2 for the next, ..."""

    template = "((%(expressions)s) / 7 + 1)"
    arg_joiner = " - "
    output_field = IntegerField()


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""

    def csv_rows(self):
        for row in self.rows:
            yield [str(cell) if hasattr(cell, "kind") else cell for cell in row]


@dataclass
class Figures:
    now: Span
    before: Span
    threshold: int
    tables: dict[str, Table]
    trend: list[dict]
    outcomes_chart: list[dict]
    ratios_chart: list[dict]
    placements: list[dict]
    # When the figures were counted, and for how long a copy of them is shown before they
    # are counted again (0: counted for this request).
    as_at: dt.datetime | None = None
    fresh_for: int = 0
    # Names this copy in the cache (with as_at); "" when counted for this request only.
    cache_key: str = ""

    @property
    def fresh_for_minutes(self) -> int:
        return max(1, round(self.fresh_for / 60))


# --- helpers -------------------------------------------------------------------------------


def _in(span: Span, field_name: str) -> Q:
    return Q(**{f"{field_name}__range": (span.start, span.end)})


def _during(span: Span, field_name: str) -> Q:
    """A timestamp on a day of the span (in the school's time zone), as a range the
    timestamp's index can serve (not a cast of every row's timestamp to a date)."""
    first = timezone.make_aware(dt.datetime.combine(span.start, dt.time.min))
    after = timezone.make_aware(dt.datetime.combine(span.end + dt.timedelta(days=1), dt.time.min))
    return Q(**{f"{field_name}__gte": first, f"{field_name}__lt": after})


def _in_room(span: Span, prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}state__in": IN_ROOM,
            f"{prefix}start_date__lte": span.end,
        }
    ) & (
        Q(**{f"{prefix}actual_exit__isnull": True}) | Q(**{f"{prefix}actual_exit__gte": span.start})
    )


def _pair(n_now, n_before, t) -> list[Shown]:
    return [Shown.of(n_now, t), Shown.of(n_before, t)]


def _grouped(queryset, key, now_q: Q, before_q: Q) -> dict:
    """{key value: (count in now, count in before)} in one query."""
    rows = (
        queryset.filter(now_q | before_q)
        .values(key)
        .annotate(
            a=Count("pk", filter=now_q, distinct=True),
            b=Count("pk", filter=before_q, distinct=True),
        )
    )
    return {r[key]: (r["a"], r["b"]) for r in rows}


def _partition_table(table: Table, labels, counts: dict, t: int, total_label="Total"):
    """Rows for a partition (each item counted once) with its total, protected."""
    now = protect(Shown.of(counts.get(k, (0, 0))[0], t) for k, _ in labels)
    before = protect(Shown.of(counts.get(k, (0, 0))[1], t) for k, _ in labels)
    for (_, label), a, b in zip(labels, now, before, strict=True):
        table.rows.append([label, a, b])
    table.rows.append(
        [
            total_label,
            Shown.of(sum(v[0] for v in counts.values()), t),
            Shown.of(sum(v[1] for v in counts.values()), t),
        ]
    )


# --- the figures ---------------------------------------------------------------------------

# Raise when Figures (or anything it holds) changes shape: a copy pickled by older code is
# then never read back.
CACHE_VERSION = 1


def _cache_key(viewer, now: Span, before: Span, t: int, today: dt.date) -> str:
    """Everything the figures depend on: the two periods, the threshold, today, and the
    viewer's capabilities. Today no figure differs by viewer, but a viewer with other rights
    never reads a copy counted for someone else, so a figure added later for some roles
    only cannot reach the others through the cache."""
    rights = sorted(c.value for c in capabilities_of(getattr(viewer, "roles", frozenset())))
    parts = [
        *(str(v) for v in (now.start, now.end, now.label, now.key)),
        *(str(v) for v in (before.start, before.end, before.label, before.key)),
        str(t),
        today.isoformat(),
        ",".join(rights),
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"oversight:figures:v{CACHE_VERSION}:{digest}"


def figures_for(viewer, now: Span, before: Span, *, today: dt.date) -> Figures:
    """figures(), kept in the shared cache for settings.OVERSIGHT_FIGURES_FRESH_FOR seconds
    and then counted afresh: the figures of a period are the same for everyone with the
    same rights and take 40 grouped queries over two years of records. The page says when
    they were counted. 0 turns the copy off (every request counts)."""
    fresh_for = int(getattr(settings, "OVERSIGHT_FIGURES_FRESH_FOR", 0))
    t = SchoolSettings.load().suppression_threshold
    if fresh_for <= 0:
        result = figures(now, before, today=today, threshold=t)
        result.as_at = timezone.now()
        return result
    key = _cache_key(viewer, now, before, t, today)
    result = cache.get(key)
    if isinstance(result, Figures):
        return result
    result = figures(now, before, today=today, threshold=t)
    result.as_at, result.fresh_for, result.cache_key = timezone.now(), fresh_for, key
    cache.set(key, result, fresh_for)
    return result


def figures(now: Span, before: Span, *, today: dt.date, threshold: int | None = None) -> Figures:
    t = threshold if threshold is not None else SchoolSettings.load().suppression_threshold
    cols = [now.label, before.label]
    tables: dict[str, Table] = {}
    for table in (
        _referrals_by_source(now, before, t, cols),
        _referrals_by_purpose(now, before, t, cols),
        _referrals_by_need(now, before, t, cols),
        _decisions(now, before, t, cols),
        _waiting(now, before, t, cols),
    ):
        tables[table.key] = table
    lengths, placement_table = _placements(now, before, t, cols)
    tables[placement_table.key] = placement_table
    outcomes, outcomes_chart = _outcomes(now, before, t, cols)
    tables[outcomes.key] = outcomes
    tables["follow_ups"] = _follow_ups(now, before, t, cols)
    tables["repeats"] = _repeats(now, before, t, cols)
    tables["reintegration"] = _reintegration(now, before, t)
    tables["subjects_behind"] = _subjects_behind(now, before, t, today)
    work_totals = _work_totals(now, before)  # the same for both tables: counted once
    tables["work_department"] = _work_by(
        now, before, t, "subject", "Department (subject)", work_totals
    )
    tables["work_teacher"] = _work_by(now, before, t, "teacher", "Teacher", work_totals)
    tables["force"] = _force(now, before, t, cols)
    tables["cp_transfers"] = _cp_transfers(now, before, t, cols, today)
    dispro, ratios_chart = _disproportionality(now, before, t)
    tables[dispro.key] = dispro
    trend_table, trend = _trend(now, before, t)
    tables[trend_table.key] = trend_table
    return Figures(
        now=now,
        before=before,
        threshold=t,
        tables=tables,
        trend=trend,
        outcomes_chart=outcomes_chart,
        ratios_chart=ratios_chart,
        placements=lengths,
    )


def _referrals(now: Span, before: Span):
    received = Referral.objects.exclude(submitted_at__isnull=True)
    return (
        received,
        _during(now, "submitted_at"),
        _during(before, "submitted_at"),
    )


def _referrals_by_source(now, before, t, cols) -> Table:
    qs, a, b = _referrals(now, before)
    role = Subquery(
        Group.objects.filter(user=OuterRef("referrer_id"), name__in=list(Role))
        .order_by("name")
        .values("name")[:1]
    )
    counts = _grouped(qs.annotate(source=Coalesce(role, F("referrer__username"))), "source", a, b)
    roles = {r.value: r.label for r in Role}
    labels = [(r.value, r.label) for r in Role if r.value in counts]
    others = {k: v for k, v in counts.items() if k not in roles}
    if others:
        counts = {k: v for k, v in counts.items() if k in roles}
        counts["other"] = (sum(v[0] for v in others.values()), sum(v[1] for v in others.values()))
        labels.append(("other", "No role now"))
    table = Table(
        "referrals_source",
        "Referrals received, by who referred (their role)",
        ["Referred by", *cols],
        note="A referrer with several roles is counted under the first in alphabetical order.",
    )
    _partition_table(table, labels, counts, t)
    return table


def _referrals_by_purpose(now, before, t, cols) -> Table:
    qs, a, b = _referrals(now, before)
    counts = _grouped(qs, "purpose", a, b)
    names = purpose_labels()  # the school's own names for the purposes
    labels = [(p.value, names[p.value]) for p in Purpose] + [("", NOT_RECORDED)]
    table = Table("referrals_purpose", "Referrals received, by purpose", ["Purpose", *cols])
    _partition_table(table, labels, counts, t)
    return table


def _referrals_by_need(now, before, t, cols) -> Table:
    qs, a, b = _referrals(now, before)
    aggregates = {}
    for area in NeedArea:
        has = Q(need_areas__contains=[area.value])
        aggregates[f"{area.value}_a"] = Count("pk", filter=a & has)
        aggregates[f"{area.value}_b"] = Count("pk", filter=b & has)
    none = Q(need_areas=[])
    aggregates["none_a"] = Count("pk", filter=a & none)
    aggregates["none_b"] = Count("pk", filter=b & none)
    got = qs.filter(a | b).aggregate(**aggregates)
    table = Table(
        "referrals_need",
        "Referrals received, by area of need",
        ["Area of need (SEND Code of Practice)", *cols],
        note="A referral may name several areas, so the rows do not add up to the referrals.",
    )
    for area in NeedArea:
        table.rows.append([area.label, *_pair(got[f"{area.value}_a"], got[f"{area.value}_b"], t)])
    table.rows.append(["None recorded", *_pair(got["none_a"], got["none_b"], t)])
    return table


def _decisions(now, before, t, cols) -> Table:
    decided = Referral.objects.filter(decided_at__isnull=False, submitted_at__isnull=False)
    a, b = _during(now, "decided_at"), _during(before, "decided_at")
    took = DaysBetween(F("decided_at"), F("submitted_at"))
    approved, declined = Q(status=Referral.Status.APPROVED), Q(status=Referral.Status.DECLINED)
    decisive = approved | declined
    got = (
        decided.filter(decisive)
        .filter(a | b)
        .aggregate(
            ap_a=Count("pk", filter=a & approved),
            ap_b=Count("pk", filter=b & approved),
            de_a=Count("pk", filter=a & declined),
            de_b=Count("pk", filter=b & declined),
            med_a=Median(took, filter=a),
            med_b=Median(took, filter=b),
        )
    )
    table = Table("decisions", "Decisions and the time to decide", ["Figure", *cols])
    approved_cells = _pair(got["ap_a"], got["ap_b"], t)
    declined_cells = _pair(got["de_a"], got["de_b"], t)
    totals = _pair(got["ap_a"] + got["de_a"], got["ap_b"] + got["de_b"], t)
    for i in range(2):
        approved_cells[i], declined_cells[i] = protect([approved_cells[i], declined_cells[i]])
    table.rows += [
        ["Approved", *approved_cells],
        ["Declined", *declined_cells],
        ["Decided", *totals],
        [
            "Median days from submission to decision",
            derived(got["med_a"], t, totals[0]),
            derived(got["med_b"], t, totals[1]),
        ],
    ]
    return table


def _waiting(now, before, t, cols) -> Table:
    started = Placement.objects.filter(start_date__isnull=False, state__in=IN_ROOM)
    a, b = _in(now, "start_date"), _in(before, "start_date")
    waited = Q(Exists(_waited()))
    days = Func(
        F("start_date"),
        F("approved_at__date"),
        template="(%(expressions)s)",
        arg_joiner=" - ",
        output_field=IntegerField(),
    )
    got = started.filter(a | b).aggregate(
        n_a=Count("pk", filter=a),
        n_b=Count("pk", filter=b),
        w_a=Count("pk", filter=a & waited),
        w_b=Count("pk", filter=b & waited),
        med_a=Median(days, filter=a),
        med_b=Median(days, filter=b),
        wmed_a=Median(days, filter=a & waited),
        wmed_b=Median(days, filter=b & waited),
    )
    n, w = _pair(got["n_a"], got["n_b"], t), _pair(got["w_a"], got["w_b"], t)
    table = Table("waiting", "From approval to the first day in the room", ["Figure", *cols])
    table.rows += [
        ["Placements that started", *n],
        ["of which waited for a place", *w],
        [
            "Median days from approval to start",
            derived(got["med_a"], t, n[0]),
            derived(got["med_b"], t, n[1]),
        ],
        [
            "Median days from approval to start, for those who waited",
            derived(got["wmed_a"], t, w[0]),
            derived(got["wmed_b"], t, w[1]),
        ],
    ]
    return table


def _waited():
    from referrals.models import PlacementTransition

    return PlacementTransition.objects.filter(
        placement=OuterRef("pk"), from_state=Placement.State.WAITING
    )


def _school_days(spans: list[tuple[dt.date, dt.date]]) -> list[int | None]:
    """Each (first, last) day's length in school days, from one load of the calendar."""
    if not spans:
        return []
    calendar = SchoolCalendar.from_db(min(s for s, _ in spans), max(e for _, e in spans))
    out = []
    for start, end in spans:
        try:
            out.append(calendar.school_days_between(start, end))
        except CalendarError:
            out.append(None)
    return out


def _placements(now, before, t, cols):
    qs = Placement.objects.filter(state__in=IN_ROOM, start_date__isnull=False)
    in_a, in_b = _in_room(now), _in_room(before)
    ended_a = _in(now, "actual_exit") & Q(state__in=ENDED)
    ended_b = _in(before, "actual_exit") & Q(state__in=ENDED)
    got = qs.filter(
        in_a | in_b | _in(now, "start_date") | _in(before, "start_date") | ended_a | ended_b
    ).aggregate(
        room_a=Count("pk", filter=in_a),
        room_b=Count("pk", filter=in_b),
        start_a=Count("pk", filter=_in(now, "start_date")),
        start_b=Count("pk", filter=_in(before, "start_date")),
        done_a=Count("pk", filter=ended_a & Q(state=Placement.State.COMPLETED)),
        done_b=Count("pk", filter=ended_b & Q(state=Placement.State.COMPLETED)),
        early_a=Count("pk", filter=ended_a & Q(state=Placement.State.ENDED_EARLY)),
        early_b=Count("pk", filter=ended_b & Q(state=Placement.State.ENDED_EARLY)),
    )
    ended = list(
        qs.filter(ended_a | ended_b).values_list("start_date", "actual_exit").order_by("pk")
    )
    lengths = _school_days(ended)
    by_span = {"a": [], "b": []}
    for (_start, exit_), days in zip(ended, lengths, strict=True):
        if days is None:
            continue
        if now.start <= exit_ <= now.end:
            by_span["a"].append(days)
        if before.start <= exit_ <= before.end:
            by_span["b"].append(days)
    done = _pair(got["done_a"], got["done_b"], t)
    early = _pair(got["early_a"], got["early_b"], t)
    for i in range(2):
        done[i], early[i] = protect([done[i], early[i]])
    ended_counts = _pair(got["done_a"] + got["early_a"], got["done_b"] + got["early_b"], t)
    table = Table("placements", "Placements", ["Figure", *cols])
    table.rows += [
        ["In the room at some time in the period", *_pair(got["room_a"], got["room_b"], t)],
        ["Started", *_pair(got["start_a"], got["start_b"], t)],
        ["Completed", *done],
        ["Ended early", *early],
        ["Ended (completed or early)", *ended_counts],
        [
            "Median length in school days (those that ended)",
            derived(statistics.median(by_span["a"]) if by_span["a"] else None, t, ended_counts[0]),
            derived(statistics.median(by_span["b"]) if by_span["b"] else None, t, ended_counts[1]),
        ],
        [
            "Longest, in school days",
            derived(max(by_span["a"], default=None), t, ended_counts[0], places=0),
            derived(max(by_span["b"], default=None), t, ended_counts[1], places=0),
        ],
    ]
    return _placement_list(now), table


def _placement_list(now: Span) -> list[dict]:
    """Each placement that ended in the period, oldest first: its dates, length, purpose,
    outcome and follow-ups (for the per-placement table; names are the view's choice)."""
    re_referred = Referral.objects.filter(
        student=OuterRef("student_id"),
        submitted_at__date__gt=OuterRef("actual_exit"),
    )
    rows = list(
        Placement.objects.filter(_in(now, "actual_exit"), state__in=ENDED)
        .select_related("student", "referral")
        .annotate(re_referred=Exists(re_referred))
        .prefetch_related("follow_ups")
        .order_by("actual_exit", "pk")[:200]
    )
    lengths = _school_days([(p.start_date, p.actual_exit) for p in rows])
    names = purpose_labels()
    return [
        {
            "placement": p,
            "number": i,
            "days": days,
            "purpose": purpose_label(p.referral.purpose, names) or NOT_RECORDED,
            "outcome": p.get_outcome_display() or NOT_RECORDED,
            "follow_ups": [
                f"{f.weeks_after} weeks: {_result(f)}" + (f" ({f.answers})" if f.answers else "")
                for f in p.follow_ups.all()
            ],
            "suspended_since": any(f.suspended_or_excluded for f in p.follow_ups.all()),
            "re_referred": p.re_referred,
        }
        for i, (p, days) in enumerate(zip(rows, lengths, strict=True), start=1)
    ]


def _result(follow_up: FollowUp) -> str:
    return follow_up.get_result_display() if follow_up.result else "not yet checked"


def _outcomes(now, before, t, cols):
    qs = Placement.objects.filter(state__in=ENDED)
    counts = _grouped(qs, "outcome", _in(now, "actual_exit"), _in(before, "actual_exit"))
    labels = [(o.value, o.label) for o in Placement.Outcome] + [("", NOT_RECORDED)]
    table = Table("outcomes", "Outcome at exit", ["Outcome", *cols])
    _partition_table(table, labels, counts, t, total_label="Placements that ended")
    chart = [{"label": row[0], "now": row[1], "before": row[2]} for row in table.rows[:-1]]
    return table, chart


def _follow_ups(now, before, t, cols) -> Table:
    qs = FollowUp.objects.filter(placement__state__in=ENDED)
    a, b = _in(now, "placement__actual_exit"), _in(before, "placement__actual_exit")
    rows = (
        qs.filter(a | b)
        .values("weeks_after", "result")
        .annotate(n_a=Count("pk", filter=a), n_b=Count("pk", filter=b))
        .order_by("weeks_after", "result")
    )
    by_weeks: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for r in rows:
        by_weeks[r["weeks_after"]][r["result"]] = (r["n_a"], r["n_b"])
    table = Table(
        "follow_ups",
        "Follow-up checks after exit, for placements that ended in the period",
        ["Check", *cols],
    )
    # The two questions asked at each recorded check, each a partition of the checks
    # recorded: yes, no, or not asked (recorded before the questions were on the form).
    questions = {
        name: _answers(qs.exclude(result=""), name, a, b)
        for name in ("in_class_full_time", "suspended_or_excluded")
    }
    labels = [(r.value, r.label) for r in FollowUp.Result] + [("", "Not yet checked")]
    answer_labels = [(True, "yes"), (False, "no"), (None, "not asked")]
    for weeks, counts in sorted(by_weeks.items()):
        part = Table("", "", [])
        _partition_table(part, labels, counts, t, total_label="Checks due")
        for label, x, y in part.rows:
            table.rows.append([f"{weeks} school weeks after exit: {label}", x, y])
        for name, question in (
            ("in_class_full_time", "back in class full time"),
            ("suspended_or_excluded", "suspended or excluded since"),
        ):
            part = Table("", "", [])
            _partition_table(
                part,
                answer_labels,
                questions[name].get(weeks, {}),
                t,
                total_label="checks recorded",
            )
            for label, x, y in part.rows[:-1]:
                table.rows.append([f"{weeks} school weeks after exit: {question}: {label}", x, y])
    re_referred = Referral.objects.filter(
        student=OuterRef("student_id"), submitted_at__date__gt=OuterRef("actual_exit")
    )
    suspended = FollowUp.objects.filter(placement=OuterRef("pk"), suspended_or_excluded=True)
    not_full_time = FollowUp.objects.filter(placement=OuterRef("pk"), in_class_full_time=False)
    ended_in_either = _in(now, "actual_exit") | _in(before, "actual_exit")
    got = Placement.objects.filter(ended_in_either, state__in=ENDED).aggregate(
        a=Count("pk", filter=_in(now, "actual_exit") & Q(Exists(re_referred))),
        b=Count("pk", filter=_in(before, "actual_exit") & Q(Exists(re_referred))),
        sa=Count("pk", filter=_in(now, "actual_exit") & Q(Exists(suspended))),
        sb=Count("pk", filter=_in(before, "actual_exit") & Q(Exists(suspended))),
        fa=Count("pk", filter=_in(now, "actual_exit") & Q(Exists(not_full_time))),
        fb=Count("pk", filter=_in(before, "actual_exit") & Q(Exists(not_full_time))),
    )
    table.rows += [
        ["Placements: referred again since exit", *_pair(got["a"], got["b"], t)],
        [
            "Placements: suspended or excluded since exit, at any check",
            *_pair(got["sa"], got["sb"], t),
        ],
        [
            "Placements: not back in class full time at some check",
            *_pair(got["fa"], got["fb"], t),
        ],
    ]
    table.note = (
        "“Referred again” is read from the referrals (one submitted after the exit), not "
        "asked at the check. The two questions are counted among the checks recorded; "
        "“not asked” is a check recorded before the questions were on the form."
    )
    return table


def _answers(qs, name: str, a: Q, b: Q) -> dict[int, dict]:
    """{weeks after: {answer: (count now, count before)}} for one question, one query."""
    got: dict[int, dict] = defaultdict(dict)
    rows = (
        qs.filter(a | b)
        .values("weeks_after", name)
        .annotate(n_a=Count("pk", filter=a), n_b=Count("pk", filter=b))
        .order_by("weeks_after", name)
    )
    for r in rows:
        got[r["weeks_after"]][r[name]] = (r["n_a"], r["n_b"])
    return got


def _repeats(now, before, t, cols) -> Table:
    # Read from the placements of the pupils placed in either period (their earlier
    # placements included), one row a pupil, then counted: not a look-up for every pupil
    # on the roll.
    counted = Placement.objects.filter(state__in=IN_ROOM)
    concerned = counted.filter(
        _in_room(now) | _in_room(before) | _in(now, "start_date") | _in(before, "start_date")
    ).values("student_id")
    per_pupil = (
        counted.filter(student_id__in=concerned)
        .values("student_id")
        .annotate(
            pa=Count("pk", filter=_in_room(now)),
            pb=Count("pk", filter=_in_room(before)),
            ea=Count("pk", filter=Q(start_date__lt=now.start)),
            eb=Count("pk", filter=Q(start_date__lt=before.start)),
            ta=Count("pk", filter=_in(now, "start_date")),
            tb=Count("pk", filter=_in(before, "start_date")),
        )
    )
    got = per_pupil.aggregate(
        n_pa=Count("student_id", filter=Q(pa__gt=0)),
        n_pb=Count("student_id", filter=Q(pb__gt=0)),
        n_ea=Count("student_id", filter=Q(pa__gt=0, ea__gt=0)),
        n_eb=Count("student_id", filter=Q(pb__gt=0, eb__gt=0)),
        n_ta=Count("student_id", filter=Q(ta__gte=2)),
        n_tb=Count("student_id", filter=Q(tb__gte=2)),
    )
    table = Table("repeats", "Pupils placed more than once", ["Figure", *cols])
    table.rows += [
        ["Pupils in the room in the period", *_pair(got["n_pa"], got["n_pb"], t)],
        ["of whom had a placement before the period", *_pair(got["n_ea"], got["n_eb"], t)],
        [
            "Pupils who started two or more placements in the period",
            *_pair(got["n_ta"], got["n_tb"], t),
        ],
    ]
    return table


def _reintegration(now, before, t) -> Table:
    a, b = _in_room(now, "placement__"), _in_room(before, "placement__")
    # Only the plan cells of the placements in the room in either period (read through
    # the placement's index), and only their register marks "in class".
    in_either = Placement.objects.filter(_in_room(now) | _in_room(before)).values("pk")
    cells = PlanCell.objects.filter(a | b)
    in_class_instead = Exists(
        RegisterMark.objects.filter(
            placement=OuterRef("placement_id"),
            date=OuterRef("date"),
            period=OuterRef("period_id"),
            status=RegisterMark.Status.IN_CLASS,
            placement__in=in_either,
        )
    )
    # Counted for each placement and week, with whether the placement was in the
    # room in each period (no sort of every lesson to count distinct placements), then
    # summed by week: a placement counts in a week of a period when it has lessons that
    # week and was in the room in that period.
    weeks: dict[int, Counter] = defaultdict(Counter)
    placed: dict[tuple, set] = defaultdict(set)
    for r in (
        cells.annotate(
            week=WeekOfPlacement(F("date"), F("placement__start_date")),
            in_a=ExpressionWrapper(a, output_field=BooleanField()),
            in_b=ExpressionWrapper(b, output_field=BooleanField()),
        )
        .filter(week__gte=1)
        .values("placement_id", "week", "in_a", "in_b")
        .annotate(
            lessons=Count("pk"),
            planned=Count("pk", filter=Q(mode=Mode.CLASS)),
            instead=Count("pk", filter=Q(mode__in=ROOM_MODES) & Q(in_class_instead)),
        )
        .order_by()
    ):
        week = weeks[r["week"]]
        for key in ("a", "b"):
            if r[f"in_{key}"]:
                week[f"lessons_{key}"] += r["lessons"]
                week[f"planned_{key}"] += r["planned"]
                week[f"instead_{key}"] += r["instead"]
                placed[(r["week"], key)].add(r["placement_id"])
    for (w, key), ids in placed.items():
        weeks[w][f"placements_{key}"] = len(ids)
    names = [f"{n}_{k}" for n in ("lessons", "planned", "instead", "placements") for k in "ab"]
    rows = [{"week": w, **{n: weeks[w][n] for n in names}} for w in sorted(weeks)[:12]]
    table = Table(
        "reintegration",
        "Reintegration: lessons in class each week of a placement, against the plan",
        [
            "Week of the placement",
            f"Placements, {now.label}",
            "Lessons",
            "Planned in class",
            "Share planned in class",
            "Room lessons spent in class instead",
            "Share in class",
            f"Placements, {before.label}",
            "Lessons",
            "Share planned in class",
            "Share in class",
        ],
        note="For placements in the room in each period (a placement across both is in "
        "both); a lesson planned in class is counted as spent in class.",
    )
    for r in rows:
        shown = {}
        for key in ("a", "b"):
            lessons = Shown.of(r[f"lessons_{key}"], t)
            planned = Shown.of(r[f"planned_{key}"], t)
            shown[key] = {
                "placements": Shown.of(r[f"placements_{key}"], t),
                "lessons": lessons,
                "planned": planned,
                "instead": Shown.of(r[f"instead_{key}"], t),
                "share_planned": rate(planned, lessons, suffix="%", places=0),
                "share": rate(
                    Shown.of(r[f"planned_{key}"] + r[f"instead_{key}"], t),
                    lessons,
                    suffix="%",
                    places=0,
                ),
            }
        x, y = shown["a"], shown["b"]
        table.rows.append(
            [
                f"Week {r['week']}",
                x["placements"],
                x["lessons"],
                x["planned"],
                x["share_planned"],
                x["instead"],
                x["share"],
                y["placements"],
                y["lessons"],
                y["share_planned"],
                y["share"],
            ]
        )
    return table


def _subjects_behind(now, before, t, today) -> Table:
    a, b = _in_room(now, "placement__"), _in_room(before, "placement__")
    work = WorkRequest.objects.filter(a | b).exclude(status=WorkRequest.Status.CANCELLED)
    missing = Q(status=WorkRequest.Status.REQUESTED, date__lt=today)
    not_done = Q(status__in=WORK_SET, completed_at__isnull=True, date__lt=today)
    counts = {}
    for key, span_q in (("a", a), ("b", b)):
        counts[f"lessons_{key}"] = Count("pk", filter=span_q)
        counts[f"set_{key}"] = Count("pk", filter=span_q & Q(status__in=WORK_SET))
        counts[f"missing_{key}"] = Count("pk", filter=span_q & missing)
        counts[f"not_done_{key}"] = Count("pk", filter=span_q & not_done)
    rows = (
        work.values("subject")
        .annotate(**counts)
        .filter(Q(missing_a__gt=0) | Q(not_done_a__gt=0) | Q(missing_b__gt=0) | Q(not_done_b__gt=0))
        .order_by("-missing_a", "-not_done_a", "-missing_b", "-not_done_b", "subject")[:MAX_ROWS]
    )
    table = Table(
        "subjects_behind",
        "Subjects that fell behind: room lessons whose work was not set, or set but not done",
        [
            "Subject",
            f"Room lessons, {now.label}",
            "Work set",
            "Past lessons with no work set",
            "Set but not done",
            f"Room lessons, {before.label}",
            "Work set",
            "Past lessons with no work set",
            "Set but not done",
        ],
        note="For placements in the room in each period. No subject listed: none fell behind.",
    )
    for r in rows:
        table.rows.append(
            [
                r["subject"],
                *(
                    Shown.of(r[f"{name}_{key}"], t)
                    for key in ("a", "b")
                    for name in ("lessons", "set", "missing", "not_done")
                ),
            ]
        )
    return table


def _work(now, before):
    a, b = _in(now, "date"), _in(before, "date")
    return a, b, WorkRequest.objects.filter(a | b).exclude(status=WorkRequest.Status.CANCELLED)


def _work_totals(now, before) -> dict:
    a, b, work = _work(now, before)
    counts = {}
    for key, span_q in (("a", a), ("b", b)):
        counts[f"lessons_{key}"] = Count("pk", filter=span_q)
        counts[f"set_{key}"] = Count("pk", filter=span_q & Q(status__in=WORK_SET))
    return work.aggregate(**counts)


def _work_by(now, before, t, by: str, heading: str, totals: dict) -> Table:
    a, b, work = _work(now, before)
    keys = ["subject"] if by == "subject" else ["teacher_id", "teacher_code"]
    counts = {}
    for key, span_q in (("a", a), ("b", b)):
        counts[f"lessons_{key}"] = Count("pk", filter=span_q)
        counts[f"set_{key}"] = Count("pk", filter=span_q & Q(status__in=WORK_SET))
        counts[f"days_{key}"] = Median(
            DaysBetween(F("set_at"), F("requested_at")), filter=span_q & Q(status__in=WORK_SET)
        )
    rows = list(work.values(*keys).annotate(**counts).order_by(*keys)[: MAX_ROWS + 1])
    names = {}
    if by == "teacher":
        from django.contrib.auth import get_user_model

        ids = [r["teacher_id"] for r in rows if r["teacher_id"]]
        names = {u.pk: str(u) for u in get_user_model().objects.filter(pk__in=ids)}
    key = "work_department" if by == "subject" else "work_teacher"
    table = Table(
        key,
        f"Work from class teachers, by {heading.lower()}",
        [
            heading,
            f"Room lessons, {now.label}",
            "Work set",
            "Share set",
            "Median days to set",
            f"Room lessons, {before.label}",
            "Work set",
            "Share set",
            "Median days to set",
        ],
        note="Room lessons in each period (not those that went back to class)."
        + (f" Only the first {MAX_ROWS} are listed." if len(rows) > MAX_ROWS else ""),
    )
    rows = rows[:MAX_ROWS]
    # Each row's room lessons are a part of the total shown below: protected as a partition.
    lessons = {k: protect(Shown.of(r[f"lessons_{k}"], t) for r in rows) for k in ("a", "b")}
    for i, r in enumerate(rows):
        label = (
            r["subject"]
            if by == "subject"
            else (names.get(r["teacher_id"]) or r["teacher_code"] or "No teacher named")
        )
        cells = [label]
        for k in ("a", "b"):
            done = Shown.of(r[f"set_{k}"], t)
            cells += [
                lessons[k][i],
                done,
                rate(done, lessons[k][i], suffix="%", places=0),
                derived(r[f"days_{k}"], t, done),
            ]
        table.rows.append(cells)
    if rows:
        cells = ["All room lessons"]
        for k in ("a", "b"):
            whole, done = Shown.of(totals[f"lessons_{k}"], t), Shown.of(totals[f"set_{k}"], t)
            cells += [whole, done, rate(done, whole, suffix="%", places=0), "–"]
        table.rows.append(cells)
    return table


# --- disproportionality --------------------------------------------------------------------


def characteristic_groups() -> list[tuple[str, list[tuple[str, Q]]]]:
    """(characteristic, [(group, condition on Student)]): each characteristic's groups
    cover every pupil once; a missing value is its own group, never dropped."""
    S = Student.SenStatus
    ethnic = [(name, Q(ethnicity__in=codes)) for name, codes in ETHNIC_GROUPS.items()]
    every = [c for codes in ETHNIC_GROUPS.values() for c in codes]
    ethnic.append((NOT_RECORDED, ~Q(ethnicity__in=every)))
    return [
        (
            "Special educational needs",
            [
                ("SEN support", Q(sen_status=S.SEN_SUPPORT)),
                ("EHC plan", Q(sen_status=S.EHCP)),
                ("No SEN recorded", ~Q(sen_status__in=[S.SEN_SUPPORT, S.EHCP])),
            ],
        ),
        (
            "Pupil premium",
            [
                ("Pupil premium", Q(pupil_premium=True)),
                ("Not pupil premium", Q(pupil_premium=False)),
            ],
        ),
        (
            "Free school meals",
            [
                ("Free school meals", Q(free_school_meals=True)),
                ("No free school meals", Q(free_school_meals=False)),
            ],
        ),
        (
            "Looked after",
            [("Looked after", Q(looked_after=True)), ("Not looked after", Q(looked_after=False))],
        ),
        ("English as an additional language", [("EAL", Q(eal=True)), ("Not EAL", Q(eal=False))]),
        ("Sex", [(g.label, Q(gender=g.value)) for g in Student.Gender]),
        ("Ethnicity (major group)", ethnic),
    ]


def _on_roll(span: Span) -> Q:
    return Q(on_roll=True) | Q(left_on__gte=span.start)


def _keys(groups):
    return [(i, j) for i, (_, parts) in enumerate(groups) for j in range(len(parts))]


def _placed_students(span: Span):
    """The pupils in the room at some time in the span (their ids, as a subquery)."""
    return Placement.objects.filter(_in_room(span)).values("student_id")


def _disproportionality(now, before, t):
    groups = characteristic_groups()
    roll_a, roll_b = _on_roll(now), _on_roll(before)
    # One pass over the pupils on roll in either period, grouped by year, by whether on
    # roll in each period and by whether placed in each (the placed pupils of a period
    # are a few hundred ids, read once as a set): each row carries every
    # characteristic's counts, and each figure is a sum of rows.
    counts = {"n": Count("pk")}
    for i, (_, parts) in enumerate(groups):
        for j, (_, cond) in enumerate(parts):
            counts[f"{i}_{j}"] = Count("pk", filter=cond)

    def flag(q: Q):
        return ExpressionWrapper(q, output_field=BooleanField())

    rows = (
        Student.objects.filter(roll_a | roll_b)
        .annotate(
            on_roll_now=flag(roll_a),
            on_roll_before=flag(roll_b),
            in_room_now=flag(Q(pk__in=_placed_students(now))),
            in_room_before=flag(Q(pk__in=_placed_students(before))),
        )
        .values("year_group", "on_roll_now", "on_roll_before", "in_room_now", "in_room_before")
        .annotate(**counts)
    )
    got: Counter = Counter()
    years = set()
    for row in rows:
        years.add(row["year_group"])
        y = f"y{row['year_group']}"
        for prefix, counted in (
            ("r", row["on_roll_now"]),
            ("rb", row["on_roll_before"]),
            ("p", row["on_roll_now"] and row["in_room_now"]),
            ("pb", row["on_roll_before"] and row["in_room_before"]),
        ):
            if not counted:
                continue
            got[prefix] += row["n"]
            got[f"{prefix}{y}"] += row["n"]
            for i, j in _keys(groups):
                got[f"{prefix}{i}_{j}"] += row[f"{i}_{j}"]
    for old, new in (("r", "roll_a"), ("p", "placed_a"), ("rb", "roll_b"), ("pb", "placed_b")):
        got[new] = got.pop(old, 0)
    table = Table(
        "disproportionality",
        "Who is placed: pupils in the room per 100 on roll, by characteristic",
        [
            "Characteristic",
            "Group",
            "On roll",
            "Share of roll",
            "Pupils placed",
            "Share of placed",
            "Rate per 100",
            "Ratio to all pupils",
            "Placed (last year)",
            "Rate per 100 (last year)",
            "Ratio (last year)",
        ],
        note="Characteristics as recorded now. A ratio above 1 means the group is placed "
        "more often than pupils as a whole; a missing value counts as not recorded.",
    )
    roll, placed = Shown.of(got["roll_a"], t), Shown.of(got["placed_a"], t)
    roll_before, placed_before = Shown.of(got["roll_b"], t), Shown.of(got["placed_b"], t)
    overall, overall_before = rate(placed, roll), rate(placed_before, roll_before)
    table.rows.append(
        [
            "All pupils",
            "All pupils",
            roll,
            Number(100.0, t, roll.hidden, 0, "%"),
            placed,
            Number(100.0, t, placed.hidden, 0, "%"),
            overall,
            derived(1.0, t, placed, roll, places=2),
            placed_before,
            overall_before,
            derived(1.0, t, placed_before, roll_before, places=2),
        ]
    )
    parts_all = [
        (
            name,
            [
                (label, (f"r{i}_{j}", f"p{i}_{j}", f"rb{i}_{j}", f"pb{i}_{j}"))
                for j, (label, _) in enumerate(parts)
            ],
        )
        for i, (name, parts) in enumerate(groups)
    ]
    year_parts = []
    for year in sorted(years):
        k = f"y{year}"
        year_parts.append((f"Year {year}", (f"r{k}", f"p{k}", f"rb{k}", f"pb{k}")))
    parts_all.append(("Year group", year_parts))
    chart = []
    for name, parts in parts_all:
        cols = [protect(Shown.of(got[keys[c]], t) for _, keys in parts) for c in range(4)]
        for (label, _), r, p, rb, pb in zip(parts, *cols, strict=True):
            group_rate, group_rate_b = rate(p, r), rate(pb, rb)
            ratio = _ratio(group_rate, overall, t)
            ratio_b = _ratio(group_rate_b, overall_before, t)
            table.rows.append(
                [
                    name,
                    label,
                    r,
                    rate(r, roll, suffix="%", places=0),
                    p,
                    rate(p, placed, suffix="%", places=0),
                    group_rate,
                    ratio,
                    pb,
                    group_rate_b,
                    ratio_b,
                ]
            )
            chart.append(
                {"characteristic": name, "label": label, "ratio": ratio, "rate": group_rate}
            )
    return table, chart


def _ratio(group: Number, overall: Number, t: int) -> Number:
    if group.hidden or overall.hidden:
        return Number(None, t, True, 2)
    if group.value is None or not overall.value:
        return Number(None, t, False, 2)
    return Number(group.value / overall.value, t, False, 2)


# --- trend by month ------------------------------------------------------------------------


def _trend(now: Span, before: Span, t: int):
    months_a, months_b = now.months(), before.months()
    referred = Counter()
    started = Counter()
    # One query a table: each month of either period with its count in each (the two
    # periods may overlap when a range of dates is longer than a year).
    a, b = _during(now, "submitted_at"), _during(before, "submitted_at")
    for r in (
        Referral.objects.filter(a | b)
        .annotate(m=TruncMonth("submitted_at"))
        .values("m")
        .annotate(n_a=Count("pk", filter=a), n_b=Count("pk", filter=b))
    ):
        month = r["m"].date() if hasattr(r["m"], "date") else r["m"]
        referred[("a", month)], referred[("b", month)] = r["n_a"], r["n_b"]
    a, b = _in(now, "start_date"), _in(before, "start_date")
    for r in (
        Placement.objects.filter(a | b, state__in=IN_ROOM)
        .annotate(m=TruncMonth("start_date"))
        .values("m")
        .annotate(n_a=Count("pk", filter=a), n_b=Count("pk", filter=b))
    ):
        started[("a", r["m"])], started[("b", r["m"])] = r["n_a"], r["n_b"]
    table = Table(
        "trend",
        "Each month: referrals received and placements started",
        [
            "Month",
            "Referrals",
            "Placements started",
            "Referrals (a year earlier)",
            "Placements started (a year earlier)",
        ],
    )
    points = []
    for i, month in enumerate(months_a):
        earlier = months_b[i] if i < len(months_b) else None
        row = {
            "month": month,
            "referred": Shown.of(referred[("a", month)], t),
            "started": Shown.of(started[("a", month)], t),
            "referred_before": Shown.of(referred[("b", earlier)], t) if earlier else None,
            "started_before": Shown.of(started[("b", earlier)], t) if earlier else None,
        }
        points.append(row)
        table.rows.append(
            [
                month.strftime("%b %Y"),
                row["referred"],
                row["started"],
                row["referred_before"] or "–",
                row["started_before"] or "–",
            ]
        )
    return table, points


# --- safeguarding and restrictive practice ---------------------------------------------


def _force(now, before, t, cols) -> Table:
    """Uses of reasonable force (each once, as it stands after corrections) by when they
    happened: counts only, never what happened."""

    def when(span):
        return _during(span, "entry__occurred_at")

    def counted(extra: Q | None = None):
        extra = extra if extra is not None else Q()
        return [
            Count("pk", filter=when(now) & extra, distinct=True),
            Count("pk", filter=when(before) & extra, distinct=True),
        ]

    figures_ = {
        "Uses of reasonable force": counted(None),
        "A pupil was injured": counted(Q(pupil_injured=True)),
        "A member of staff was injured": counted(Q(staff_injured=True)),
        "Parents or carers not yet told": counted(Q(parents_told=ForceRecord.ParentsTold.NOT_YET)),
        "No debrief recorded": counted(Q(debrief_at__isnull=True)),
    }
    aggregates = {}
    for n, (a, b) in enumerate(figures_.values()):
        aggregates[f"a{n}"], aggregates[f"b{n}"] = a, b
    aggregates["pa"] = Count("entry__links__student", filter=when(now), distinct=True)
    aggregates["pb"] = Count("entry__links__student", filter=when(before), distinct=True)
    got = current_force_records().filter(when(now) | when(before)).aggregate(**aggregates)
    table = Table(
        "force",
        "Use of reasonable force",
        ["Figure", *cols],
        note="Each use counted once, as it stands after any correction; when it happened.",
    )
    for n, label in enumerate(figures_):
        table.rows.append([label, *_pair(got[f"a{n}"], got[f"b{n}"], t)])
        if n == 0:
            table.rows.append(["Pupils involved", *_pair(got["pa"], got["pb"], t)])
    return table


def _cp_transfers(now, before, t, cols, today: dt.date) -> Table:
    """Leavers with a child-protection file, by whether it reached the next school within
    5 school days of leaving (KCSIE), by the leaving date."""
    leavers = list(
        Student.objects.filter(
            _in(now, "left_on") | _in(before, "left_on"), left_on__isnull=False, on_roll=False
        )
        .filter(transfers.has_cp_file())
        .values_list("pk", "left_on")
    )
    ids = [pk for pk, _ in leavers]
    confirmed = {
        (pk, left_on): at
        for pk, left_on, at in ChildProtectionTransfer.objects.filter(
            student_id__in=ids, state=ChildProtectionTransfer.State.CONFIRMED
        ).values_list("student_id", "left_on", "confirmed_at")
    }
    closed = set(
        LeavingClosed.objects.filter(student_id__in=ids)
        .exclude(reason=LeavingClosed.Reason.BEFORE_TRACKING)
        .values_list("student_id", "left_on")
    )
    labels = [
        ("in_time", "Confirmed by the next school within 5 school days"),
        ("later", "Confirmed, but later"),
        ("late", "Not confirmed and late"),
        ("not_due", "Not confirmed, not yet due"),
        ("elsewhere", "Sent another way, or no next school"),
    ]
    counts: dict[str, list[int]] = {key: [0, 0] for key, _ in labels}
    if leavers:
        start = min(left_on for _, left_on in leavers)
        calendar = SchoolCalendar.from_db(start, max(today, start) + dt.timedelta(days=400))
        for pk, left_on in leavers:
            column = 0 if now.start <= left_on <= now.end else 1
            try:
                due = calendar.add_school_days(left_on, transfers.DUE_BY_SCHOOL_DAY)
            except CalendarError:
                due = None
            at = confirmed.get((pk, left_on))
            if (pk, left_on) in closed:
                key = "elsewhere"
            elif at is not None:
                key = "in_time" if due is None or timezone.localdate(at) <= due else "later"
            elif due is not None and today > due:
                key = "late"
            else:
                key = "not_due"
            counts[key][column] += 1
    table = Table(
        "cp_transfers",
        "Child-protection files of leavers",
        ["Leavers with a child-protection file", *cols],
        note="KCSIE: the file reaches the next school's DSL within 5 school days of leaving. "
        "By the leaving date.",
    )
    _partition_table(table, labels, {k: tuple(v) for k, v in counts.items()}, t)
    return table
