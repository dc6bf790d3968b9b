"""Words as people read them: dates as "Mon 3 Nov 2026" (the house style), "an exit review"."""

import datetime as dt
from functools import lru_cache
from html import escape as _html_escape

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import get_language


def escaped(value) -> SafeString:
    """conditional_escape(value), what {{ value }} writes under autoescape, without the
    lazy-string wrapper Django puts around escape (keep_lazy: most of a call's cost, and
    a busy page of rows and form widgets escapes a thousand or more values): safe HTML
    as it is, anything else through html.escape, as django.utils.html.escape does."""
    html = getattr(value, "__html__", None)
    if html is not None:
        return html()
    return SafeString(_html_escape(str(value)))


def day_text(value: dt.date) -> str:
    # A day's words depend only on the day and the language (a datetime's also on the
    # time zone: those are formatted each time). Kept, as a page of rows names the same
    # days again and again, and a date format costs as much as forty template lookups.
    if type(value) is dt.date:
        return _day_text(value, get_language())
    return date_format(value, "D j M Y")


@lru_cache(maxsize=4096)
def _day_text(value: dt.date, language: str | None) -> str:
    return date_format(value, "D j M Y")


class LocalDays:
    """{{ value|date }} and {{ value|time:"H:i" }} for a run of rows, in the time zone
    and language of the moment it is made: the same words as template_localtime and
    day_text give, with the time zone and language looked up once. Each look-up goes
    through asgiref's context-local storage (a few microseconds), and a page of 25
    entry cards asked for them ~250 times."""

    __slots__ = ("language", "tz")

    def __init__(self):
        self.tz = timezone.get_current_timezone() if settings.USE_TZ else None
        self.language = get_language()

    def local(self, value):
        """template_localtime(value): an aware datetime in the time zone; else as it is."""
        if (
            self.tz is not None
            and isinstance(value, dt.datetime)
            and value.utcoffset() is not None
            and getattr(value, "convert_to_local_time", True)
        ):
            return value.astimezone(self.tz)
        return value

    def day(self, value) -> str:
        local = self.local(value)
        if isinstance(local, dt.datetime):
            local = local.date()
        if type(local) is dt.date:
            return _day_text(local, self.language)
        return date_format(local, "D j M Y")

    def time(self, value) -> str:
        return f"{self.local(value):%H:%M}"


def moment_text(value: dt.datetime) -> str:
    """A moment to the second in the local time zone, "Mon 3 Nov 2026, 14:05:09": the
    date filter's "D j M Y, H:i:s", with the day's words kept (day_text) and the time
    (figures only) put together here rather than by a format per row."""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{day_text(local.date())}, {local:%H:%M:%S}"


def with_article(words: str) -> str:
    """ "a weekly review", "an exit review", "a mid-point review" (by the first letter's
    sound for the words this app uses; "an" before a vowel)."""
    return f"{'an' if words[:1].lower() in 'aeiou' else 'a'} {words}"
