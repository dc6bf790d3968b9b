import functools

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from enigma import request_cache

MAX_PLACEMENT_WEEKS = 6


def default_follow_up_weeks() -> list[int]:
    return [2, 6]


class SchoolSettings(models.Model):
    """The school's one row of settings, edited by the school admin."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    school_name = models.CharField(max_length=200, default="Our school")
    room_name = models.CharField(
        max_length=80,
        default="Enigma room",
        help_text='What staff call the room, e.g. "Learning centre". Shown throughout.',
    )
    capacity = models.PositiveSmallIntegerField(
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(40)],
        help_text="The most students the room holds at once.",
    )
    placement_weeks = models.PositiveSmallIntegerField(
        "placement length (school weeks)",
        default=MAX_PLACEMENT_WEEKS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PLACEMENT_WEEKS)],
        help_text="Counted in school weeks of five school days; never more than six.",
    )
    review_interval_days = models.PositiveSmallIntegerField(
        "review interval (school days)",
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="School days between progress reviews; 5 is weekly.",
    )
    follow_up_weeks = ArrayField(
        models.PositiveSmallIntegerField(validators=[MinValueValidator(1)]),
        default=default_follow_up_weeks,
        size=4,
        verbose_name="follow-up checks (school weeks after exit)",
        help_text="Comma-separated, e.g. 2, 6: a check that the student stayed in lessons.",
    )
    suppression_threshold = models.PositiveSmallIntegerField(
        "smallest number shown on the oversight pages",
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text='Counts below it show as "fewer than" it, in pages, reports and exports, '
        "so no pupil can be recognised from a small number.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "school settings"
        verbose_name_plural = "school settings"
        constraints = [
            models.CheckConstraint(
                name="school_settings_singleton", condition=models.Q(singleton=True)
            ),
            models.CheckConstraint(
                name="placement_weeks_1_to_6",
                condition=models.Q(placement_weeks__gte=1, placement_weeks__lte=6),
            ),
            models.CheckConstraint(name="capacity_positive", condition=models.Q(capacity__gte=1)),
            models.CheckConstraint(
                name="review_interval_positive", condition=models.Q(review_interval_days__gte=1)
            ),
        ]

    def __str__(self):
        return f"{self.school_name}: {self.room_name}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        request_cache.forget("school_settings")

    def delete(self, *args, **kwargs):
        request_cache.forget("school_settings")
        return super().delete(*args, **kwargs)

    @classmethod
    def load(cls) -> "SchoolSettings":
        """The one row (made if missing), read once per request (enigma.request_cache)."""
        return request_cache.remembered("school_settings", cls._read)

    @classmethod
    def _read(cls) -> "SchoolSettings":
        # Read by SQL compiled once a process (every page asks: building the query cost
        # more than running it); made, as get_or_create makes it, only when missing.
        found = _compiled_settings().objects({})
        return found[0] if found else cls.objects.get_or_create(singleton=True)[0]

    @property
    def placement_school_days(self) -> int:
        return self.placement_weeks * 5


@functools.cache
def _compiled_settings():
    from enigma.compiled import CompiledQuery

    return CompiledQuery(SchoolSettings.objects.filter(singleton=True), {})
