"""Reviews of an active placement: held in order, from two school days before they are
due, with every target rated; targets reworded, dropped and added at a review; the
SENCO's sign-off of the mid-point and exit reviews, once."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from records.models import Entry
from referrals.models import Review, Target, TargetRating
from referrals.services import placements
from tests.referrals_helpers import D, at, hold, make_placement, ratings_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def placement(dee, rita):
    return make_placement(approver=dee, referrer=rita, started=True)


def first_review(placement) -> Review:
    return placement.reviews.order_by("number").first()


def events(placement, code):
    return Entry.objects.filter(links__student=placement.student, event_code=code)


def test_reviews_fall_due_each_school_week_with_a_mid_point_and_an_exit(placement):
    reviews = list(placement.reviews.order_by("number").values_list("due_on", "kind"))
    assert reviews == [
        (D(2026, 9, 14), "weekly"),
        (D(2026, 9, 21), "weekly"),
        (D(2026, 9, 28), "midpoint"),
        (D(2026, 10, 5), "weekly"),
        (D(2026, 10, 12), "weekly"),
        (D(2026, 10, 16), "exit"),
    ]


def test_holding_a_review_records_it_rates_every_target_and_writes_the_file(placement, cora, sam):
    review = first_review(placement)
    targets = list(placement.targets.all())
    hold(
        review,
        cora,
        staff_present=[sam],
        student_present=True,
        parent_present=True,
        others="Educational psychologist",
        room_attendance="9 of 10 sessions",
        student_view="Maths feels easier.",
        parent_view="Calmer at home.",
        ratings={
            targets[0].pk: (TargetRating.Rating.GOOD, "In maths all week"),
            targets[1].pk: (TargetRating.Rating.NOT_YET, ""),
        },
    )
    review.refresh_from_db()
    assert review.held_on == D(2026, 9, 14) and review.held_by == cora
    assert set(review.staff_present.all()) == {cora, sam}
    assert review.student_present and review.parent_present
    assert review.room_attendance == "9 of 10 sessions"
    assert review.engagement == "good" and review.next_step == "Back in maths from Monday."
    assert dict(review.ratings.values_list("target__description", "rating")) == {
        "Attend maths and English lessons": "good",
        "Eat lunch with a friend": "not_yet",
    }
    event = events(placement, "placement.review_held").get()
    assert event.summary == "Weekly review 1 held"
    assert "Back in maths from Monday." in event.account


def test_a_review_can_be_held_two_school_days_early_but_not_sooner(placement, cora):
    review = first_review(placement)  # due Monday 14 September
    with pytest.raises(ValidationError) as refused:
        hold(review, cora, on=D(2026, 9, 9))
    assert "up to 2 school days early, so from Thu 10 Sep 2026, not before" in str(refused.value)
    # Thursday 10 is two school days before Monday 14 (the weekend does not count).
    hold(review, cora, on=D(2026, 9, 10))
    review.refresh_from_db()
    assert review.held_on == D(2026, 9, 10)


def test_every_active_target_must_be_rated(placement, cora):
    review = first_review(placement)
    one = placement.targets.first()
    with pytest.raises(ValidationError) as refused:
        hold(review, cora, ratings={one.pk: ("good", "")})
    assert "Not rated: Eat lunch with a friend." in str(refused.value)
    review.refresh_from_db()
    assert review.held_on is None and not TargetRating.objects.exists()


def test_a_review_is_held_once_and_in_order(placement, cora):
    first, second = placement.reviews.order_by("number")[:2]
    with pytest.raises(ValidationError, match=r"Hold weekly review 1 .*first"):
        hold(second, cora)
    hold(first, cora)
    with pytest.raises(ValidationError, match="already held, on Mon 14 Sep 2026"):
        hold(first, cora, on=D(2026, 9, 15))


def test_reviews_are_held_only_while_the_placement_is_active(dee, rita, cora):
    scheduled = make_placement(approver=dee, referrer=rita)
    with pytest.raises(ValidationError, match="while the placement is active; this one is sched"):
        hold(first_review(scheduled), cora)


def test_engagement_and_the_next_step_are_needed(placement, cora):
    with pytest.raises(ValidationError) as refused:
        hold(first_review(placement), cora, engagement="", next_step=" ")
    assert set(refused.value.error_dict) == {"engagement", "next_step"}


def test_targets_are_reworded_dropped_and_added_at_a_review(placement, cora):
    review = first_review(placement)
    maths, lunch = placement.targets.all()
    hold(
        review,
        cora,
        target_changes={maths.pk: "Attend every maths lesson", lunch.pk: lunch.description},
        dropped=[lunch.pk],
        new_targets=[("behavioural", "Ask for help before leaving a lesson")],
    )
    maths.refresh_from_db()
    lunch.refresh_from_db()
    assert maths.description == "Attend every maths lesson" and maths.active
    assert not lunch.active  # kept, with its rating, for the history
    assert lunch.ratings.count() == 1
    added = Target.objects.get(placement=placement, area="behavioural")
    assert added.active and added.position > maths.position
    account = events(placement, "placement.review_held").get().account
    assert "Reworded: “Attend maths and English lessons” is now “Attend every maths lesson”." in (
        account
    )
    assert "Dropped: “Eat lunch with a friend”." in account
    # The next review rates the targets now active, and only them.
    second = placement.reviews.get(number=2)
    assert set(ratings_for(placement)) == {maths.pk, added.pk}
    hold(second, cora)
    assert set(second.ratings.values_list("target", flat=True)) == {maths.pk, added.pk}


def test_a_weekly_review_keeps_at_least_one_target(placement, cora):
    review = first_review(placement)
    all_targets = list(placement.targets.values_list("pk", flat=True))
    with pytest.raises(ValidationError, match="at least one target"):
        hold(review, cora, dropped=all_targets)
    review.refresh_from_db()
    assert review.held_on is None


# --- sign-off -------------------------------------------------------------------------


def midpoint(placement) -> Review:
    return placement.reviews.get(kind=Review.Kind.MIDPOINT)


def hold_up_to_midpoint(placement, cora) -> Review:
    for review in placement.reviews.order_by("number"):
        hold(review, cora)
        if review.kind == Review.Kind.MIDPOINT:
            return review
    raise AssertionError("no mid-point review")


def test_the_senco_signs_off_a_held_mid_point_review_once(placement, cora, sam):
    review = hold_up_to_midpoint(placement, cora)
    with at(D(2026, 9, 29)):
        placements.sign_off(review, by=sam, note="Good progress; keep the plan.")
    review.refresh_from_db()
    assert review.signed_off_by == sam and review.sign_off_note.startswith("Good progress")
    assert events(placement, "placement.review_signed_off").get().summary == (
        "Mid-point review 3 signed off by the SENCO"
    )
    with pytest.raises(ValidationError, match="already signed off by"):
        placements.sign_off(review, by=sam)


def test_only_the_senco_signs_off(placement, cora, dee):
    review = hold_up_to_midpoint(placement, cora)
    with pytest.raises(ValidationError, match=r"Only the SENCO signs off reviews\."):
        placements.sign_off(review, by=dee)


def test_a_weekly_review_is_not_signed_off(placement, cora, sam):
    review = first_review(placement)
    hold(review, cora)
    with pytest.raises(ValidationError, match="weekly review does not need the SENCO's sign-off"):
        placements.sign_off(review, by=sam)


def test_a_review_is_signed_off_only_once_held(placement, sam):
    with pytest.raises(ValidationError, match="has not been held yet"):
        placements.sign_off(midpoint(placement), by=sam)


# --- the review form: folded sections, the ratings chart ----------------------------------


def _review_page(client, review, data=None, day=None):
    from django.urls import reverse

    with at(day or review.due_on, 11):
        url = reverse("referrals:review_hold", args=[review.pk])
        return client.post(url, data) if data is not None else client.get(url)


def test_ratings_over_the_reviews_are_a_chart_and_a_table_of_the_same_numbers(
    placement, cora, client_for
):
    import re

    first, second, third = list(placement.reviews.order_by("number"))[:3]
    t1, t2 = list(placement.targets.order_by("position", "id"))
    hold(first, cora, ratings={t1.pk: ("not_yet", ""), t2.pk: ("some", "")})
    hold(second, cora, ratings={t1.pk: ("good", ""), t2.pk: ("met", "")})
    html = _review_page(client_for(cora), third).content.decode()

    chart = re.search(r"<svg class=\"rating-chart__svg\".*?</svg>", html, re.S).group(0)
    assert "<script" not in chart and "style=" not in chart
    lines = re.findall(
        r'<polyline class="rating-chart__line chart-line--(\d)" points="([^"]+)"', chart
    )
    # x: review 1 then 2; y: higher is better (SVG's y grows downwards).
    (n1, p1), (n2, p2) = lines
    ys1 = [int(p.split(",")[1]) for p in p1.split()]
    ys2 = [int(p.split(",")[1]) for p in p2.split()]
    assert n1 != n2 and ys1[1] < ys1[0] and ys2[1] < ys2[0] and ys2[1] < ys1[1]
    table = re.search(r'<div class="visually-hidden"><table>.*?</table>', html, re.S).group(0)
    rows = [re.sub(r"<[^>]+>", "|", r) for r in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    assert any(t1.description in r and "Not yet" in r and "Good progress" in r for r in rows)
    assert any(t2.description in r and "Some progress" in r and "|Met|" in r for r in rows)


def test_no_chart_before_the_first_review(placement, cora, client_for):
    html = _review_page(client_for(cora), first_review(placement)).content.decode()
    assert "rating-chart" not in html


def test_the_optional_sections_are_folded_and_open_on_an_error(placement, cora, client_for):
    review = first_review(placement)
    client = client_for(cora)
    html = _review_page(client, review).content.decode()
    assert '<details class="form-section form-section--fold">' in html
    assert html.count("form-section--fold") == 2  # who was there; targets from now on
    t1 = placement.targets.order_by("position", "id").first()
    data = {
        "engagement": "good",
        "next_step": "More maths.",
        **{f"rating_{t.pk}": "some" for t in placement.targets.all()},
        f"wording_{t1.pk}": "",  # a target left without words: its section opens
        "others_present": "x" * 400,  # too long: who was there opens too
    }
    html = _review_page(client, review, data).content.decode()
    assert html.count('<details class="form-section form-section--fold" open>') == 2


def test_attendance_says_what_it_counts_and_over_which_days(placement, cora, client_for):
    review = first_review(placement)
    response = _review_page(client_for(cora), review)
    form = response.context["form"]
    assert "Room lessons planned since the last review" in form.fields["room_attendance"].help_text
    # The figure filled in from the register starts with its days: see
    # tests/test_timetable_today.py::test_the_register_fills_the_review_form_and_the_chronology
