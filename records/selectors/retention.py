"""Reads for the retention schedule: what falls due, what is proposed, held and disposed.

An entry's rule and due date come from the database function records_entry_retention
(records/retention.py). Nothing here returns an entry's words for a restricted entry:
the pages show kind, date, category (or "Restricted") and rule.
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
    Q,
    QuerySet,
)

from enigma.models import Student
from records.access import restricted_now
from records.models import (
    ChronologyLink,
    DisposalLog,
    DisposalProposal,
    Entry,
    LegalHold,
    LegalHoldRelease,
    RetentionRule,
)
from records.retention import years_after


class _Retention(Func):
    """One column of records_entry_retention(entry id), as a scalar subquery."""

    function = "records_entry_retention"
    TEMPLATES = {
        "due_on": "(SELECT r.due_on FROM %(function)s(%(expressions)s) r)",
        "rule_id": "(SELECT r.rule_id FROM %(function)s(%(expressions)s) r)",
    }

    def __init__(self, expression, column, output_field):
        super().__init__(expression, output_field=output_field)
        self.template = self.TEMPLATES[column]


def retention_due_on(entry_ref="pk"):
    return _Retention(F(entry_ref), "due_on", DateField())


def retention_rule_id(entry_ref="pk"):
    return _Retention(F(entry_ref), "rule_id", BigIntegerField())


def rules_in_force() -> list[RetentionRule]:
    """The newest rule of each basis."""
    newest = {}
    for rule in RetentionRule.objects.order_by("basis", "-id"):
        newest.setdefault(rule.basis, rule)
    return [newest[b] for b in RetentionRule.Basis.values if b in newest]


def active_holds() -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(~Exists(LegalHoldRelease.objects.filter(hold=OuterRef("pk"))))


def held(entry_ref="pk") -> Exists:
    """Whether a legal hold stands on the entry or on any of its students."""
    links = ChronologyLink.objects.filter(entry=OuterRef(OuterRef(entry_ref))).values("student")
    return Exists(
        active_holds().filter(
            Q(entry=OuterRef(entry_ref)) | Q(entry__isnull=True, student__in=links)
        )
    )


def _open_proposal(entry_ref="pk") -> Exists:
    return Exists(DisposalProposal.objects.filter(entry=OuterRef(entry_ref), decision__isnull=True))


def _candidates(today: dt.date) -> QuerySet[Entry]:
    """Entries not yet disposed of whose students are all old enough for the shortest
    rule: only these can be due, so the function runs on few rows."""
    years = min((r.years_after_birth for r in rules_in_force()), default=None)
    if years is None:
        return Entry.objects.none()
    cutoff = years_after(today, -years)
    too_young = ChronologyLink.objects.filter(
        entry=OuterRef("pk"), student__date_of_birth__gt=cutoff
    )
    return Entry.objects.filter(disposed_at__isnull=True).filter(~Exists(too_young))


def due_entries(today: dt.date) -> QuerySet[Entry]:
    """Entries due for disposal on `today`, not held and not already proposed, the
    longest overdue first."""
    return (
        _candidates(today)
        .annotate(
            due_on=retention_due_on(),
            rule_id=retention_rule_id(),
            is_held=held(),
            is_restricted=restricted_now(),
        )
        .filter(due_on__lte=today, is_held=False)
        .filter(~_open_proposal())
        .select_related("category")
        .order_by("due_on", "pk")
    )


def held_due_count(today: dt.date) -> int:
    """How many due entries a legal hold keeps back."""
    return (
        _candidates(today)
        .annotate(due_on=retention_due_on(), is_held=held())
        .filter(due_on__lte=today, is_held=True)
        .count()
    )


def open_proposals() -> QuerySet[DisposalProposal]:
    return (
        DisposalProposal.objects.filter(decision__isnull=True)
        .annotate(
            is_restricted=restricted_now("entry_id"),
            is_held=held("entry_id"),
        )
        .select_related("entry__category", "rule", "proposed_by")
        .order_by("proposed_at", "pk")
    )


def disposal_log() -> QuerySet[DisposalLog]:
    return DisposalLog.objects.select_related("rule", "proposed_by", "approved_by").order_by(
        "-disposed_at", "-pk"
    )


def holds_on(student: Student) -> QuerySet[LegalHold]:
    return (
        LegalHold.objects.filter(student=student)
        .select_related("placed_by", "release__released_by")
        .order_by("-placed_at", "-pk")
    )


def students_of(entries) -> dict[int, list[Student]]:
    """Each entry's students, by entry id (one query)."""
    found: dict[int, list[Student]] = {}
    links = ChronologyLink.objects.filter(entry__in=[e.pk for e in entries]).select_related(
        "student"
    )
    for link in links.order_by("student__legal_surname", "student__pk"):
        found.setdefault(link.entry_id, []).append(link.student)
    return found


def retention_of(entry: Entry) -> tuple[int | None, dt.date | None]:
    """(rule id, due date) of one entry."""
    row = (
        Entry.objects.filter(pk=entry.pk)
        .annotate(rule_id=retention_rule_id(), due_on=retention_due_on())
        .values_list("rule_id", "due_on")
        .first()
    )
    return row if row else (None, None)


def entry_in_file(student: Student, entry_id: int) -> Entry | None:
    """One record of this student's file, with whether it is restricted now (so a page
    can name it without its words), or None when it is not in their file."""
    return (
        Entry.objects.filter(pk=entry_id, links__student=student)
        .annotate(is_restricted=restricted_now())
        .select_related("category")
        .first()
    )
