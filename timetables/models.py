"""Timetables: the week cycle, each student's normal lessons, the reintegration plan of
each placement (where the student is, lesson by lesson), work requests to class teachers,
the room's register and the calendar feeds.

The plan is kept per date and period, so Today, the register and occupancy read it
directly; the grid groups it by school week. Lessons carry the subject, class, teacher
and room; plan cells, work requests and register marks copy what they need, so that
re-importing a timetable never rewrites what already happened.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from enigma import request_cache
from enigma.formatting import day_text as format_day
from enigma.models import Period, Student
from records.storage import private_storage
from referrals.models import Placement

WEEKDAYS = {1: "Monday", 2: "Tuesday", 3: "Wednesday", 4: "Thursday", 5: "Friday"}
WEEKDAY_SHORT = {1: "Mon", 2: "Tue", 3: "Wed", 4: "Thu", 5: "Fri"}


class TimetableSettings(models.Model):
    """The school's one row of timetable settings: the week cycle and the plan's rule."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    weeks_in_cycle = models.PositiveSmallIntegerField(
        "timetable weeks",
        default=1,
        choices=[(1, "One week (the same every week)"), (2, "Two weeks (week A and week B)")],
    )
    week_a_starts = models.DateField(
        "a Monday in week A",
        null=True,
        blank=True,
        help_text="Any Monday that is week A. Weeks then alternate A, B, A, ...",
    )
    holiday_weeks_count = models.BooleanField(
        "holiday weeks keep the alternation",
        default=False,
        help_text="Leave unticked if the school restarts the cycle count only on weeks with "
        "school days (a week of holiday is skipped, not counted).",
    )
    subjects_first = ArrayField(
        models.CharField(max_length=60),
        default=list,
        blank=True,
        verbose_name="subjects that return to class first",
        help_text="In order, e.g. English, Maths, PE. Other subjects follow, those with "
        "fewest lessons first.",
    )
    first_week_in_class_percent = models.PositiveSmallIntegerField(
        "share of lessons in class in week 1 (%)",
        default=20,
        validators=[MaxValueValidator(100)],
        help_text="The default plan rises evenly from this to every lesson in class in the "
        "exit week.",
    )
    one_to_one_spaces = models.PositiveSmallIntegerField(
        "one-to-one spaces",
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text="How many one-to-one interventions the room can hold in one period.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "timetable settings"
        verbose_name_plural = "timetable settings"
        constraints = [
            models.CheckConstraint(
                name="timetable_settings_singleton", condition=Q(singleton=True)
            ),
            models.CheckConstraint(
                name="timetable_cycle_one_or_two", condition=Q(weeks_in_cycle__in=[1, 2])
            ),
            models.CheckConstraint(
                name="first_week_percent_0_100", condition=Q(first_week_in_class_percent__lte=100)
            ),
        ]

    def __str__(self):
        return "Timetable settings"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        request_cache.forget("timetable_settings")

    def delete(self, *args, **kwargs):
        request_cache.forget("timetable_settings")
        return super().delete(*args, **kwargs)

    @classmethod
    def load(cls) -> TimetableSettings:
        """The one row (made if missing), read once per request (enigma.request_cache)."""
        return request_cache.remembered(
            "timetable_settings", lambda: cls.objects.get_or_create(singleton=True)[0]
        )


class Lesson(models.Model):
    """One lesson of a student's normal timetable, in week A (1) or B (2) of the cycle."""

    class Source(models.TextChoices):
        IMPORT = "import", "MIS import"
        HAND = "hand", "Entered by hand"

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="lessons")
    week = models.PositiveSmallIntegerField(
        default=1, choices=[(1, "Week A"), (2, "Week B")], help_text="Week A if one-week."
    )
    day = models.PositiveSmallIntegerField(choices=list(WEEKDAYS.items()))
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=60)
    class_code = models.CharField("class", max_length=30, blank=True)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="taught_lessons",
    )
    teacher_code = models.CharField(
        "teacher as in the MIS",
        max_length=60,
        blank=True,
        help_text="Kept when the teacher has no Enigma account.",
    )
    room = models.CharField(max_length=30, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.HAND)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["student", "week", "day", "period__starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "week", "day", "period"], name="one_lesson_per_slot"
            ),
            models.CheckConstraint(name="lesson_week_a_or_b", condition=Q(week__in=[1, 2])),
            models.CheckConstraint(name="lesson_day_mon_fri", condition=Q(day__gte=1, day__lte=5)),
        ]
        indexes = [models.Index(fields=["teacher", "student"])]

    def __str__(self):
        return f"{self.subject} ({WEEKDAY_SHORT[self.day]} {self.period.name})"

    @property
    def teacher_label(self) -> str:
        return teacher_name(self.teacher) if self.teacher_id else (self.teacher_code or "–")


def teacher_name(user) -> str:
    """A teacher's full name as every page shows it ("Mr Tom Price"), never their initials
    or short name in one place and their full name in another."""
    full = " ".join(p for p in (user.title, user.first_name, user.last_name) if p)
    return full or str(user)


class Mode(models.TextChoices):
    CLASS = "class", "In class"
    ROOM = "room", "In the room"
    ONE_TO_ONE = "one_to_one", "Room: 1:1"


ROOM_MODES = (Mode.ROOM, Mode.ONE_TO_ONE)


class PlanCell(models.Model):
    """Where the student on a placement is for one lesson on one school day."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="plan_cells")
    date = models.DateField()
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=12, choices=Mode.choices)
    # What the lesson was when the plan was made (the timetable may change later).
    subject = models.CharField(max_length=60)
    class_code = models.CharField(max_length=30, blank=True)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    teacher_code = models.CharField(max_length=60, blank=True)
    room = models.CharField(max_length=30, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["date", "period__starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "date", "period"], name="one_plan_cell_per_lesson"
            ),
        ]
        indexes = [
            models.Index(fields=["date", "period", "mode"]),
            models.Index(fields=["teacher", "date"]),
        ]

    def __str__(self):
        return f"{self.date} {self.period_id} {self.subject}: {self.get_mode_display()}"

    @property
    def in_room(self) -> bool:
        return self.mode in ROOM_MODES

    @property
    def teacher_label(self) -> str:
        return teacher_name(self.teacher) if self.teacher_id else (self.teacher_code or "–")


class PlanWeekNote(models.Model):
    """What was agreed for one school week of a plan, and at which review."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="week_notes")
    week_start = models.DateField(
        help_text="The first school day of the placement's week (week 1 begins on its start date)."
    )
    note = models.TextField(blank=True)
    review = models.ForeignKey(
        "referrals.Review", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "week_start"], name="one_note_per_plan_week"
            )
        ]

    def __str__(self):
        return f"Week of {self.week_start}"


class ExitOverride(models.Model):
    """The SENCO's decision to let a placement end although a subject was never attended
    in class during it (the no-subject-dropped rule), with the reason."""

    placement = models.OneToOneField(
        Placement, on_delete=models.PROTECT, related_name="exit_override"
    )
    subjects = ArrayField(models.CharField(max_length=60), help_text="The subjects missed")
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Exit allowed without {', '.join(self.subjects)}"


def _work_file_path(instance, filename) -> str:
    import uuid

    return f"work/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class WorkRequest(models.Model):
    """Work for one lesson the student spends in the room, asked of that lesson's teacher.

    requested -> set (by the teacher) -> completed (in the room, with the coordinator's
    note) -> returned (to the teacher). Cancelled when the lesson goes back to class
    before any work was set.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        SET = "set", "Set"
        COMPLETED = "completed", "Completed in the room"
        RETURNED = "returned", "Returned to the teacher"
        CANCELLED = "cancelled", "Not needed"

    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="work_requests")
    date = models.DateField()
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=60)
    class_code = models.CharField(max_length=30, blank=True)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="work_requests",
    )
    teacher_code = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    requested_at = models.DateTimeField(default=timezone.now)
    description = models.TextField("the work", blank=True)
    link = models.URLField(max_length=500, blank=True)
    file = models.FileField(
        storage=private_storage, upload_to=_work_file_path, max_length=200, blank=True
    )
    file_name = models.CharField(max_length=200, blank=True)
    file_type = models.CharField(max_length=100, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    set_at = models.DateTimeField(null=True, blank=True)
    completed_note = models.TextField("how it went", blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["date", "period__starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "date", "period"], name="one_work_request_per_lesson"
            ),
            models.CheckConstraint(
                name="work_set_has_when",
                condition=Q(status__in=["requested", "cancelled"]) | Q(set_at__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["teacher", "status", "date"]),
            models.Index(fields=["status", "date"]),
        ]

    def __str__(self):
        return f"{self.subject} work for {self.date}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.REQUESTED

    @property
    def teacher_label(self) -> str:
        return (
            teacher_name(self.teacher) if self.teacher_id else (self.teacher_code or "no teacher")
        )


class RegisterMark(models.Model):
    """The room's register for one student in one period of one day."""

    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        LATE = "late", "Late"
        ABSENT = "absent", "Absent"
        IN_CLASS = "in_class", "In class instead"

    class Work(models.TextChoices):
        ALL = "all", "All"
        SOME = "some", "Some"
        NONE = "none", "None"

    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="register")
    date = models.DateField()
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices)
    engagement = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 (not at all) to 5 (fully engaged)",
    )
    work_completed = models.CharField(max_length=5, choices=Work.choices, blank=True)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    concern_entry = models.ForeignKey(
        "records.Entry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["date", "period__starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "date", "period"], name="one_register_mark_per_lesson"
            ),
            models.CheckConstraint(
                name="register_engagement_1_to_5",
                condition=Q(engagement__isnull=True) | Q(engagement__gte=1, engagement__lte=5),
            ),
        ]
        indexes = [models.Index(fields=["date", "period"])]

    def __str__(self):
        return f"{self.date} {self.get_status_display()}"

    @property
    def attended(self) -> bool:
        return self.status in (self.Status.PRESENT, self.Status.LATE)


class RegisterDay(models.Model):
    """A day's register written into the student's chronology (once per placement-day)."""

    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    entry = models.ForeignKey("records.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["placement", "date"], name="register_day_once")
        ]

    def __str__(self):
        return f"Register of {self.date}"


class CalendarFeed(models.Model):
    """A secret, revocable .ics address for one placement's plan. Only a hash of the
    token is stored; the address is shown once, when it is made."""

    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="feeds")
    token_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField(
        max_length=80, blank=True, help_text='Who it is for, e.g. "Parent phone"'
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.label or f"Feed {self.pk}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def lesson_start(day: dt.date, period: Period) -> dt.datetime:
    """When the lesson of `period` on `day` starts, in the school's time zone."""
    return dt.datetime.combine(day, period.starts_at, tzinfo=timezone.get_current_timezone())


def lesson_started(day: dt.date, period: Period, now: dt.datetime | None = None) -> bool:
    """Has the lesson begun? Its register opens then, and its plan cell becomes history."""
    return lesson_start(day, period) <= (now or timezone.now())


def lesson_locked(
    cell: PlanCell, *, today: dt.date, marked: bool, day_text: str | None = None
) -> str:
    """Why this lesson can no longer change in the plan, or "": a lesson that has started
    (or ended), or that the register has a mark for, is history. `day_text` is the
    lesson's day already formatted, when the caller has it (a grid formats each day once)."""
    if marked:
        reason = "is on the register: the plan keeps what happened."
    elif cell.date < today or (cell.date == today and lesson_started(cell.date, cell.period)):
        reason = "has started: lessons under way or over stay as planned."
    else:
        return ""
    return f"{cell.period.name} on {day_text or format_day(cell.date)} {reason}"
