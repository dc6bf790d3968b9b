"""Dates in the words people read them: "Mon 3 Nov 2026" (the house style)."""

import datetime as dt

from django.utils.formats import date_format


def day_text(value: dt.date) -> str:
    return date_format(value, "D j M Y")
