"""Writes to the school calendar that are more than one form's save, each audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable

from django.db import transaction

from enigma import audit, school_calendar
from enigma.actor import Actor
from enigma.models import NonSchoolDay

_DESCRIPTION_MAX = NonSchoolDay._meta.get_field("description").max_length


@transaction.atomic
def add_bank_holidays(
    *, by: Actor, years: Iterable[int], only: Collection[dt.date] | None = None
) -> list[NonSchoolDay]:
    """Record the suggested bank holidays for ``years`` as non-school days.

    The suggestions are worked out again here (never trusted from the browser): England's
    bank holidays on weekdays inside a term that are not yet recorded. ``only`` limits the
    additions to those dates; dates in it that are not suggestions are ignored. One audit
    event lists everything added. Returns the new rows (empty if there was nothing to add).
    A clash with a row added at the same moment raises ``IntegrityError`` and adds nothing.
    """
    by = Actor.of(by)
    suggestions = school_calendar.suggested_bank_holidays(years)
    if only is not None:
        wanted = set(only)
        suggestions = [(day, name) for day, name in suggestions if day in wanted]
    if not suggestions:
        return []
    rows = NonSchoolDay.objects.bulk_create(
        NonSchoolDay(
            date=day, kind=NonSchoolDay.Kind.BANK_HOLIDAY, description=name[:_DESCRIPTION_MAX]
        )
        for day, name in suggestions
    )
    count = len(rows)
    audit.record(
        audit.Action.CALENDAR_CHANGED,
        actor=by,
        data={
            "kind": "added",
            "model": NonSchoolDay._meta.label,
            "object": f"{count} bank holiday{'s' if count != 1 else ''} as non-school days",
            "days": [{"date": day.isoformat(), "description": name} for day, name in suggestions],
        },
    )
    return rows
