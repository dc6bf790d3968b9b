"""The review form's engagement is filled in from the register by one rule at every kind
of review (weekly, mid-point, exit; the first or a later one): the average score of the
room lessons since the last review held, or, when none was scored since, of the placement
so far. The hint under the question says which (issue 13)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils.html import escape

from enigma.formatting import day_text
from referrals.models import Review
from referrals.services import placements
from tests.factories import StudentFactory
from tests.referrals_helpers import at, hold, make_placement
from tests.timetable_helpers import give_timetable
from timetables.models import Mode, PlanCell
from timetables.services import register

pytestmark = pytest.mark.django_db
START = dt.date(2026, 9, 7)


@pytest.fixture
def placement(dee, rita):
    student = StudentFactory()
    give_timetable(student)
    return make_placement(approver=dee, referrer=rita, student=student, start=START, started=True)


def _score(placement, day, scores, by):
    """Mark the first lessons of `day` in the room, present, with these engagement scores."""
    cells = list(
        PlanCell.objects.filter(placement=placement, date=day)
        .select_related("period")
        .order_by("period__starts_at")[: len(scores)]
    )
    assert len(cells) == len(scores)
    PlanCell.objects.filter(pk__in=[c.pk for c in cells]).update(mode=Mode.ROOM)
    for cell, score in zip(cells, scores, strict=True):
        with at(day, 15):
            register.mark(
                placement, day, cell.period, by=by, status="present", engagement=score, today=day
            )


def _held_up_to(placement, review, cora, sam):
    """Hold every review before `review`, each on its due date; returns the last held."""
    last = None
    for earlier in placement.reviews.filter(number__lt=review.number).order_by("number"):
        hold(earlier, cora)
        if earlier.needs_sign_off:
            with at(earlier.due_on, 15):
                placements.sign_off(earlier, by=sam, note="Agreed.")
        last = earlier
    return last


def _review(placement, kind):
    """A review of `kind` that has one before it (the second weekly review for weekly)."""
    reviews = placement.reviews.filter(kind=kind).order_by("number")
    return reviews[1] if kind == Review.Kind.WEEKLY else reviews.get()


def _form(client_for, cora, review):
    with at(review.due_on, 16):
        page = client_for(cora).get(reverse("referrals:review_hold", args=[review.pk]))
    assert page.status_code == 200
    return page.context["form"], page.content.decode()


@pytest.mark.parametrize("kind", Review.Kind.values)
def test_engagement_comes_from_the_lessons_since_the_last_review_at_every_kind(
    kind, placement, cora, sam, client_for
):
    review = _review(placement, kind)
    last = _held_up_to(placement, review, cora, sam)
    _score(placement, last.due_on, [1], cora)  # before the window: left out
    _score(placement, review.due_on, [4, 4], cora)
    # Nothing in class is left in the room, whatever the plan said: only these are in it.
    PlanCell.objects.filter(
        placement=placement, date__gt=last.due_on, date__lt=review.due_on
    ).update(mode=Mode.CLASS)
    form, html = _form(client_for, cora, review)
    assert form.initial["engagement"] == Review.Engagement.GOOD  # 4.0, not 3.0 with the 1
    since = last.due_on + dt.timedelta(days=1)
    basis = (
        f"Filled in from the register: 4.0 of 5 on average over 2 scored room lessons, "
        f"{day_text(since)} to {day_text(review.due_on)}."
    )
    assert form.fields["engagement"].help_text.startswith(basis)
    assert escape(basis) in html


@pytest.mark.parametrize("kind", Review.Kind.values)
def test_with_nothing_scored_since_the_last_review_the_placement_so_far_at_every_kind(
    kind, placement, cora, sam, client_for
):
    review = _review(placement, kind)
    last = _held_up_to(placement, review, cora, sam)
    _score(placement, START, [4, 5], cora)
    # Since the last review every lesson was in class (as before an exit, say).
    PlanCell.objects.filter(
        placement=placement, date__gt=last.due_on, date__lte=review.due_on
    ).update(mode=Mode.CLASS)
    form, html = _form(client_for, cora, review)
    assert form.initial["engagement"] == Review.Engagement.STRONG  # 4.5
    assert "room_attendance" not in form.initial  # no room lesson since: no figure
    basis = (
        f"Filled in from the register: 4.5 of 5 on average over 2 scored room lessons, "
        f"{day_text(START)} to {day_text(review.due_on)} (none was scored since the last "
        "review)."
    )
    assert form.fields["engagement"].help_text.startswith(basis)
    assert escape(basis) in html


def test_the_first_review_looks_back_to_the_start(placement, cora, client_for):
    first = placement.reviews.order_by("number").first()
    _score(placement, START, [2, 3], cora)
    form, _ = _form(client_for, cora, first)
    assert form.initial["engagement"] == Review.Engagement.MIXED  # 2.5
    assert form.fields["engagement"].help_text == (
        f"Filled in from the register: 2.5 of 5 on average over 2 scored room lessons, "
        f"{day_text(START)} to {day_text(first.due_on)}. Change it if the register does not "
        "tell the whole story."
    )
