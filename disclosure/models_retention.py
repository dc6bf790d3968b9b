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

The pupil's remaining record (PupilRecord*) is what is left once the chronology's entries
and the room records have gone: the pupil's own row (anonymised, as the blanked entries'
chain still names it), contacts, staff links, normal timetable, intervention memberships
with their scores, session attendance, the uses of reasonable force that concern no other
pupil whose record remains, reminders, subject access exports and child-protection
transfers (the log and any file left). It goes by the same two-person path, through the
database function disclosure_dispose_pupil_record (disclosure migrations 0005, 0006).

Both kinds share their halves (the abstract _Proposal, _Decision and _Disposal): only
what names the record differs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from enigma.db import append_only_triggers
from enigma.models import ImmutableModel


class _Proposal(ImmutableModel):
    """The DSL's half: this record of this pupil is due under this rule."""

    student = models.ForeignKey("enigma.Student", on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey("records.RetentionRule", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class _Decision(ImmutableModel):
    """The second person's half: approved (and then disposed of) or rejected."""

    approved = models.BooleanField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{'Approved' if self.approved else 'Rejected'}: {self.proposal}"


class _Disposal(ImmutableModel):
    """The tombstone of a disposed record, written by its disposal function alone: whose,
    which rule, who proposed and approved it, when, and how many rows and files went
    (table name -> rows), never what they said."""

    student = models.ForeignKey("enigma.Student", on_delete=models.PROTECT, related_name="+")
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
        abstract = True

    @property
    def rows_total(self) -> int:
        return sum(self.rows_removed.values())


def _two_people(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(name=name, condition=~Q(approved_by=models.F("proposed_by")))


def _rejection_says_why(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(name=name, condition=Q(approved=True) | ~Q(reason=""))


class RoomRecordProposal(_Proposal):
    """This pupil's room record (one referral) is due under this rule."""

    # Not a foreign key: the referral is deleted by the disposal this row asks for.
    referral_number = models.BigIntegerField(db_index=True)

    class Meta:
        ordering = ["proposed_at", "id"]
        triggers = append_only_triggers("room_record_proposal")

    def __str__(self):
        return f"Disposal of room record {self.referral_number} proposed"


class RoomRecordDecision(_Decision):
    proposal = models.OneToOneField(
        RoomRecordProposal, on_delete=models.PROTECT, related_name="decision"
    )

    class Meta:
        constraints = [_rejection_says_why("room_record_rejection_says_why")]
        triggers = append_only_triggers("room_record_decision")


class RoomRecordDisposal(_Disposal):
    proposal = models.OneToOneField(
        RoomRecordProposal, on_delete=models.PROTECT, related_name="disposal"
    )
    referral_number = models.BigIntegerField(unique=True)
    had_placement = models.BooleanField()

    class Meta:
        ordering = ["-disposed_at", "-id"]
        constraints = [_two_people("room_record_disposal_needs_two_people")]
        triggers = append_only_triggers("room_record_disposal")

    def __str__(self):
        return f"Room record {self.referral_number} disposed of"


class PupilRecordProposal(_Proposal):
    """This pupil's remaining record is due under this rule (the latest that applies)."""

    class Meta:
        ordering = ["proposed_at", "id"]
        triggers = append_only_triggers("pupil_record_proposal")

    def __str__(self):
        return f"Disposal of pupil record {self.student_id} proposed"


class PupilRecordDecision(_Decision):
    proposal = models.OneToOneField(
        PupilRecordProposal, on_delete=models.PROTECT, related_name="decision"
    )

    class Meta:
        constraints = [_rejection_says_why("pupil_record_rejection_says_why")]
        triggers = append_only_triggers("pupil_record_decision")


class PupilRecordDisposal(_Disposal):
    proposal = models.OneToOneField(
        PupilRecordProposal, on_delete=models.PROTECT, related_name="disposal"
    )

    class Meta:
        ordering = ["-disposed_at", "-id"]
        constraints = [
            _two_people("pupil_record_disposal_needs_two_people"),
            models.UniqueConstraint(fields=["student"], name="pupil_record_disposed_once"),
        ]
        triggers = append_only_triggers("pupil_record_disposal")

    def __str__(self):
        return f"Pupil record {self.student_id} disposed of"
