"""No subject dropped: before a placement ends, every subject of the student's plan has
been attended in class at least once during it, unless the SENCO allowed the exit
without it (timetables.services.plans.allow_exit_without records that, with the
reason). The checks here only read."""

from __future__ import annotations

import datetime as dt

from referrals.models import Placement
from timetables.models import ExitOverride, Mode, PlanCell, RegisterMark


def subjects_missed(placement: Placement, until: dt.date) -> list[str]:
    """The subjects of the plan up to `until` never attended in class: not planned in
    class on any day so far, and not marked "in class instead" in the room's register."""
    cells = PlanCell.objects.filter(placement=placement, date__lte=until)
    planned = set(cells.order_by().values_list("subject", "mode").distinct())
    subjects = {subject for subject, _ in planned}
    attended = {subject for subject, mode in planned if mode == Mode.CLASS}
    marked = RegisterMark.objects.filter(
        placement=placement, date__lte=until, status=RegisterMark.Status.IN_CLASS
    ).values_list("date", "period_id")
    if marked:
        keys = set(marked)
        attended |= {
            subject
            for day, period_id, subject in cells.values_list("date", "period_id", "subject")
            if (day, period_id) in keys
        }
    return sorted(subjects - attended)


def missed_in(lessons) -> list[str]:
    """subjects_missed() from lessons already read: (subject, mode, register status or
    None) for each lesson of the plan up to the day asked about."""
    subjects: set[str] = set()
    attended: set[str] = set()
    for subject, mode, mark in lessons:
        subjects.add(subject)
        if mode == Mode.CLASS or mark == RegisterMark.Status.IN_CLASS:
            attended.add(subject)
    return sorted(subjects - attended)


def exit_check(placement: Placement, exit_day: dt.date) -> list[str]:
    """For referrals.hooks: why the placement may not end on `exit_day`, if it may not."""
    if ExitOverride.objects.filter(placement=placement).exists():
        return []
    missed = subjects_missed(placement, exit_day)
    if not missed:
        return []
    names = ", ".join(missed)
    return [
        f"No subject may be dropped: {names} {'was' if len(missed) == 1 else 'were'} never "
        "attended in class during the placement. Plan at least one lesson of each in class "
        "before the exit, or ask the SENCO to allow the exit without it on the placement's "
        "plan page (the reason is recorded)."
    ]
