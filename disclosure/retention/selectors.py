"""Reads for a room record's retention: what falls due, what is proposed, held and gone.

A referral's rule and due date come from the database function
disclosure_room_record_retention (disclosure/retention/__init__.py). Nothing here reads a
referral's or placement's words: the pages show whose record it is, its dates and state,
and its rule.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    BigIntegerField,
    DateField,
    Exists,
    F,
    Func,
    OuterRef,
    QuerySet,
)

from disclosure.models import (
    PupilRecordDisposal,
    PupilRecordProposal,
    RoomRecordDisposal,
    RoomRecordProposal,
)
from enigma.models import Student
from records.models import Entry
from records.retention import years_after
from records.selectors.retention import active_holds, rules_in_force
from referrals.models import Placement, Referral


class _Retention(Func):
    """One column of a retention function (disclosure_room_record_retention(referral id)
    or disclosure_pupil_record_retention(student id)), as a scalar subquery."""

    TEMPLATES = {
        "due_on": "(SELECT r.due_on FROM %(function)s(%(expressions)s) r)",
        "rule_id": "(SELECT r.rule_id FROM %(function)s(%(expressions)s) r)",
    }

    def __init__(self, function, expression, column, output_field):
        super().__init__(expression, function=function, output_field=output_field)
        self.template = self.TEMPLATES[column]


def room_due_on(referral_ref="pk"):
    return _Retention("disclosure_room_record_retention", F(referral_ref), "due_on", DateField())


def room_rule_id(referral_ref="pk"):
    return _Retention(
        "disclosure_room_record_retention", F(referral_ref), "rule_id", BigIntegerField()
    )


def pupil_due_on(student_ref="pk"):
    return _Retention("disclosure_pupil_record_retention", F(student_ref), "due_on", DateField())


def pupil_rule_id(student_ref="pk"):
    return _Retention(
        "disclosure_pupil_record_retention", F(student_ref), "rule_id", BigIntegerField()
    )


def file_held(student_ref="student_id") -> Exists:
    """Whether a legal hold stands on the whole file of the pupil (a hold on one chronology
    entry keeps that entry only)."""
    return Exists(active_holds().filter(student=OuterRef(student_ref), entry__isnull=True))


def _open_proposal() -> Exists:
    return Exists(
        RoomRecordProposal.objects.filter(referral_number=OuterRef("pk"), decision__isnull=True)
    )


def _candidates(today: dt.date) -> QuerySet[Referral]:
    """Closed referrals (their placement over, if any) of pupils old enough for the shortest
    rule that applies to room records: only these can be due, so the function runs on few
    rows."""
    years = min(
        (r.years_after_birth for r in rules_in_force() if r.basis in ("sen", "pupil")),
        default=None,
    )
    if years is None:
        return Referral.objects.none()
    live = Placement.objects.filter(referral=OuterRef("pk"), state__in=Placement.LIVE)
    return (
        Referral.objects.filter(student__date_of_birth__lte=years_after(today, -years))
        .exclude(status__in=Referral.OPEN)
        .filter(~Exists(live))
    )


def due_room_records(today: dt.date) -> QuerySet[Referral]:
    """Room records due on `today`, not held and not already proposed, the longest overdue
    first."""
    return (
        _candidates(today)
        .annotate(due_on=room_due_on(), rule_id=room_rule_id(), is_held=file_held())
        .filter(due_on__lte=today, is_held=False)
        .filter(~_open_proposal())
        .select_related("student", "placement")
        .order_by("due_on", "pk")
    )


def held_due_room_records_count(today: dt.date) -> int:
    """How many due room records a legal hold keeps back (those already proposed show as
    held among the proposals)."""
    return (
        _candidates(today)
        .annotate(due_on=room_due_on(), is_held=file_held())
        .filter(due_on__lte=today, is_held=True)
        .filter(~_open_proposal())
        .count()
    )


def open_room_proposals() -> QuerySet[RoomRecordProposal]:
    return (
        RoomRecordProposal.objects.filter(decision__isnull=True)
        .annotate(is_held=file_held())
        .select_related("student", "rule", "proposed_by")
        .order_by("proposed_at", "pk")
    )


def room_disposals() -> QuerySet[RoomRecordDisposal]:
    return RoomRecordDisposal.objects.select_related(
        "student", "rule", "proposed_by", "approved_by"
    ).order_by("-disposed_at", "-pk")


def room_retention_of(referral: Referral) -> tuple[int | None, dt.date | None]:
    """(rule id, due date) of one referral's room record."""
    row = (
        Referral.objects.filter(pk=referral.pk)
        .annotate(rule_id=room_rule_id(), due_on=room_due_on())
        .values_list("rule_id", "due_on")
        .first()
    )
    return row if row else (None, None)


def referrals_by_number(numbers) -> dict[int, Referral]:
    """The referrals still there among these ids, with their placements (one query)."""
    return {
        r.pk: r for r in Referral.objects.filter(pk__in=list(numbers)).select_related("placement")
    }


def referral_to_dispose(number: int) -> tuple[Referral | None, bool]:
    """The referral a proposal names, and, when it is gone, whether that was by disposal
    (the page then says so rather than "not found")."""
    referral = Referral.objects.filter(pk=number).first()
    if referral is not None:
        return referral, False
    return None, RoomRecordDisposal.objects.filter(referral_number=number).exists()


# --- the pupil's remaining record ----------------------------------------------------------


def _pupil_candidates(today: dt.date) -> QuerySet[Student]:
    """Leavers old enough for the shortest rule, none of whose chronology entries or room
    records remain and whose remaining record is not yet disposed of: only these can be
    due, so the function runs on few rows."""
    years = min((r.years_after_birth for r in rules_in_force()), default=None)
    if years is None:
        return Student.objects.none()
    live = Entry.objects.filter(links__student=OuterRef("pk"), disposed_at__isnull=True)
    referral = Referral.objects.filter(student=OuterRef("pk"))
    gone = PupilRecordDisposal.objects.filter(student=OuterRef("pk"))
    return Student.objects.filter(
        on_roll=False, date_of_birth__lte=years_after(today, -years)
    ).filter(~Exists(live), ~Exists(referral), ~Exists(gone))


def _open_pupil_proposal() -> Exists:
    return Exists(PupilRecordProposal.objects.filter(student=OuterRef("pk"), decision__isnull=True))


def due_pupil_records(today: dt.date) -> QuerySet[Student]:
    """Pupils whose remaining record is due on `today`, not held and not already proposed,
    the longest overdue first."""
    return (
        _pupil_candidates(today)
        .annotate(due_on=pupil_due_on(), rule_id=pupil_rule_id(), is_held=file_held("pk"))
        .filter(due_on__lte=today, is_held=False)
        .filter(~_open_pupil_proposal())
        .order_by("due_on", "pk")
    )


def held_due_pupil_records_count(today: dt.date) -> int:
    return (
        _pupil_candidates(today)
        .annotate(due_on=pupil_due_on(), is_held=file_held("pk"))
        .filter(due_on__lte=today, is_held=True)
        .filter(~_open_pupil_proposal())
        .count()
    )


def open_pupil_proposals() -> QuerySet[PupilRecordProposal]:
    return (
        PupilRecordProposal.objects.filter(decision__isnull=True)
        .annotate(is_held=file_held())
        .select_related("student", "rule", "proposed_by")
        .order_by("proposed_at", "pk")
    )


def pupil_disposals() -> QuerySet[PupilRecordDisposal]:
    return PupilRecordDisposal.objects.select_related(
        "student", "rule", "proposed_by", "approved_by"
    ).order_by("-disposed_at", "-pk")


def pupil_retention_of(student: Student) -> tuple[int | None, dt.date | None]:
    """(rule id, due date) of one pupil's remaining record: shown on the pupil's own page
    of holds, for every pupil, whether or not it is due."""
    row = (
        Student.objects.filter(pk=student.pk)
        .annotate(rule_id=pupil_rule_id(), due_on=pupil_due_on())
        .values_list("rule_id", "due_on")
        .first()
    )
    return row if row else (None, None)


def pupil_record_state(student_id: int) -> dict:
    """What stands in the way of proposing one pupil's remaining record (one query)."""
    live = Entry.objects.filter(links__student=OuterRef("pk"), disposed_at__isnull=True)
    referral = Referral.objects.filter(student=OuterRef("pk"))
    gone = PupilRecordDisposal.objects.filter(student=OuterRef("pk"))
    return (
        Student.objects.filter(pk=student_id)
        .annotate(
            has_entries=Exists(live),
            has_referrals=Exists(referral),
            disposed=Exists(gone),
            is_held=file_held("pk"),
            proposed=_open_pupil_proposal(),
        )
        .values("on_roll", "has_entries", "has_referrals", "disposed", "is_held", "proposed")
        .first()
    )


def pupil_retention_summary(student: Student) -> dict:
    """For the pupil's records-requests tab: the remaining record's rule (with its source)
    and date, and what must go first (two queries). A disposed pupil has no such tab
    (enigma.permissions.get_student_for)."""
    state = pupil_record_state(student.pk) or {}
    row = (
        Student.objects.filter(pk=student.pk)
        .annotate(rule_id=pupil_rule_id(), due_on=pupil_due_on())
        .values_list("rule_id", "due_on")
        .first()
    )
    rules = {r.pk: r for r in rules_in_force()}
    rule_id, due_on = row if row else (None, None)
    return {
        "rule": rules.get(rule_id),
        "due_on": due_on,
        "on_roll": state.get("on_roll", True),
        "has_entries": state.get("has_entries", False),
        "has_referrals": state.get("has_referrals", False),
        "is_held": state.get("is_held", False),
    }
