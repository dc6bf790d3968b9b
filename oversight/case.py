"""One pupil's story: a placement's case summary, following assess-plan-do-review.

The referral's evidence and the support tried before; the purpose and the areas of need;
the targets with their rating at each review; the pupil's and parents' views at each
review; attendance in the room and the work set; the outcome at exit and each follow-up;
and the chronology during the placement, where a restricted entry shows only as part of
a count unless the reader may read it (records.access)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q
from django.http import Http404

from enigma.models import Student
from records import access
from records.selectors.chronology import TimelineFilters, chronology
from referrals.models import Placement, Review, TargetRating
from referrals.selectors.placements import referred_again
from timetables.models import RegisterMark, WorkRequest

MAX_ENTRIES = 200


@dataclass
class CaseSummary:
    placement: Placement
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
    placement = (
        Placement.objects.filter(pk=placement_pk, student__in=Student.objects.visible_to(viewer))
        .select_related("student", "referral__referrer", "referral__decided_by", "approved_by")
        .prefetch_related("referral__prior_support", "referral__proposed_targets")
        .first()
    )
    if placement is None:
        raise Http404("No such placement.")
    reviews = list(
        placement.reviews.filter(held_on__isnull=False)
        .select_related("held_by", "signed_off_by")
        .prefetch_related(Prefetch("ratings", queryset=TargetRating.objects.all()))
        .order_by("number")
    )
    ratings = {(r.target_id, review.pk): r for review in reviews for r in review.ratings.all()}
    targets = [
        {
            "target": target,
            "ratings": [ratings.get((target.pk, review.pk)) for review in reviews],
        }
        for target in placement.targets.order_by("position", "pk")
    ]
    register = RegisterMark.objects.filter(placement=placement).aggregate(
        marked=Count("pk"),
        present=Count("pk", filter=Q(status=RegisterMark.Status.PRESENT)),
        late=Count("pk", filter=Q(status=RegisterMark.Status.LATE)),
        absent=Count("pk", filter=Q(status=RegisterMark.Status.ABSENT)),
        in_class=Count("pk", filter=Q(status=RegisterMark.Status.IN_CLASS)),
    )
    S = WorkRequest.Status
    work = (
        WorkRequest.objects.filter(placement=placement)
        .exclude(status=S.CANCELLED)
        .aggregate(
            lessons=Count("pk"),
            set=Count("pk", filter=Q(status__in=[S.SET, S.COMPLETED, S.RETURNED])),
            completed=Count("pk", filter=Q(status__in=[S.COMPLETED, S.RETURNED])),
            missing=Count("pk", filter=Q(status=S.REQUESTED, date__lt=today)),
            subjects=Count("subject", distinct=True),
        )
    )
    measures = {m.stage: m for m in placement.measures.all()}
    days_to = placement.actual_exit or today
    entries, hidden, capped = [], 0, False
    if placement.start_date:
        found = chronology(
            placement.student,
            viewer=viewer,
            filters=TimelineFilters(date_from=placement.start_date, date_to=days_to),
        )[: MAX_ENTRIES + 1]
        for entry in found:
            if access.is_restricted(entry) and not (
                restricted_fresh and access.may_read_restricted(viewer, entry)
            ):
                hidden += 1
                continue
            entries.append(entry)
        capped = len(entries) + hidden > MAX_ENTRIES
        entries = entries[:MAX_ENTRIES]
    from referrals.models import NeedArea

    labels = dict(NeedArea.choices)
    return CaseSummary(
        placement=placement,
        reviews=reviews,
        targets=targets,
        register=register,
        work=work,
        follow_ups=list(placement.follow_ups.select_related("recorded_by").order_by("due_on")),
        measures=measures,
        entries=entries,
        restricted_hidden=hidden,
        entries_capped=capped,
        need_areas=[labels.get(a, a) for a in placement.referral.need_areas],
        days_to=days_to,
        referred_again=referred_again(placement),
    )
