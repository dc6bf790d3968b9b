"""One pupil's story: a placement's case summary, following assess-plan-do-review.

The referral's evidence and the support tried before; the purpose and the areas of need;
the targets with their rating at each review; the pupil's and parents' views at each
review; attendance in the room and the work set; the outcome at exit and each follow-up;
and the chronology during the placement, where a restricted entry shows only as part of
a count unless the reader may read it (records.access)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.http import Http404

from enigma.capabilities import Capability
from enigma.compiled import compiled_list
from enigma.models import Student, User
from records import access
from records.models import Entry
from records.selectors.chronology import with_restriction
from referrals.models import (
    FollowUp,
    Measure,
    NeedArea,
    Placement,
    PriorSupport,
    Review,
    Target,
    TargetRating,
)
from referrals.purposes import purpose_label
from referrals.selectors.placements import referred_again
from timetables.models import RegisterMark, WorkRequest

MAX_ENTRIES = 200


@dataclass
class CaseSummary:
    placement: Placement
    prior_support: list[PriorSupport]
    purpose: str
    reviews: list[Review]
    targets: list[dict]
    register: dict
    work: dict
    follow_ups: list
    measures: dict
    entries: list
    restricted_hidden: int
    entries_capped: bool
    need_areas: list[str]
    days_to: dt.date
    referred_again: bool


# Stand-ins in the SQL compiled once a process (no row has these keys, and no entry was
# written on these days), each put back by the value it stands for on every read.
_PLACEMENT = -7_340_981_652_301
_REFERRAL = -7_340_981_652_302
_STUDENT = -7_340_981_652_303
_VIEWER = -7_340_981_652_304
_FROM, _TO = dt.date(1901, 1, 2), dt.date(1901, 1, 3)


def _placement_query(placement_pk):
    return (
        Placement.objects.filter(pk=placement_pk)
        .select_related("student", "referral__referrer", "referral__decided_by")
        .order_by()
    )


def _reviews_query(placement_pk):
    return (
        Review.objects.filter(placement_id=placement_pk, held_on__isnull=False)
        .select_related("held_by", "signed_off_by")
        .order_by("number")
    )


def _ratings_query(placement_pk):
    # The ratings at the held reviews of the placement: those of _reviews_query's reviews.
    return TargetRating.objects.filter(
        review__placement_id=placement_pk, review__held_on__isnull=False
    )


def _targets_query(placement_pk):
    return Target.objects.filter(placement_id=placement_pk).order_by("position", "pk")


def _measures_query(placement_pk):
    return Measure.objects.filter(placement_id=placement_pk)


def _follow_ups_query(placement_pk):
    return FollowUp.objects.filter(placement_id=placement_pk).order_by("due_on")


def _prior_support_query(referral_pk):
    return PriorSupport.objects.filter(referral_id=referral_pk)


def _by_placement(name: str, build, placement_pk: int) -> list:
    """build(placement_pk) as a list, from its SQL compiled once a process (building and
    compiling the case summary's nine querysets cost more than running them)."""
    return compiled_list(name, build, _PLACEMENT, bind={_PLACEMENT: placement_pk})


def case_summary(viewer, placement_pk, *, today: dt.date, restricted_fresh: bool) -> CaseSummary:
    """Everything the case summary shows, each part read once from the placement (no
    prefetch machinery: each related table is one plain query by the placement, its
    referral or its reviews), from SQL compiled once a process."""
    if viewer.is_active and viewer.can(Capability.SEE_ALL_STUDENTS):
        # For those who see every pupil the rule is no filter.
        found = _by_placement("case placement", _placement_query, int(placement_pk))
    else:
        # Anyone else reads only a placement of a pupil they may see.
        found = list(
            _placement_query(placement_pk).filter(student__in=Student.objects.visible_to(viewer))
        )
    placement = found[0] if found else None
    if placement is None:
        raise Http404("No such placement.")
    referral = placement.referral
    reviews = _by_placement("case reviews", _reviews_query, placement.pk)
    ratings = (
        {
            (r.target_id, r.review_id): r
            for r in _by_placement("case ratings", _ratings_query, placement.pk)
        }
        if reviews
        else {}
    )
    targets = [
        {
            "target": target,
            "ratings": [ratings.get((target.pk, review.pk)) for review in reviews],
        }
        for target in _by_placement("case targets", _targets_query, placement.pk)
    ]
    register, work = _room_counts(placement.pk, today)
    measures = {m.stage: m for m in _by_placement("case measures", _measures_query, placement.pk)}
    days_to = placement.actual_exit or today
    entries, hidden, capped = [], 0, False
    if placement.start_date:
        for entry in _entries_during(placement, viewer, days_to):
            if access.is_restricted(entry) and not (
                restricted_fresh and access.may_read_restricted(viewer, entry)
            ):
                hidden += 1
                continue
            entries.append(entry)
        capped = len(entries) + hidden > MAX_ENTRIES
        entries = entries[:MAX_ENTRIES]
    labels = dict(NeedArea.choices)
    return CaseSummary(
        placement=placement,
        prior_support=compiled_list(
            "case prior support",
            _prior_support_query,
            _REFERRAL,
            bind={_REFERRAL: referral.pk},
        ),
        purpose=purpose_label(referral.purpose),
        reviews=reviews,
        targets=targets,
        register=register,
        work=work,
        follow_ups=_by_placement("case follow-ups", _follow_ups_query, placement.pk),
        measures=measures,
        entries=entries,
        restricted_hidden=hidden,
        entries_capped=capped,
        need_areas=[labels.get(a, a) for a in referral.need_areas],
        days_to=days_to,
        referred_again=referred_again(placement),
    )


def _entries_during_query(student_pk, viewer_pk, days_from: dt.date, days_to: dt.date):
    return (
        with_restriction(
            Entry.objects.filter(
                links__student_id=student_pk,
                occurred_at__date__gte=days_from,
                occurred_at__date__lte=days_to,
            ),
            User(pk=viewer_pk),
        )
        .select_related("author", "category")
        .order_by("-occurred_at", "-id")[: MAX_ENTRIES + 1]
    )


def _entries_during(placement, viewer, days_to: dt.date) -> list:
    """The latest MAX_ENTRIES + 1 entries of the pupil's chronology from the placement's
    start to days_to, newest first, each with what deciding whether this viewer may read
    it needs (is_restricted, shared_with_me: records.selectors.chronology). The same
    entries as the student file's chronology() for those dates, without what only the
    file shows (the corrected entries and their restriction, the other pupils involved).
    Whether an entry is restricted is asked of the database on every read (the compiled
    SQL holds the rule, not its answer)."""
    return compiled_list(
        "case entries",
        _entries_during_query,
        _STUDENT,
        _VIEWER,
        _FROM,
        _TO,
        bind={
            _STUDENT: placement.student_id,
            _VIEWER: viewer.pk,
            _FROM: placement.start_date,
            _TO: days_to,
        },
    )


# Only the two quoted table names are put into the text; every value is a parameter.
_ROOM_COUNTS = (
    "SELECT r.marked, r.present, r.late, r.absent, r.in_class,"
    " w.lessons, w.set, w.completed, w.missing, w.subjects FROM"
    " (SELECT count(*) AS marked,"
    " count(*) FILTER (WHERE status = %(present)s) AS present,"
    " count(*) FILTER (WHERE status = %(late)s) AS late,"
    " count(*) FILTER (WHERE status = %(absent)s) AS absent,"
    " count(*) FILTER (WHERE status = %(in_class)s) AS in_class"
    " FROM {marks} WHERE placement_id = %(placement)s) r,"
    " (SELECT count(*) AS lessons,"
    " count(*) FILTER (WHERE status = ANY(%(set)s)) AS set,"
    " count(*) FILTER (WHERE status = ANY(%(done)s)) AS completed,"
    " count(*) FILTER (WHERE status = %(requested)s AND date < %(today)s) AS missing,"
    " count(DISTINCT subject) AS subjects"
    " FROM {lessons} WHERE placement_id = %(placement)s AND status <> %(cancelled)s) w"
)


def _room_counts(placement_pk: int, today: dt.date) -> tuple[dict, dict]:
    """The room register's marks by status, and the room lessons' work from class
    teachers (cancelled lessons left out; 'missing': a past lesson with no work set),
    both in one statement. Written as SQL: through the ORM each count was an aggregate
    query of its own, and building the two cost more than running them."""
    R, W = RegisterMark.Status, WorkRequest.Status
    sql = _ROOM_COUNTS.format(
        marks=connection.ops.quote_name(RegisterMark._meta.db_table),
        lessons=connection.ops.quote_name(WorkRequest._meta.db_table),
    )
    params = {
        "placement": placement_pk,
        "today": today,
        "present": R.PRESENT,
        "late": R.LATE,
        "absent": R.ABSENT,
        "in_class": R.IN_CLASS,
        "set": [W.SET, W.COMPLETED, W.RETURNED],
        "done": [W.COMPLETED, W.RETURNED],
        "requested": W.REQUESTED,
        "cancelled": W.CANCELLED,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    register = dict(zip(("marked", "present", "late", "absent", "in_class"), row[:5], strict=True))
    work = dict(zip(("lessons", "set", "completed", "missing", "subjects"), row[5:], strict=True))
    return register, work
