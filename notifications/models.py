"""The reminders outbox: each reminder is a row, unique per (kind, subject, due date,
recipient), so creating it twice, or sending it from two tasks at once, is a no-op."""

from django.conf import settings
from django.db import models
from django.db.models import ExpressionWrapper, F, Q
from django.utils import timezone


class Kind(models.TextChoices):
    REVIEW_DUE_SOON = "review_due_soon", "Review due tomorrow"
    REVIEW_DUE = "review_due", "Review due today"
    REVIEW_OVERDUE = "review_overdue", "Review overdue"
    REVIEW_OVERDUE_ESCALATED = "review_overdue_escalated", "Review overdue (escalated)"
    EXIT_APPROACHING = "exit_approaching", "Exit date approaching"
    EXIT_OVERDUE = "exit_overdue", "Exit overdue"
    FOLLOW_UP_DUE = "follow_up_due", "Follow-up check due"
    PLACE_OFFERED = "place_offered", "A place came free"
    REFERRAL_WAITING = "referral_waiting", "A referral waiting for your decision"
    SAFEGUARDING = "safeguarding", "Safeguarding entry recorded"
    WORK_WEEK = "work_week", "Room lessons needing your work this week"
    WORK_CHASE = "work_chase", "Work still to set the day before a room lesson"
    # Made by the disclosure app's own daily task (disclosure/reminders.py).
    CP_TRANSFER = "cp_transfer", "Child-protection file not yet confirmed by the next school"


# Always sent at once, whatever the person chose.
ALWAYS_IMMEDIATE = frozenset({Kind.SAFEGUARDING, Kind.CP_TRANSFER})


class Notification(models.Model):
    class EmailStatus(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Could not be sent"
        DIGEST = "digest", "In the daily digest"
        SKIPPED = "skipped", "Not emailed"

    kind = models.CharField(max_length=40, choices=Kind.choices)
    subject_key = models.CharField(max_length=60)  # e.g. "review:123"
    due_on = models.DateField()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(max_length=200)
    # Plain words only, never a record's content (a restricted entry is only "there is one").
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    # The pupil it is about, named in the app (to a recipient who may see them), never in
    # the email, whose title and body stay name-free.
    student = models.ForeignKey(
        "enigma.Student", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # What it asked for was done (a review held, a follow-up recorded, a placement ended):
    # it clears itself, in the transaction that did it (notifications/hooks.py).
    done_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    # Set by the sender that took the row (notifications/delivery.py): its claim, and the
    # token that says the claim is still its own.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # After a temporary failure (the mail server down, busy or slow): not tried again
    # before next_attempt_at; given up (failed) once failing_since is days old.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_key", "due_on", "recipient"], name="notification_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["email_status", "created_at"],
                condition=Q(email_status__in=["pending", "digest"]),
                name="notification_unsent",
            ),
            models.Index(fields=["recipient", "read_at"], name="notification_inbox"),
            models.Index(fields=["subject_key", "kind"], name="notification_subject"),
            # One kind's notifications of the last days (the Safeguarding page counts the
            # fortnight's alerts): a range of this index, not every alert ever made.
            models.Index(fields=["kind", "created_at"], name="notification_kind_recent"),
            # One's inbox in its order (unread first, then newest first): a page is read
            # from here (notifications.selectors.inbox_page), not sorted out of everything
            # one was ever told (a DSL's ~70,000 alerts: 231 ms a view).
            models.Index(
                "recipient",
                ExpressionWrapper(Q(read_at__isnull=False), output_field=models.BooleanField()),
                F("created_at").desc(),
                F("id").desc(),
                name="notification_inbox_order",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.recipient} ({self.due_on})"


class NotificationPreference(models.Model):
    class Mode(models.TextChoices):
        IMMEDIATE = "immediate", "Straight away"
        DIGEST = "digest", "In a daily digest"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.IMMEDIATE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once"),
        ]

    def __str__(self):
        return f"{self.user}: {self.kind} {self.mode}"


class EmailProblem(models.Model):
    """An address the mail server refused for good (5xx to RCPT TO); shown to the school
    admin until resolved, when what failed for it is sent again. Its reminders stay in
    the app meanwhile, and no more are emailed to it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_problems"
    )
    address = models.CharField(max_length=254)
    first_failed_at = models.DateTimeField(default=timezone.now)
    last_failed_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    failures = models.PositiveIntegerField(default=1)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_failed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "address"],
                condition=Q(resolved_at__isnull=True),
                name="email_problem_open_once",
            ),
        ]

    def __str__(self):
        return f"{self.address} ({self.user})"
