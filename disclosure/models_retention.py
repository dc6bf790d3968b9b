"""Retention of a pupil's room record: a referral and everything hanging off it.

A room record is one referral with its prior support, proposed targets and transitions,
its placement (targets, reviews and their ratings, measures, follow-ups, transitions),
the placement's timetable plan (cells, week notes, an exit override), register (marks and
days), work requests with their files, calendar feeds, and the reminders about any of
them. It falls due under the records app's rules (records.models_retention.RetentionRule,
disclosure/retention/__init__.py says which) and goes as a whole, by two people.

Every table here is append-only (enigma.db.append_only_triggers), as the chronology's
disposal tables are: a proposal is approved or rejected by a decision row, and the
disposal log is written once, by the database function disclosure_dispose_room_record
(disclosure migration 0003), as the tombstone of the record it deleted. The referral is
named by its former id only (the row is gone): no words, no status, no dates of the
placement survive it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from enigma.db import append_only_triggers
from enigma.models import ImmutableModel


class RoomRecordProposal(ImmutableModel):
    """The DSL's half: this pupil's room record (one referral) is due under this rule."""

    student = models.ForeignKey("enigma.Student", on_delete=models.PROTECT, related_name="+")
    # Not a foreign key: the referral is deleted by the disposal this row asks for.
    referral_number = models.BigIntegerField(db_index=True)
    rule = models.ForeignKey("records.RetentionRule", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["proposed_at", "id"]
        triggers = append_only_triggers("room_record_proposal")

    def __str__(self):
        return f"Disposal of room record {self.referral_number} proposed"


class RoomRecordDecision(ImmutableModel):
    """The second person's half: approved (and then disposed of) or rejected."""

    proposal = models.OneToOneField(
        RoomRecordProposal, on_delete=models.PROTECT, related_name="decision"
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
                name="room_record_rejection_says_why",
                condition=Q(approved=True) | ~Q(reason=""),
            ),
        ]
        triggers = append_only_triggers("room_record_decision")

    def __str__(self):
        return f"{'Approved' if self.approved else 'Rejected'}: {self.proposal}"


class RoomRecordDisposal(ImmutableModel):
    """The tombstone of a disposed room record, written by the disposal function alone:
    whose, which rule, who proposed and approved it, when, and how many rows and files
    went (table name -> rows), never what they said."""

    proposal = models.OneToOneField(
        RoomRecordProposal, on_delete=models.PROTECT, related_name="disposal"
    )
    student = models.ForeignKey("enigma.Student", on_delete=models.PROTECT, related_name="+")
    referral_number = models.BigIntegerField(unique=True)
    had_placement = models.BooleanField()
    rule = models.ForeignKey("records.RetentionRule", on_delete=models.PROTECT, related_name="+")
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
    rows_removed = models.JSONField()
    files_removed = models.PositiveIntegerField()

    class Meta:
        ordering = ["-disposed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="room_record_disposal_needs_two_people",
                condition=~Q(approved_by=models.F("proposed_by")),
            ),
        ]
        triggers = append_only_triggers("room_record_disposal")

    def __str__(self):
        return f"Room record {self.referral_number} disposed of"

    @property
    def rows_total(self) -> int:
        return sum(self.rows_removed.values())
