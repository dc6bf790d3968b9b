"""The words for each placement purpose: the school's own name where it has renamed one
(referrals.PurposeName), the standard one otherwise. Every page, export and message asks
here, so a rename shows everywhere at once.

The list itself is fixed (referrals.models.Purpose): a school renames, never adds.
"""

from __future__ import annotations

from enigma.formatting import day_text
from referrals.models import NeedArea, Placement, Purpose, PurposeName

# What each purpose is for, and what it brings: shown beside the choice on the referral.
EXPLANATIONS: dict[str, str] = {
    Purpose.INCLUSION_SUPPORT: (
        "Time in the room, doing the work set by class teachers, with support to get "
        "back to lessons full time."
    ),
    Purpose.PART_TIME: (
        "A part-time timetable for a short time, as a step back to full-time school. "
        "Needs parents' agreement, an end date and a review date when it is approved."
    ),
    Purpose.INTERNAL_SUSPENSION: (
        "A short time out of lessons decided by a senior leader, with work set. Needs who "
        "decided, the reason and when parents were told when it is approved."
    ),
}


def purpose_labels() -> dict[str, str]:
    """Code -> the words to show, for every purpose (one query)."""
    renamed = dict(PurposeName.objects.values_list("purpose", "name"))
    return {code: renamed.get(code) or default for code, default in Purpose.choices}


def purpose_label(code: str, labels: dict[str, str] | None = None) -> str:
    """The words for one purpose ("" for none). Pass `labels` (purpose_labels()) when
    naming many, so the names are read once."""
    if not code:
        return ""
    return (labels if labels is not None else purpose_labels()).get(code, code)


def purpose_choices(labels: dict[str, str] | None = None) -> list[tuple[str, str]]:
    labels = labels if labels is not None else purpose_labels()
    return [(code, labels[code]) for code in Purpose.values]


def need_area_labels(codes) -> list[str]:
    """The words for a referral's need areas, in the Code of Practice's order."""
    chosen = set(codes or ())
    return [label for code, label in NeedArea.choices if code in chosen]


def purpose_problems(placement) -> list[str]:
    """What no longer fits in the rules of a live placement's purpose: a part-time
    timetable agreed for dates the placement no longer covers (it waited for a place, or
    its exit was brought forward). Said on the placement page; nothing is changed."""
    if placement.state not in Placement.LIVE or placement.start_date is None:
        return []
    if placement.referral.purpose != Purpose.PART_TIME or placement.part_time_ends is None:
        return []
    start, end = placement.start_date, placement.planned_exit
    problems = []
    if not start <= placement.part_time_ends <= end:
        problems.append(
            f"The part-time timetable was agreed to end on {day_text(placement.part_time_ends)}, "
            f"outside the placement ({day_text(start)} to {day_text(end)}): agree a new end "
            "date with parents or carers."
        )
    if placement.part_time_review and placement.part_time_review < start:
        problems.append(
            f"The part-time timetable's review ({day_text(placement.part_time_review)}) is "
            "before the placement starts: agree a new review date."
        )
    return problems
