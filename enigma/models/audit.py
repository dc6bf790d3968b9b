from django.conf import settings
from django.db import models
from django.utils import timezone

from enigma.db import audit_triggers

from .immutable import ImmutableModel


class AuditEvent(ImmutableModel):
    """One thing that happened: who, what, to which object and student, when, from where.

    Insert-only: database triggers refuse UPDATE (but the blanking of a disposed pupil's
    words: enigma.db.audit_triggers), DELETE and TRUNCATE, and the ORM
    refuses to save an existing row or delete one (ImmutableModel). Write through
    enigma.audit.record().
    """

    occurred_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for events without a signed-in person (e.g. a failed sign-in).",
    )
    actor_label = models.CharField(
        max_length=254, blank=True, help_text="The actor as seen at the time, or the email tried."
    )
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    student = models.ForeignKey(
        "enigma.Student", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["student", "-occurred_at"]),
            models.Index(fields=["actor", "-occurred_at"]),
            models.Index(fields=["action", "-occurred_at"]),
            # The events without a person (failed sign-ins: the label is the address
            # tried), newest first, with their labels: the audit log's "who" search
            # lists those that match without reading the log's rows.
            models.Index(
                fields=["-occurred_at", "-id"],
                include=["actor_label"],
                condition=models.Q(actor__isnull=True),
                name="audit_unattributed_recent",
            ),
        ]
        triggers = audit_triggers()

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"
