"""Subject access exports and child-protection file transfers.

Both are files in private storage handed over once through a link that expires: an export
to the member of staff who made it, a transfer to the receiving school's DSL, who also
needs a code given to them separately (only its hash is kept). The file is deleted once it
has been downloaded or has expired; the row stays, as the log of what was sent, when, to
whom, and who acknowledged it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from records.storage import private_storage


def _file_path(instance, filename) -> str:
    """A random name: nothing on disk says whose file it is."""
    return f"disclosure/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.zip"


class SubjectAccessExport(models.Model):
    """Everything held about one pupil, as one ZIP, for the person who asked for it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being prepared"
        READY = "ready", "Ready to download"
        DOWNLOADED = "downloaded", "Downloaded"
        EXPIRED = "expired", "Expired"
        FAILED = "failed", "Could not be prepared"

    student = models.ForeignKey("enigma.Student", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    include_restricted = models.BooleanField(
        default=False, help_text="Only ever set for the DSL team, after a fresh second factor."
    )
    name_other_pupils = models.BooleanField(default=False)
    legal_reason = models.TextField(
        blank=True, help_text="Why other pupils are named (required when they are)."
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    stage = models.CharField(max_length=100, blank=True)
    file = models.FileField(
        storage=private_storage, upload_to=_file_path, max_length=200, blank=True
    )
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    redaction_count = models.PositiveIntegerField(default=0)
    # Which pupil each "Pupil A" of the redaction list is (label -> student id): shown to
    # the exporter in Enigma for the review, never written into the ZIP.
    redaction_key = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="export_names_others_only_with_a_reason",
                condition=Q(name_other_pupils=False) | ~Q(legal_reason=""),
            ),
            models.CheckConstraint(name="export_progress_percent", condition=Q(progress__lte=100)),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="export_expiry")]

    def __str__(self):
        return f"Subject access export {self.pk}"


class ChildProtectionTransfer(models.Model):
    """A leaver's child-protection file, sent to the receiving school's DSL."""

    class State(models.TextChoices):
        PREPARED = "prepared", "Prepared"
        SENT = "sent", "Sent"
        DOWNLOADED = "downloaded", "Downloaded"
        CONFIRMED = "confirmed", "Receipt confirmed"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    student = models.ForeignKey("enigma.Student", on_delete=models.PROTECT, related_name="+")
    left_on = models.DateField("left on")
    state = models.CharField(max_length=12, choices=State.choices, default=State.PREPARED)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField(default=timezone.now)
    file = models.FileField(
        storage=private_storage, upload_to=_file_path, max_length=200, blank=True
    )
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    entry_count = models.PositiveIntegerField(default=0)
    chain_length = models.PositiveIntegerField(default=0)
    chain_head = models.CharField(max_length=64, blank=True)
    # The receiving school's DSL: where it went.
    recipient_name = models.CharField("their name", max_length=120, blank=True)
    recipient_email = models.EmailField("their email", blank=True)
    recipient_school = models.CharField("their school", max_length=200, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    code_hash = models.CharField(max_length=200, blank=True)
    link_expires_at = models.DateTimeField(null=True, blank=True)
    wrong_codes = models.PositiveSmallIntegerField(default=0)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by_name = models.CharField(max_length=120, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-prepared_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student"],
                condition=Q(state__in=["prepared", "sent", "downloaded"]),
                name="cp_transfer_one_live_per_student",
            ),
            models.CheckConstraint(
                name="cp_transfer_sent_has_a_recipient",
                condition=Q(state__in=["prepared", "failed"]) | ~Q(recipient_email=""),
            ),
        ]

    def __str__(self):
        return f"Child-protection file transfer {self.pk}"

    LIVE = (State.PREPARED, State.SENT, State.DOWNLOADED)


class LeavingClosed(models.Model):
    """A leaving whose child-protection file will not go through Enigma, and why.

    Without one, a leaver with restricted entries is chased like an unconfirmed transfer
    from the 4th school day after leaving. The DSL closes a leaving when the file went by
    another secure route with receipt confirmed, or when there is no next school (the
    local authority told instead). Leavings before transfers were tracked were closed by
    the migration that made this table, so an existing school is not sent a reminder for
    every pupil who ever left.
    """

    class Reason(models.TextChoices):
        SENT_ANOTHER_WAY = "sent_another_way", "Sent by another secure route; receipt confirmed"
        NO_NEXT_SCHOOL = "no_next_school", "No next school; the local authority has been told"
        BEFORE_TRACKING = "before_tracking", "Left before Enigma tracked file transfers"

    student = models.ForeignKey("enigma.Student", on_delete=models.PROTECT, related_name="+")
    left_on = models.DateField("left on")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    detail = models.TextField(
        blank=True, help_text="How and to whom it went, or who at the local authority was told."
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-closed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["student", "left_on"], name="leaving_closed_once"),
            models.CheckConstraint(
                name="leaving_closed_says_how",
                condition=Q(reason="before_tracking") | ~Q(detail=""),
            ),
        ]

    def __str__(self):
        return f"Leaving of {self.student_id} on {self.left_on} closed"


from disclosure.models_retention import (  # noqa: E402
    PupilRecordDecision,
    PupilRecordDisposal,
    PupilRecordProposal,
    RoomRecordDecision,
    RoomRecordDisposal,
    RoomRecordProposal,
)

__all__ = [
    "ChildProtectionTransfer",
    "LeavingClosed",
    "PupilRecordDecision",
    "PupilRecordDisposal",
    "PupilRecordProposal",
    "RoomRecordDecision",
    "RoomRecordDisposal",
    "RoomRecordProposal",
    "SubjectAccessExport",
]
