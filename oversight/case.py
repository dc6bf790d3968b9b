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
from enigma.models import Student
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


def case_summary(viewer, placement_pk, *, today: dt.date, restricted_fresh: bool) -> CaseSummary:
    """Everything the case summary shows, each part read once from the placement (no
    prefetch machinery: each related table is one plain query by the placement, its
    referral or its reviews)."""
    placements = Placement.objects.filter(pk=placement_pk)
    if not (viewer.is_active and viewer.can(Capability.SEE_ALL_STUDENTS)):
        # Anyone else reads only a placement of a pupil they may see. (For those who see
        # every pupil the rule is no filter: the subquery would only cost its planning.)
        placements = placements.filter(student__in=Student.objects.visible_to(viewer))
    placement = next(
        iter(
            placements.select_related(
                "student", "referral__referrer", "referral__decided_by"
            ).order_by()
        ),
        None,
    )
    if placement is None:
        raise Http404("No such placement.")
    referral = placement.referral
    reviews = list(
        Review.objects.filter(placement_id=placement.pk, held_on__isnull=False)
        .select_related("held_by", "signed_off_by")
        .order_by("number")
    )
    ratings = (
        {
            (r.target_id, r.review_id): r
            for r in TargetRating.objects.filter(review_id__in=[r.pk for r in reviews])
        }
        if reviews
        else {}
    )
    targets = [
        {
            "target": target,
            "ratings": [ratings.get((target.pk, review.pk)) for review in reviews],
        }
        for target in Target.objects.filter(placement_id=placement.pk).order_by("position", "pk")
    ]
    register, work = _room_counts(placement.pk, today)
    measures = {m.stage: m for m in Measure.objects.filter(placement_id=placement.pk)}
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
        prior_support=list(PriorSupport.objects.filter(referral_id=referral.pk)),
        purpose=purpose_label(referral.purpose),
        reviews=reviews,
        targets=targets,
        register=register,
        work=work,
        follow_ups=list(FollowUp.objects.filter(placement_id=placement.pk).order_by("due_on")),
        measures=measures,
        entries=entries,
        restricted_hidden=hidden,
        entries_capped=capped,
        need_areas=[labels.get(a, a) for a in referral.need_areas],
        days_to=days_to,
        referred_again=referred_again(placement),
    )


def _entries_during(placement, viewer, days_to: dt.date) -> list:
    """The latest MAX_ENTRIES + 1 entries of the pupil's chronology from the placement's
    start to days_to, newest first, each with what deciding whether this viewer may read
    it needs (is_restricted, shared_with_me: records.selectors.chronology). The same
    entries as the student file's chronology() for those dates, without what only the
    file shows (the corrected entries and their restriction, the other pupils involved)."""
    return list(
        with_restriction(
            Entry.objects.filter(
                links__student_id=placement.student_id,
                occurred_at__date__gte=placement.start_date,
                occurred_at__date__lte=days_to,
            ),
            viewer,
        )
        .select_related("author", "category")
        .order_by("-occurred_at", "-id")[: MAX_ENTRIES + 1]
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
