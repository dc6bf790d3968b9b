"""Entry and exit measures: the wellbeing self-rating, concerns counted from the
chronology over the previous six school weeks (restricted ones too, as a number only),
lessons in class a week (optional for now); taken once per stage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from records.models import Category, Entry
from records.services.entries import amend_entry, record_entry
from referrals.selectors.placements import six_school_weeks_before
from referrals.services import placements
from tests.factories import StudentFactory
from tests.referrals_helpers import D, at, autumn_term, make_placement

pytestmark = pytest.mark.django_db


def moment(day: dt.date, hour: int = 11) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def concern(student, author, day, *, kind="concern", category=None, hour=11) -> Entry:
    return record_entry(
        author=author,
        students=[student],
        kind=kind,
        summary=f"{kind.title()} on {day}",
        occurred_at=moment(day, hour),
        category=category,
    )


def measure(placement, by, stage, day, **kwargs):
    kwargs.setdefault("wellbeing", 6)
    with at(day, 12):
        return placements.record_measures(placement, by=by, stage=stage, **kwargs)


@pytest.fixture
def placement(dee, rita):
    return make_placement(approver=dee, referrer=rita, started=True)


def test_six_school_weeks_are_counted_back_on_the_calendar():
    autumn_term()
    # 30 school days before Friday 16 October 2026 (term from Wednesday 2 September).
    assert six_school_weeks_before(D(2026, 10, 16)) == D(2026, 9, 4)
    # Where the calendar does not reach back that far: six calendar weeks.
    assert six_school_weeks_before(D(2026, 9, 7)) == D(2026, 7, 27)


def test_exit_measures_count_concerns_and_incidents_from_the_chronology(placement, cora, dina):
    student = placement.student
    restricted = Category.objects.filter(restricted=True).first()
    assert restricted is not None
    with at(D(2026, 10, 16), 12):
        concern(student, cora, D(2026, 9, 3))  # before the six school weeks
        counted = concern(student, cora, D(2026, 9, 4))
        concern(student, cora, D(2026, 10, 1), kind="incident")
        concern(student, dina, D(2026, 10, 2), category=restricted)
        concern(student, cora, D(2026, 10, 5), kind="positive")
        concern(StudentFactory(), cora, D(2026, 10, 6))  # someone else
        concern(student, cora, D(2026, 10, 16), hour=9)  # this morning
        amend_entry(
            author=cora,
            original=counted,
            reason="Wrong lesson",
            summary="Concern in period 3",
            account="",
        )
    taken = measure(
        placement, cora, "exit", D(2026, 10, 16), wellbeing=8, lessons_in_class_per_week=Decimal(22)
    )
    assert taken.concerns_last_six_weeks == 4
    assert (taken.stage, taken.wellbeing, taken.taken_on, taken.taken_by) == (
        "exit",
        8,
        D(2026, 10, 16),
        cora,
    )
    assert taken.lessons_in_class_per_week == Decimal(22)
    event = Entry.objects.get(links__student=student, event_code="placement.measures_exit")
    # The file says measures were taken, not what they were.
    assert event.summary == "Exit measures taken" and event.account == ""


def test_entry_measures_need_no_lesson_count_yet(dee, rita, cora):
    scheduled = make_placement(approver=dee, referrer=rita)
    with at(D(2026, 9, 4), 12):
        concern(scheduled.student, cora, D(2026, 8, 10))
        concern(scheduled.student, cora, D(2026, 7, 20))  # before the six weeks
    taken = measure(scheduled, cora, "entry", D(2026, 9, 4))
    assert taken.lessons_in_class_per_week is None
    assert taken.concerns_last_six_weeks == 1


def test_measures_are_taken_once_per_stage(placement, cora):
    measure(placement, cora, "entry", D(2026, 9, 7))
    with pytest.raises(ValidationError) as refused:
        measure(placement, cora, "entry", D(2026, 9, 8))
    assert refused.value.messages[0].startswith("Entry measures were taken on Mon 7 Sep 2026 by")


def test_measures_are_taken_at_entry_and_exit_only(dee, rita, cora):
    scheduled = make_placement(approver=dee, referrer=rita)
    with pytest.raises(ValidationError, match="Exit measures cannot be taken now: the placement"):
        measure(scheduled, cora, "exit", D(2026, 9, 4))
    with pytest.raises(ValidationError, match="at entry or at exit"):
        measure(scheduled, cora, "middle", D(2026, 9, 4))


def test_the_self_rating_is_0_to_10(placement, cora):
    for bad in (None, -1, 11):
        with pytest.raises(ValidationError) as refused:
            measure(placement, cora, "entry", D(2026, 9, 7), wellbeing=bad)
        assert "wellbeing" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        measure(
            placement,
            cora,
            "entry",
            D(2026, 9, 7),
            lessons_in_class_per_week=Decimal(61),
        )
    assert "lessons_in_class_per_week" in refused.value.message_dict
