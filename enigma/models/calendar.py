from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value

from enigma.school_calendar import academic_year_name, academic_year_of


class _DateRange(Func):
    function = "daterange"
    output_field = models.Field()


class Term(models.Model):
    """A school term, with its half-term holiday (if any) inside it."""

    name = models.CharField(max_length=60, help_text='e.g. "Autumn 2026"')
    starts_on = models.DateField("first day")
    ends_on = models.DateField("last day")
    half_term_starts_on = models.DateField("half-term first day", null=True, blank=True)
    half_term_ends_on = models.DateField("half-term last day", null=True, blank=True)

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                name="term_ends_after_start", condition=Q(ends_on__gte=F("starts_on"))
            ),
            models.CheckConstraint(
                name="half_term_both_or_neither",
                condition=Q(half_term_starts_on__isnull=True, half_term_ends_on__isnull=True)
                | Q(half_term_starts_on__isnull=False, half_term_ends_on__isnull=False),
            ),
            models.CheckConstraint(
                name="half_term_inside_term",
                condition=Q(half_term_starts_on__isnull=True)
                | Q(
                    half_term_starts_on__gt=F("starts_on"),
                    half_term_ends_on__lt=F("ends_on"),
                    half_term_ends_on__gte=F("half_term_starts_on"),
                ),
            ),
            ExclusionConstraint(
                name="terms_do_not_overlap",
                expressions=[
                    (_DateRange(F("starts_on"), F("ends_on"), Value("[]")), RangeOperators.OVERLAPS)
                ],
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def academic_year(self) -> str:
        return academic_year_name(academic_year_of(self.starts_on))


class NonSchoolDay(models.Model):
    """A weekday inside a term when students are not in school."""

    class Kind(models.TextChoices):
        BANK_HOLIDAY = "bank_holiday", "Bank holiday"
        INSET = "inset", "INSET (training) day"
        CLOSURE = "closure", "Closure"

    date = models.DateField(unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = "non-school day"
        constraints = [
            models.CheckConstraint(
                name="non_school_day_is_a_weekday", condition=Q(date__iso_week_day__lte=5)
            ),
        ]

    def __str__(self):
        return f"{self.date:%a %-d %b %Y}: {self.get_kind_display()}"


class _TimeRange(Func):
    """tsrange over one fixed day, so that times of day can be compared as ranges."""

    template = "tsrange(DATE '2000-01-01' + %(expressions)s, '[)')"
    arg_joiner = ", DATE '2000-01-01' + "
    output_field = models.Field()


class Period(models.Model):
    """One part of the school day, with its times (the same every school day)."""

    class Kind(models.TextChoices):
        REGISTRATION = "registration", "Registration"
        LESSON = "lesson", "Lesson"
        BREAK = "break", "Break"
        LUNCH = "lunch", "Lunch"

    name = models.CharField(max_length=40, unique=True, help_text='e.g. "P1" or "Lunch"')
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.LESSON)
    starts_at = models.TimeField("starts")
    ends_at = models.TimeField("ends")

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                name="period_ends_after_start", condition=Q(ends_at__gt=F("starts_at"))
            ),
            # One period may end when the next starts ('[)'), never overlap it.
            ExclusionConstraint(
                name="periods_do_not_overlap",
                expressions=[(_TimeRange(F("starts_at"), F("ends_at")), RangeOperators.OVERLAPS)],
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.starts_at:%H:%M}–{self.ends_at:%H:%M})"
