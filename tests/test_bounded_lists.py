"""The SENCO's Reviews page and the referrer's My referrals show the present, a page at a
time, however many years of placements lie behind them: history is a filter away, never
read to draw the present, and the queries are the same for 1x and 10x the history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import Placement, Referral, Review
from referrals.selectors.placements import REVIEWS_SHOWN
from referrals.selectors.referral import MY_REFERRALS_PAGE_SIZE
from tests.db import PAGE_QUERY_BUDGET, queries
from tests.factories import StudentFactory
from tests.referrals_helpers import D, at, hold, make_placement

pytestmark = pytest.mark.django_db
TODAY = D(2026, 9, 30)
REVIEWS = reverse("referrals:reviews_board")
MY_REFERRALS = reverse("referrals:my_referrals")


def history(n: int, *, referrer, decider, years_ago: int = 2) -> list[Placement]:
    """n placements completed long ago (in bulk, as years of records are), each with its
    mid-point and exit reviews held and never signed off."""
    start = TODAY - dt.timedelta(weeks=52 * years_ago)
    long_ago = timezone.make_aware(dt.datetime.combine(start, dt.time(9)))
    referrals = Referral.objects.bulk_create(
        Referral(
            student=StudentFactory(),
            referrer=referrer,
            status=Referral.Status.APPROVED,
            reasons="Long ago.",
            decided_by=decider,
            decided_at=long_ago,
            submitted_at=long_ago,
            created_at=long_ago + dt.timedelta(minutes=i),
        )
        for i in range(n)
    )
    Referral.objects.filter(pk__in=[r.pk for r in referrals]).update(updated_at=long_ago)
    placements = Placement.objects.bulk_create(
        Placement(
            referral=r,
            student=r.student,
            state=Placement.State.COMPLETED,
            approved_by=decider,
            requested_start=start,
            start_date=start,
            planned_exit=start + dt.timedelta(weeks=6),
            latest_exit=start + dt.timedelta(weeks=6),
            actual_exit=start + dt.timedelta(weeks=6),
            outcome=Placement.Outcome.FULL,
        )
        for r in referrals
    )
    Review.objects.bulk_create(
        Review(
            placement=p,
            number=n,
            kind=kind,
            due_on=p.start_date + dt.timedelta(weeks=n),
            held_on=p.start_date + dt.timedelta(weeks=n),
            held_by=decider,
        )
        for p in placements
        for n, kind in ((3, Review.Kind.MIDPOINT), (6, Review.Kind.EXIT))
    )
    return placements


def detail(placement) -> str:
    return reverse("referrals:placement_detail", kwargs={"placement_pk": placement.pk})


@pytest.fixture
def live(dee, rita, cora):
    """An active placement with its mid-point held, awaiting the SENCO's sign-off."""
    placement = make_placement(approver=dee, referrer=rita, started=True)
    for review in placement.reviews.order_by("number")[:3]:
        hold(review, cora)
    return placement


# --- the Reviews page -------------------------------------------------------------------


def test_the_reviews_page_lists_what_awaits_sign_off_now_not_years_of_history(
    live, dee, rita, sam, client_for
):
    old = history(3, referrer=rita, decider=dee)
    with at(TODAY):
        response = client_for(sam).get(REVIEWS)
    board = response.context["board"]
    assert [(r.placement_id, r.kind) for r in board.awaiting_sign_off] == [(live.pk, "midpoint")]
    html = response.content.decode()
    assert detail(live) in html
    assert not any(detail(p) in html for p in old)
    assert "Older reviews never signed off" in html
    assert f"{REVIEWS}?sign_off=older" in html


def test_older_unsigned_reviews_are_a_filter_away_a_page_at_a_time(
    live, dee, rita, sam, client_for
):
    old = history(REVIEWS_SHOWN, referrer=rita, decider=dee)  # two reviews each: two pages
    client = client_for(sam)
    with at(TODAY):
        first = client.get(REVIEWS, {"sign_off": "older"})
        second = client.get(REVIEWS, {"sign_off": "older", "page": 2})
    rows = list(first.context["board"].awaiting_sign_off)
    assert len(rows) == REVIEWS_SHOWN
    assert all(r.placement.state == Placement.State.COMPLETED for r in rows)
    html = first.content.decode()
    assert "Older reviews never signed off" in html and "50 mid-point and exit reviews" in html
    midpoint = live.reviews.get(kind=Review.Kind.MIDPOINT)
    assert reverse("referrals:review_sign_off", kwargs={"review_pk": midpoint.pk}) not in html
    assert "sign_off=older&amp;page=2" in html
    shown = {r.pk for r in rows} | {r.pk for r in second.context["board"].awaiting_sign_off}
    assert len(shown) == 2 * len(old)
    # The last page's rows are not drawn on the first.
    last = second.context["board"].awaiting_sign_off[-1]
    assert reverse("referrals:review_sign_off", kwargs={"review_pk": last.pk}) not in html


def test_a_review_held_recently_stays_in_the_present_after_its_placement_ends(
    dee, rita, sam, client_for
):
    (recent,) = history(1, referrer=rita, decider=dee, years_ago=0)
    Review.objects.filter(placement=recent).update(held_on=TODAY - dt.timedelta(days=10))
    with at(TODAY):
        board = client_for(sam).get(REVIEWS).context["board"]
    assert {r.placement_id for r in board.awaiting_sign_off} == {recent.pk}
    assert board.older_unsigned is False


@pytest.mark.parametrize("older", [False, True])
def test_the_reviews_page_runs_the_same_queries_for_1x_or_10x_history(
    older, live, dee, rita, sam, client_for
):
    client = client_for(sam)
    params = {"sign_off": "older"} if older else {}
    history(4, referrer=rita, decider=dee)
    with at(TODAY):
        small = queries(client, REVIEWS, params)
    assert small <= PAGE_QUERY_BUDGET
    history(36, referrer=rita, decider=dee)
    with at(TODAY):
        assert queries(client, REVIEWS, params) == small
        assert queries(client, REVIEWS, params | {"page": 3}) == small


# --- My referrals -------------------------------------------------------------------------


def test_my_referrals_shows_current_referrals_and_keeps_history_a_click_away(
    live, dee, rita, client_for
):
    old = history(3, referrer=rita, decider=dee)
    declined = Referral.objects.create(
        student=StudentFactory(),
        referrer=rita,
        status=Referral.Status.DECLINED,
        decided_by=dee,
        decided_at=timezone.now() - dt.timedelta(days=3),
        decision_reason="Try the reading group first.",
    )
    client = client_for(rita)
    page = client.get(MY_REFERRALS)
    assert {r.pk for r in page.context["referrals"]} == {live.referral_id, declined.pk}
    html = page.content.decode()
    assert not any(reverse("referrals:referral_detail", args=[p.referral_id]) in html for p in old)
    assert f"{MY_REFERRALS}?show=all" in html
    everything = client.get(MY_REFERRALS, {"show": "all"})
    assert {r.pk for r in everything.context["referrals"]} == {
        live.referral_id,
        declined.pk,
        *(p.referral_id for p in old),
    }


def test_all_my_referrals_is_paged_newest_first(dee, rita, client_for):
    old = history(MY_REFERRALS_PAGE_SIZE + 5, referrer=rita, decider=dee)
    client = client_for(rita)
    first = client.get(MY_REFERRALS, {"show": "all"})
    assert len(first.context["referrals"]) == MY_REFERRALS_PAGE_SIZE
    html = first.content.decode()
    oldest = min(old, key=lambda p: p.referral.created_at)
    assert reverse("referrals:referral_detail", args=[oldest.referral_id]) not in html
    assert "show=all&amp;page=2" in html
    second = client.get(MY_REFERRALS, {"show": "all", "page": 2})
    assert oldest.referral_id in {r.pk for r in second.context["referrals"]}
    # Nothing is current: the page says so and points to the history.
    current = client.get(MY_REFERRALS).content.decode()
    assert "Nothing is open or recent." in current


@pytest.mark.parametrize("params", [{}, {"show": "all"}, {"show": "all", "page": 2}])
def test_my_referrals_runs_the_same_queries_for_1x_or_10x_history(
    params, live, dee, rita, client_for
):
    client = client_for(rita)
    history(MY_REFERRALS_PAGE_SIZE + 5, referrer=rita, decider=dee)
    small = queries(client, MY_REFERRALS, params)
    history(9 * (MY_REFERRALS_PAGE_SIZE + 5), referrer=rita, decider=dee)
    assert queries(client, MY_REFERRALS, params) == small


# --- the header ------------------------------------------------------------------------------


def test_the_header_asks_for_the_unread_count_once_a_page(cora, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notifications.models import Kind, Notification

    Notification.objects.create(
        kind=Kind.REVIEW_DUE_SOON,
        subject_key="review:1",
        due_on=TODAY,
        recipient=cora,
        title="Weekly review due tomorrow",
        body="",
        url="/",
    )
    client = client_for(cora)
    client.get(reverse("student_directory"))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("student_directory"))
    assert b'aria-label="1 unread"' in response.content
    counts = [q["sql"] for q in ctx.captured_queries if "notifications_notification" in q["sql"]]
    assert len(counts) == 1, counts
