"""Words as people read them: dates as "Mon 3 Nov 2026" (the house style), "an exit review"."""

import datetime as dt

from django.utils.formats import date_format


def day_text(value: dt.date) -> str:
    return date_format(value, "D j M Y")


def with_article(words: str) -> str:
    """ "a weekly review", "an exit review", "a mid-point review" (by the first letter's
    sound for the words this app uses; "an" before a vowel)."""
    return f"{'an' if words[:1].lower() in 'aeiou' else 'a'} {words}"
