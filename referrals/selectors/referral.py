"""Reads for the referrer's pages: My referrals, one referral with its history, the
students a person may refer, and earlier placements in the same academic year.

Each read runs a fixed number of queries, however many referrals there are.
"""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Page
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Window
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from enigma.capabilities import Capability, has_capability
from enigma.compiled import compiled_list
from enigma.models import Student, User
from enigma.paging import TOTAL, counted_page
from referrals.models import Placement, Referral, ReferralTransition

STUDENTS_SHOWN = 50
MY_REFERRALS_PAGE_SIZE = 25
# A decision or a finished placement stays on My referrals this long; after that it is
# history, a click away ("All my referrals").
RECENT_DAYS = 42


def my_referrals(user) -> QuerySet[Referral]:
    """The referrals `user` made, newest first, each with its student, who decided it and
    the placement it led to (one query)."""
    return (
        Referral.objects.filter(referrer=user)
        .select_related("student", "decided_by", "placement")
        .order_by("-created_at", "-pk")
    )


def my_current_referrals(user, *, today: dt.date) -> QuerySet[Referral]:
    """My referrals as the referrer needs them now: still open, with a placement waiting,
    scheduled or running, or decided, withdrawn or finished in the last six weeks."""
    since = today - dt.timedelta(days=RECENT_DAYS)
    since_time = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    return my_referrals(user).filter(
        Q(status__in=Referral.OPEN)
        | Q(placement__state__in=Placement.LIVE)
        | Q(decided_at__gte=since_time)
        | Q(updated_at__gte=since_time)
        | Q(placement__actual_exit__gte=since)
    )


# Stands for the referrer in the compiled SQL of My referrals (no one's pk).
_REFERRER = -1


def my_referrals_rows_query(referrer_pk: int, today: dt.date, everything: bool, start, stop):
    """Rows start..stop of My referrals of the person with `referrer_pk`, each carrying
    the list's length (TOTAL)."""
    referrer = User(pk=referrer_pk)
    rows = my_referrals(referrer) if everything else my_current_referrals(referrer, today=today)
    return rows.annotate(**{TOTAL: Window(Count("*"))})[start:stop]


def my_referrals_page(user, *, today: dt.date, everything: bool, page_number) -> Page:
    """One page of My referrals (one query; two past the end): the current ones, or with
    `everything` the whole history, newest first. The page and the list's length are one
    read (counted_page, Paginator.get_page's rules) from SQL compiled once a process for
    each page's rows (the referrer is put in)."""
    rows = my_referrals(user) if everything else my_current_referrals(user, today=today)

    def rows_of(start, stop):
        return compiled_list(
            "my referrals",
            my_referrals_rows_query,
            _REFERRER,
            today,
            everything,
            start,
            stop,
            bind={_REFERRER: user.pk},
        )

    return counted_page(rows, MY_REFERRALS_PAGE_SIZE, page_number, rows_of=rows_of)


def referral_for(user, pk, *, queryset: QuerySet[Referral] | None = None) -> Referral:
    """A referral `user` may read, or 404: the room team reads every referral, a referrer
    only their own (never a hint that others exist)."""
    qs = queryset if queryset is not None else Referral.objects.select_related("student")
    if not has_capability(user, Capability.READ_ALL_REFERRALS):
        qs = qs.filter(referrer=user)
    try:
        return get_object_or_404(qs, pk=int(pk))
    except (TypeError, ValueError):
        raise Http404 from None


R = Referral.Status
# What each move means, in the history's words: (from, to) first, then by `to` alone.
MOVE_WORDS = {
    (R.INFO_REQUESTED, R.SUBMITTED): "Sent back with more information",
    R.DRAFT: "Started as a draft",
    R.SUBMITTED: "Sent for a decision",
    R.INFO_REQUESTED: "More information asked for",
    R.APPROVED: "Approved",
    R.DECLINED: "Declined",
    R.WITHDRAWN: "Withdrawn",
}


def move_words(transition: ReferralTransition) -> str:
    return MOVE_WORDS.get(
        (transition.from_status, transition.to_status),
        MOVE_WORDS.get(transition.to_status, transition.to_status),
    )


def referral_detail(user, pk) -> Referral:
    """One referral with its support, targets and history (who, when, why; each move
    labelled in `.label`), in five queries."""
    qs = Referral.objects.select_related(
        "student", "referrer", "decided_by", "placement"
    ).prefetch_related(
        "prior_support",
        "proposed_targets",
        Prefetch("transitions", queryset=ReferralTransition.objects.select_related("by")),
    )
    referral = referral_for(user, pk, queryset=qs)
    for transition in referral.transitions.all():
        transition.label = move_words(transition)
    return referral


def referral_to_edit(user, pk) -> Referral:
    """A referral for its form: the answers with its support and targets."""
    qs = Referral.objects.select_related("student").prefetch_related(
        "prior_support", "proposed_targets"
    )
    return referral_for(user, pk, queryset=qs)


def academic_year(on: dt.date) -> tuple[dt.date, dt.date]:
    """1 September to 31 August: the academic year `on` falls in."""
    first = on.year if on.month >= 9 else on.year - 1
    return dt.date(first, 9, 1), dt.date(first + 1, 8, 31)


def earlier_placements_this_year(student: Student, *, on: dt.date) -> QuerySet[Placement]:
    """The student's placements that started in the academic year of `on` (for the
    approver: a second placement in a year is worth a pause)."""
    first, last = academic_year(on)
    return (
        Placement.objects.filter(student=student, start_date__range=(first, last))
        .select_related("referral")
        .order_by("start_date", "pk")
    )


def open_referral_of(student: Student) -> Referral | None:
    return Referral.objects.filter(student=student, status__in=Referral.OPEN).first()


def students_to_refer(user, text: str = "") -> QuerySet[Student]:
    """Students on roll that `user` may see, matching `text`, each marked with whether it
    already has an open referral or a live placement (one query)."""
    return (
        Student.objects.visible_to(user)
        .filter(on_roll=True)
        .search(text)
        .annotate(
            has_open_referral=Exists(
                Referral.objects.filter(student=OuterRef("pk"), status__in=Referral.OPEN)
            ),
            has_live_placement=Exists(
                Placement.objects.filter(student=OuterRef("pk"), state__in=Placement.LIVE)
            ),
        )
        .order_by(
            *(["search_rank"] if text.strip() else []), "legal_surname", "legal_forename", "pk"
        )
    )
