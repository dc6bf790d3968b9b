"""The student file: an append-only, hash-chained chronology per student.

An Entry holds what was recorded, once. A ChronologyLink puts it into one student's
chronology (an incident involving three students has three links) and carries that
chronology's hash chain. Follow-up actions and their completion are rows of their own,
so nothing here is ever updated: corrections are new entries that amend the old one.
Every table below refuses UPDATE, DELETE and TRUNCATE in the database.

Write through records.services; read through records.selectors.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from enigma.db import append_only_triggers
from enigma.models import ImmutableModel


class Category(models.Model):
    """What an entry is about. The school admin keeps the list; restricted categories are
    seen only by the DSL team."""

    name = models.CharField(max_length=60, unique=True)
    restricted = models.BooleanField(
        default=False,
        help_text="Entries in a restricted category are seen only by the safeguarding team.",
    )
    active = models.BooleanField(default=True, help_text="Inactive categories are not offered.")
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


class Entry(ImmutableModel):
    """One thing recorded: a concern, incident, contact, note, session or lifecycle event."""

    class Kind(models.TextChoices):
        CONCERN = "concern", "Concern"
        INCIDENT = "incident", "Incident"
        OBSERVATION = "observation", "Observation"
        POSITIVE = "positive", "Positive note"
        CONTACT = "contact", "Contact"
        PROGRESS = "progress", "Progress note"
        SESSION = "session", "Intervention session"
        EVENT = "event", "Placement event"

    class ContactMethod(models.TextChoices):
        PHONE = "phone", "Phone"
        MEETING = "meeting", "Meeting"
        EMAIL = "email", "Email"
        LETTER = "letter", "Letter"
        VIDEO = "video", "Video call"
        OTHER = "other", "Other"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    restricted = models.BooleanField(
        default=False, help_text="Fixed when recorded: restricted if its category was."
    )
    occurred_at = models.DateTimeField("when it happened")
    recorded_at = models.DateTimeField("when it was recorded", default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="chronology_entries"
    )
    summary = models.CharField(max_length=200)
    account = models.TextField(blank=True, help_text="What happened, in full.")
    contact_with = models.CharField("who", max_length=200, blank=True)
    contact_method = models.CharField("how", max_length=20, choices=ContactMethod, blank=True)
    agreed = models.TextField("what was agreed", blank=True)
    event_code = models.CharField(
        max_length=60, blank=True, help_text='For placement events, e.g. "referral.approved".'
    )
    amends = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="amendments"
    )
    students = models.ManyToManyField(
        "enigma.Student", through="ChronologyLink", related_name="chronology_entries"
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "entries"
        indexes = [models.Index(fields=["author", "-recorded_at"])]
        constraints = [
            models.CheckConstraint(
                name="entry_recorded_after_it_happened",
                condition=Q(occurred_at__lte=models.F("recorded_at")),
            ),
            models.CheckConstraint(name="entry_summary_not_blank", condition=~Q(summary="")),
            models.CheckConstraint(
                name="entry_events_have_a_code",
                condition=~Q(kind="event") | ~Q(event_code=""),
            ),
        ]
        triggers = append_only_triggers("entry")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.summary}"

    # Entries recorded more than this after they happened are shown as back-dated.
    BACKDATED_AFTER = dt.timedelta(hours=24)

    @property
    def is_backdated(self) -> bool:
        return self.recorded_at - self.occurred_at > self.BACKDATED_AFTER


class ChronologyLink(ImmutableModel):
    """An entry's place in one student's chronology, and that chronology's hash chain.

    hash = sha256(previous link's hash + the canonical content of the entry and this
    link); see records.chain. (student, seq) is unique, and links are written under a row
    lock on the student, so two entries recorded at once cannot fork a chain.
    """

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="links")
    student = models.ForeignKey(
        "enigma.Student", on_delete=models.PROTECT, related_name="chronology_links"
    )
    seq = models.PositiveIntegerField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["student", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["student", "seq"], name="chronology_seq_unique"),
            models.UniqueConstraint(fields=["entry", "student"], name="chronology_entry_once"),
        ]
        triggers = append_only_triggers("chronology_link")

    def __str__(self):
        return f"{self.student_id} #{self.seq}"


class Action(ImmutableModel):
    """A follow-up action set on an entry: what, who, by when."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="actions")
    description = models.CharField("what", max_length=300)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="chronology_actions"
    )
    due_on = models.DateField("due")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["assignee", "due_on"])]
        triggers = append_only_triggers("action")

    def __str__(self):
        return self.description


class ActionCompletion(ImmutableModel):
    """An action marked done, with its outcome. At most one per action."""

    action = models.OneToOneField(Action, on_delete=models.PROTECT, related_name="completion")
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(default=timezone.now)
    outcome = models.TextField()

    class Meta:
        triggers = append_only_triggers("action_completion")

    def __str__(self):
        return f"Done: {self.action}"
