"""Referral -> decision -> placement: the room's lifecycle (see DESIGN.md, "The lifecycle").

A Referral is written by a referrer and decided by a deputy head. Approval makes a
Placement: waiting (no place free) -> scheduled -> active -> completed, or ended early.
Every change of status or state is a row in an append-only transition log (who, when,
why) and an event in the student's chronology (records.services.entries.record_event).

Write through referrals.services; read through referrals.selectors.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from enigma.models import ImmutableModel
from records.models import Entry
from referrals.disposal_triggers import transition_triggers


class TargetArea(models.TextChoices):
    PERSONAL = "personal", "Personal"
    SOCIAL = "social", "Social"
    LEARNING = "learning", "Learning"
    BEHAVIOURAL = "behavioural", "Behavioural"


class Purpose(models.TextChoices):
    """Why a pupil is placed in the room. A fixed list: a school may rename the
    purposes (referrals.PurposeName) but not add to them, so every figure on the
    oversight pages means the same thing in every school."""

    INCLUSION_SUPPORT = "inclusion_support", "Inclusion support"
    PART_TIME = "part_time", "Part-time timetable as part of reintegration"
    INTERNAL_SUSPENSION = "internal_suspension", "Internal suspension"


class NeedArea(models.TextChoices):
    """The four broad areas of need in the SEND Code of Practice (6.28-6.35)."""

    COMMUNICATION = "communication", "Communication and interaction"
    COGNITION = "cognition", "Cognition and learning"
    SEMH = "semh", "Social, emotional and mental health"
    SENSORY_PHYSICAL = "sensory_physical", "Sensory and/or physical"


# How a parent or carer was spoken to: the same choices as a chronology contact.
ContactMethod = Entry.ContactMethod


class PurposeName(models.Model):
    """The school's own name for one of the fixed purposes. Renaming changes the words
    shown everywhere, never the code stored on a referral (referrals.purposes.label)."""

    purpose = models.CharField(max_length=30, choices=Purpose.choices, unique=True)
    name = models.CharField(max_length=80)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["purpose"]
        constraints = [
            models.CheckConstraint(
                name="purpose_name_from_the_list", condition=Q(purpose__in=Purpose.values)
            ),
            models.CheckConstraint(name="purpose_name_not_blank", condition=~Q(name="")),
        ]

    def __str__(self):
        return self.name


class Referral(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Waiting for a decision"
        INFO_REQUESTED = "info_requested", "More information requested"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    OPEN = (Status.DRAFT, Status.SUBMITTED, Status.INFO_REQUESTED)

    student = models.ForeignKey(
        "enigma.Student", on_delete=models.PROTECT, related_name="referrals"
    )
    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_made"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)

    reasons = models.TextField(
        "reasons for the referral", blank=True, help_text="Why the room, and why now."
    )
    concerns = models.TextField("current concerns", blank=True)
    attendance_percent = models.DecimalField(
        "recent attendance (%)", max_digits=4, decimal_places=1, null=True, blank=True
    )
    attendance_note = models.CharField("about attendance", max_length=300, blank=True)
    purpose = models.CharField(
        "purpose of the placement", max_length=30, choices=Purpose.choices, blank=True
    )
    need_areas = ArrayField(
        models.CharField(max_length=20, choices=NeedArea.choices),
        verbose_name="areas of need",
        default=list,
        blank=True,
    )
    parents_consulted = models.BooleanField("parents or carers consulted", null=True, blank=True)
    parent_view = models.TextField("their view", blank=True)
    consent_given = models.BooleanField("consent given", null=True, blank=True)
    consent_date = models.DateField("date of consent", null=True, blank=True)
    consent_given_by = models.CharField(
        "consent given by", max_length=200, blank=True, help_text="Name and relationship."
    )
    consent_method = models.CharField(
        "how consent was given", max_length=20, choices=ContactMethod.choices, blank=True
    )
    student_view = models.TextField("the student's own view", blank=True)
    proposed_start = models.DateField("proposed start", null=True, blank=True)

    info_request = models.TextField("information asked for", blank=True)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referral_decisions",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "submitted_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["student"],
                condition=Q(status__in=["draft", "submitted", "info_requested"]),
                name="one_open_referral_per_student",
            ),
            models.CheckConstraint(
                name="referral_attendance_is_a_percentage",
                condition=Q(attendance_percent__isnull=True)
                | Q(attendance_percent__gte=0, attendance_percent__lte=100),
            ),
            models.CheckConstraint(
                name="referral_purpose_from_the_list",
                condition=Q(purpose__in=["", *Purpose.values]),
            ),
            models.CheckConstraint(
                name="referral_declined_says_why",
                condition=~Q(status="declined") | ~Q(decision_reason=""),
            ),
        ]

    def __str__(self):
        return f"Referral of {self.student} ({self.get_status_display().lower()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    def get_purpose_display(self) -> str:
        """The school's name for the purpose (one query). To name many, use
        referrals.purposes.purpose_labels() once instead."""
        if not self.purpose:
            return ""
        renamed = PurposeName.objects.filter(purpose=self.purpose).values_list("name", flat=True)
        return renamed.first() or Purpose(self.purpose).label


class PriorSupport(models.Model):
    """Support already given by the SEND and pastoral teams: what, since when, outcome."""

    class Team(models.TextChoices):
        SEND = "send", "SEND team"
        PASTORAL = "pastoral", "Pastoral team"
        OTHER = "other", "Other"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="prior_support")
    team = models.CharField(max_length=20, choices=Team.choices)
    what = models.CharField(max_length=300)
    since = models.DateField(null=True, blank=True)
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["since", "id"]
        verbose_name_plural = "prior support"

    def __str__(self):
        return self.what


class ProposedTarget(models.Model):
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="proposed_targets"
    )
    area = models.CharField(max_length=20, choices=TargetArea.choices)
    description = models.CharField(max_length=300)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.description


class ReferralTransition(ImmutableModel):
    """Who moved a referral from one status to another, when and why."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="transitions")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        triggers = transition_triggers(
            "referral_transition", table="referrals_referral", column="referral_id"
        )

    def __str__(self):
        return f"{self.from_status or 'new'} -> {self.to_status}"


class Placement(models.Model):
    class State(models.TextChoices):
        WAITING = "waiting", "Waiting for a place"
        SCHEDULED = "scheduled", "Scheduled"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        ENDED_EARLY = "ended_early", "Ended early"

    LIVE = (State.WAITING, State.SCHEDULED, State.ACTIVE)
    # Placements that hold a place in the room from start to exit.
    HOLDING = (State.SCHEDULED, State.ACTIVE)

    class EndReason(models.TextChoices):
        ESCALATED = "escalated", "Escalated to other provision"
        LEFT_SCHOOL = "left_school", "Left the school"
        OTHER = "other", "Other"

    class Outcome(models.TextChoices):
        FULL = "full", "Fully back in lessons"
        PARTIAL = "partial", "Partly back in lessons"
        OTHER_PROVISION = "other_provision", "Other provision"
        LEFT = "left", "Left the school"

    referral = models.OneToOneField(Referral, on_delete=models.PROTECT, related_name="placement")
    student = models.ForeignKey(
        "enigma.Student", on_delete=models.PROTECT, related_name="placements"
    )
    state = models.CharField(max_length=20, choices=State.choices)
    priority = models.PositiveSmallIntegerField(
        default=3, help_text="For the waiting list: 1 is the most urgent."
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(default=timezone.now)
    requested_start = models.DateField("start asked for")
    start_date = models.DateField(null=True, blank=True)
    planned_exit = models.DateField(null=True, blank=True)
    latest_exit = models.DateField(
        null=True, blank=True, help_text="The limit: the exit can never move past it."
    )
    shortened_by_summer = models.BooleanField(default=False)
    actual_exit = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    exit_summary = models.TextField(
        blank=True, help_text="For class teachers, tutor and parents or carers."
    )
    # What a purpose brings, decided with the approval (referrals.services.decisions).
    # A part-time timetable: parents' agreement, when it ends and when it is reviewed.
    part_time_agreed_on = models.DateField("parents agreed on", null=True, blank=True)
    part_time_agreed_by = models.CharField(
        "agreed by", max_length=200, blank=True, help_text="Name and relationship."
    )
    part_time_ends = models.DateField("part-time timetable ends", null=True, blank=True)
    part_time_review = models.DateField("part-time timetable reviewed on", null=True, blank=True)
    # An internal suspension: who decided, why, and when (and how) parents were told.
    suspension_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="decided by",
    )
    suspension_reason = models.TextField("reason for the internal suspension", blank=True)
    suspension_parents_told_on = models.DateField("parents told on", null=True, blank=True)
    suspension_parents_told_how = models.CharField(
        "how parents were told", max_length=20, choices=ContactMethod.choices, blank=True
    )
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="re_referrals",
        help_text="An earlier placement this one follows.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start_date", "id"]
        indexes = [
            models.Index(fields=["state", "start_date"]),
            models.Index(fields=["state", "priority", "approved_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["student"],
                condition=Q(state__in=["waiting", "scheduled", "active"]),
                name="one_live_placement_per_student",
            ),
            models.CheckConstraint(
                name="placement_exit_within_limit",
                condition=Q(planned_exit__isnull=True) | Q(planned_exit__lte=F("latest_exit")),
            ),
            models.CheckConstraint(
                name="placement_exit_after_start",
                condition=Q(planned_exit__isnull=True) | Q(planned_exit__gte=F("start_date")),
            ),
            models.CheckConstraint(
                name="placement_holding_has_dates",
                # Waiting ones have no dates yet; one taken off the list never had any.
                condition=Q(state__in=["waiting", "ended_early"])
                | Q(
                    start_date__isnull=False, planned_exit__isnull=False, latest_exit__isnull=False
                ),
            ),
            models.CheckConstraint(
                name="placement_ended_early_says_why",
                condition=~Q(state="ended_early") | ~Q(end_reason=""),
            ),
            models.CheckConstraint(
                name="placement_priority_1_to_5", condition=Q(priority__gte=1, priority__lte=5)
            ),
            models.CheckConstraint(
                name="placement_part_time_review_before_end",
                condition=Q(part_time_review__isnull=True)
                | Q(part_time_ends__isnull=True)
                | Q(part_time_review__lt=F("part_time_ends")),
            ),
        ]

    def __str__(self):
        return f"Placement of {self.student} ({self.get_state_display().lower()})"

    @property
    def is_live(self) -> bool:
        return self.state in self.LIVE

    @property
    def last_day(self):
        """The last day it holds a place: the actual exit once there is one."""
        return self.actual_exit or self.planned_exit


class PlacementTransition(ImmutableModel):
    """Who moved a placement from one state to another (or changed its dates), when, why."""

    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="transitions")
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        triggers = transition_triggers(
            "placement_transition", table="referrals_placement", column="placement_id"
        )

    def __str__(self):
        return f"{self.from_state or 'new'} -> {self.to_state}"


class Target(models.Model):
    """A placement target: carried from the referral, edited at reviews."""

    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="targets")
    area = models.CharField(max_length=20, choices=TargetArea.choices)
    description = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True, help_text="Dropped targets stay for history.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.description


class Review(models.Model):
    """A progress review, due each review interval of school days; held by the
    coordinator. The mid-point and exit reviews need the SENCO's sign-off."""

    class Kind(models.TextChoices):
        WEEKLY = "weekly", "Weekly review"
        MIDPOINT = "midpoint", "Mid-point review"
        EXIT = "exit", "Exit review"

    class Engagement(models.TextChoices):
        STRONG = "strong", "Strong"
        GOOD = "good", "Good"
        MIXED = "mixed", "Mixed"
        POOR = "poor", "Poor"

    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="reviews")
    number = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.WEEKLY)
    due_on = models.DateField()
    held_on = models.DateField(null=True, blank=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    staff_present = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="reviews_attended"
    )
    student_present = models.BooleanField(default=False)
    parent_present = models.BooleanField("parent or carer present", default=False)
    others_present = models.CharField(max_length=300, blank=True)
    room_attendance = models.CharField(
        "attendance in the room", max_length=300, blank=True, help_text="e.g. 9 of 10 sessions"
    )
    engagement = models.CharField(max_length=20, choices=Engagement.choices, blank=True)
    student_view = models.TextField("the student's view", blank=True)
    parent_view = models.TextField("parents' or carers' view", blank=True)
    next_step = models.TextField("agreed next reintegration step", blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    sign_off_note = models.TextField(blank=True)

    class Meta:
        ordering = ["placement", "number"]
        indexes = [
            models.Index(fields=["held_on", "due_on"]),
            # The SENCO's Reviews page counts and lists the held mid-point and exit reviews
            # nobody has signed off (referrals.selectors.placements._unsigned): a handful
            # among every review of ten years, read without scanning them.
            models.Index(
                fields=["held_on", "id"],
                condition=Q(
                    held_on__isnull=False,
                    signed_off_at__isnull=True,
                    kind__in=("midpoint", "exit"),
                ),
                name="review_awaiting_sign_off",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["placement", "number"], name="review_number_once"),
            models.CheckConstraint(
                name="review_signed_off_only_when_held",
                condition=Q(signed_off_at__isnull=True) | Q(held_on__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    @property
    def needs_sign_off(self) -> bool:
        return self.kind in (self.Kind.MIDPOINT, self.Kind.EXIT)


class TargetRating(models.Model):
    class Rating(models.TextChoices):
        NOT_YET = "not_yet", "Not yet"
        SOME = "some", "Some progress"
        GOOD = "good", "Good progress"
        MET = "met", "Met"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="ratings")
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="ratings")
    rating = models.CharField(max_length=20, choices=Rating.choices)
    comment = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "target"], name="target_rated_once"),
        ]

    def __str__(self):
        return f"{self.target}: {self.get_rating_display()}"


class Measure(models.Model):
    """The same measures at entry and at exit, so impact can be shown."""

    class Stage(models.TextChoices):
        ENTRY = "entry", "Entry"
        EXIT = "exit", "Exit"

    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="measures")
    stage = models.CharField(max_length=10, choices=Stage.choices)
    wellbeing = models.PositiveSmallIntegerField(
        "wellbeing self-rating (0 to 10)", help_text="The student's own rating."
    )
    concerns_last_six_weeks = models.PositiveIntegerField(
        "concerns in the previous six school weeks"
    )
    lessons_in_class_per_week = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True
    )
    taken_on = models.DateField()
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["placement", "stage"], name="measure_once_per_stage"),
            models.CheckConstraint(name="wellbeing_0_to_10", condition=Q(wellbeing__lte=10)),
        ]

    def __str__(self):
        return f"{self.get_stage_display()} measures"


class FollowUp(models.Model):
    """A check some school weeks after exit: did the student stay in lessons?"""

    class Result(models.TextChoices):
        SUSTAINED = "sustained", "Sustained"
        RETURNED = "returned", "Returned to support"
        OTHER = "other", "Other"

    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="follow_ups")
    weeks_after = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    result = models.CharField(max_length=20, choices=Result.choices, blank=True)
    # The questions the oversight pages count at each check. None: not yet checked, or
    # checked before the questions were asked. Whether the pupil was referred to the room
    # again is not asked: it is read from the referrals themselves (a referral submitted
    # after the exit), so it cannot disagree with them.
    in_class_full_time = models.BooleanField(
        null=True, blank=True, help_text="Back in class full time at the check."
    )
    suspended_or_excluded = models.BooleanField(
        null=True, blank=True, help_text="Suspended or excluded since the placement ended."
    )
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["placement", "due_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "weeks_after"], name="follow_up_once_per_week"
            ),
        ]

    def __str__(self):
        return f"Follow-up {self.weeks_after} weeks after exit"

    @property
    def answers(self) -> str:
        """The two answers in words ("" when neither was recorded)."""
        said = []
        if self.in_class_full_time is not None:
            said.append(f"back in class full time: {'yes' if self.in_class_full_time else 'no'}")
        if self.suspended_or_excluded is not None:
            said.append(
                f"suspended or excluded since: {'yes' if self.suspended_or_excluded else 'no'}"
            )
        return "; ".join(said)
