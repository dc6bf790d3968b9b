"""The retention schedule: rules, legal holds, two-person disposal and its log.

Every table here is append-only (enigma.db.append_only_triggers): a rule is changed by
adding a newer rule for the same basis, a hold is lifted by a release row, a proposal
is approved or rejected by a decision row, and the disposal log is written once, by the
disposal function (records migration 0010), as the tombstone of the entry it emptied.

Read through records.selectors.retention; write through records.services.retention.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from enigma.db import append_only_triggers
from enigma.models import ImmutableModel


class RetentionRule(ImmutableModel):
    """How long one kind of record is kept: until the pupil's date of birth plus a number
    of years. The newest rule of each basis is the one in force; older ones stay, because
    disposals name the rule they were made under."""

    class Basis(models.TextChoices):
        CHILD_PROTECTION = "child_protection", "Child-protection record"
        SEN = "sen", "SEN record"
        PUPIL = "pupil", "Other pupil record"

    basis = models.CharField(max_length=20, choices=Basis.choices)
    years_after_birth = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=300, help_text="Where the period comes from.")
    description = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["basis", "-id"]
        constraints = [
            models.CheckConstraint(
                name="retention_rule_keeps_to_adulthood",
                condition=Q(years_after_birth__gte=18),
            ),
            models.CheckConstraint(name="retention_rule_names_source", condition=~Q(source="")),
        ]
        triggers = append_only_triggers("retention_rule")

    def __str__(self):
        return f"{self.get_basis_display()}: date of birth + {self.years_after_birth} years"


class LegalHold(ImmutableModel):
    """Nothing in this student's file (or, with entry set, in that one entry) is disposed
    of while the hold stands: an inquiry, a claim, a request from the police."""

    student = models.ForeignKey(
        "enigma.Student", on_delete=models.PROTECT, related_name="legal_holds"
    )
    entry = models.ForeignKey(
        "records.Entry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="legal_holds",
        help_text="Only this entry; empty for the whole file.",
    )
    reason = models.CharField("why it is held", max_length=300)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(name="legal_hold_says_why", condition=~Q(reason="")),
        ]
        triggers = append_only_triggers("legal_hold")

    def __str__(self):
        return f"Legal hold on {self.student}"


class LegalHoldRelease(ImmutableModel):
    hold = models.OneToOneField(LegalHold, on_delete=models.PROTECT, related_name="release")
    reason = models.CharField("why it is released", max_length=300)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(name="legal_hold_release_says_why", condition=~Q(reason="")),
        ]
        triggers = append_only_triggers("legal_hold_release")

    def __str__(self):
        return f"Release of {self.hold}"


class DisposalProposal(ImmutableModel):
    """The first person's half of a disposal: this entry is due under this rule."""

    entry = models.ForeignKey(
        "records.Entry", on_delete=models.PROTECT, related_name="disposal_proposals"
    )
    rule = models.ForeignKey(RetentionRule, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["proposed_at", "id"]
        triggers = append_only_triggers("disposal_proposal")

    def __str__(self):
        return f"Disposal of entry {self.entry_id} proposed"


class DisposalDecision(ImmutableModel):
    """The second person's half: approved (and then disposed of) or rejected."""

    proposal = models.OneToOneField(
        DisposalProposal, on_delete=models.PROTECT, related_name="decision"
    )
    approved = models.BooleanField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="disposal_rejection_says_why", condition=Q(approved=True) | ~Q(reason="")
            ),
        ]
        triggers = append_only_triggers("disposal_decision")

    def __str__(self):
        return f"{'Approved' if self.approved else 'Rejected'}: {self.proposal}"


class DisposalLog(ImmutableModel):
    """The tombstone of a disposed entry, written by the disposal function alone: what
    kind of record it was, under which rule it went, who proposed and approved it, when."""

    proposal = models.OneToOneField(DisposalProposal, on_delete=models.PROTECT, related_name="log")
    entry = models.OneToOneField(
        "records.Entry", on_delete=models.PROTECT, related_name="disposal_log"
    )
    kind = models.CharField(max_length=20)
    was_restricted = models.BooleanField()
    occurred_at = models.DateTimeField()
    rule = models.ForeignKey(RetentionRule, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField()
    disposed_at = models.DateTimeField()
    files_removed = models.PositiveIntegerField()

    class Meta:
        ordering = ["-disposed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="disposal_needs_two_people",
                condition=~Q(approved_by=models.F("proposed_by")),
            ),
        ]
        triggers = append_only_triggers("disposal_log")

    def __str__(self):
        return f"Entry {self.entry_id} disposed of"
