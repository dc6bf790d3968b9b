"""The referrals boards' lists read from SQL compiled once a process
(enigma.compiled) are the lists their querysets read: the same rows, in
the same order, with the same fields, joined objects and annotations; and a compiled
read follows the data changed after it was compiled (only the SQL is kept, never rows).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enigma import compiled
from records.services.entries import record_entry
from referrals import places
from referrals.models import FollowUp, Placement, PriorSupport, ProposedTarget, Referral
from referrals.selectors import decisions
from referrals.selectors import placements as selectors
from referrals.selectors import referral as referral_selectors
from referrals.services import placements
from tests.factories import StudentFactory
from tests.referrals_helpers import at, hold, make_placement
from tests.test_placement_pages import TODAY, grow

D = dt.date


def fields(obj, related=()) -> dict:
    """Every concrete field's value, and the same of each joined object named."""
    values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    for name in related:
        target = obj
        for part in name.split("__"):
            target = getattr(target, part)
        values[name] = fields(target)
    return values


def same(compiled_rows, queryset, related=(), annotations=()):
    expected = list(queryset)
    assert [fields(o, related) for o in compiled_rows] == [fields(o, related) for o in expected]
    for name in annotations:
        assert [getattr(o, name) for o in compiled_rows] == [getattr(o, name) for o in expected]
    return expected


@pytest.fixture
def board_data(dee, rita, cora, sam):
    grow(3, dee=dee, rita=rita, cora=cora, sam=sam)


def test_the_placements_boards_lists_are_their_querysets(board_data):
    week_end = D(2026, 10, 4)
    rows = compiled.compiled_list("test active", selectors.active_placements_query)
    assert len(same(rows, selectors.active_placements_query(), ["student"])) == 3
    rows = compiled.compiled_list("test scheduled", selectors.scheduled_query)
    assert len(same(rows, selectors.scheduled_query(), ["student"])) == 3
    rows = compiled.compiled_list("test waiting", selectors.waiting_query)
    assert (
        len(same(rows, selectors.waiting_query(), ["student", "referral", "referral__referrer"]))
        == 3
    )
    rows = compiled.compiled_list("test follow-ups", selectors.follow_ups_due_query, week_end)
    assert len(same(rows, selectors.follow_ups_due_query(week_end), ["placement__student"])) == 3
    rows = compiled.compiled_list("test open", selectors.active_open_reviews_query)
    assert same(rows, selectors.active_open_reviews_query())
    due_by = D(2026, 10, 7)
    rows = compiled.compiled_list("test due", selectors.due_and_overdue_query, TODAY, due_by)
    assert same(rows, selectors.due_and_overdue_query(TODAY, due_by), ["placement__student"])
    recent = selectors._recent_unsigned(TODAY)
    counted = selectors._unsigned().aggregate(
        recent=Count("pk", filter=recent), older=Count("pk", filter=~recent)
    )
    for day in (TODAY, TODAY + dt.timedelta(days=120)):
        [(now, older)] = compiled.compiled_list("test counts", selectors.unsigned_counts_query, day)
        recent = selectors._recent_unsigned(day)
        assert {"recent": now, "older": older} == selectors._unsigned().aggregate(
            recent=Count("pk", filter=recent), older=Count("pk", filter=~recent)
        )
    assert counted["recent"] > 0
    for older in (False, True):
        rows = compiled.compiled_list(
            "test unsigned", selectors.unsigned_page_query, TODAY, older, 0, 25
        )
        assert len(rows) == (0 if older else counted["recent"])
        same(
            rows,
            selectors.unsigned_reviews(today=TODAY, older=older)[:25],
            ["placement__student", "held_by"],
        )


def test_joined_objects_come_with_the_rows(board_data):
    compiled.compiled_list("test waiting", selectors.waiting_query)
    with CaptureQueriesContext(connection) as reads:
        rows = compiled.compiled_list("test waiting", selectors.waiting_query)
        names = [(p.student.name, str(p.referral.referrer)) for p in rows]
    assert len(reads) == 1 and len(names) == 3


def test_active_placements_keep_their_open_reviews_in_order(board_data, dee, rita, cora):
    # One more placement with its first reviews held: its open reviews start later.
    busy = make_placement(approver=dee, referrer=rita, started=True)
    for review in busy.reviews.order_by("number")[:2]:
        hold(review, cora)
    reference = list(
        Placement.objects.filter(state=Placement.State.ACTIVE)
        .select_related("student")
        .prefetch_related(selectors._open_reviews())
        .order_by("planned_exit", "id")
    )
    rows = selectors._active_placements()
    assert [p.pk for p in rows] == [p.pk for p in reference]
    assert [[r.pk for r in p.open_reviews] for p in rows] == [
        [r.pk for r in p.open_reviews] for p in reference
    ]
    assert any(len(p.open_reviews) < 6 for p in rows)
    # A queryset's own prefetches run on the compiled read's instances too.
    prefetched = compiled.compiled_list(
        "test prefetched",
        lambda: selectors.active_placements_query().prefetch_related(selectors._open_reviews()),
    )
    assert [[r.pk for r in p.open_reviews] for p in prefetched] == [
        [r.pk for r in p.open_reviews] for p in reference
    ]


def test_a_compiled_read_follows_changes_made_after_it_was_compiled(board_data, dee, rita):
    before = selectors.placements_board(today=TODAY)
    assert len(before.scheduled) == 3
    newcomer = make_placement(approver=dee, referrer=rita, start=D(2026, 10, 19))
    first = before.scheduled[0]
    with at(first.start_date, 9):
        placements.start(Placement.objects.get(pk=first.pk), by=dee, today=first.start_date)
    FollowUp.objects.filter(placement__state=Placement.State.WAITING).delete()
    after = selectors.placements_board(today=TODAY)
    assert newcomer.pk in [p.pk for p in after.scheduled]
    assert first.pk not in [p.pk for p in after.scheduled]
    assert first.pk in [r.placement.pk for r in after.active]
    assert after.follow_ups_due == []


def test_a_stand_in_is_put_in_each_time(board_data):
    stand_in = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)

    def build(since):
        return FollowUp.objects.filter(placement__approved_at__gte=since).order_by("id")

    def read(since):
        return compiled.compiled_list("test bind", build, stand_in, bind={stand_in: since})

    early, late = dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    assert len(read(early)) == FollowUp.objects.count() == 3
    assert read(late) == []
    assert same(read(early), build(early))
    with pytest.raises(ValueError):
        compiled.compiled_list("test no stand-in", FollowUp.objects.all, bind={stand_in: early})


def test_the_approvals_lists_are_their_querysets(dee, rita, cora):
    grow(2, dee=dee, rita=rita, cora=cora, sam=dee)
    with at(TODAY):
        for i in range(4):
            pupil = StudentFactory()
            referral = Referral.objects.create(
                student=pupil,
                referrer=rita,
                status=Referral.Status.SUBMITTED,
                submitted_at=timezone.now() - dt.timedelta(hours=i),
                reasons="Reasons.",
            )
            for n in range(i):
                ProposedTarget.objects.create(referral=referral, area="social", description=f"T{n}")
                PriorSupport.objects.create(
                    referral=referral,
                    team="send",
                    what=f"S{n}",
                    since=None if n == 1 else D(2026, 1, 1 + n),
                )
            for _ in range(i % 3):
                record_entry(author=cora, students=[pupil], kind="concern", summary="Walked out")
        reference = list(decisions._with_context(decisions._pending(), today=TODAY)[:3])
        shown = decisions.pending_shown(today=TODAY, limit=3)
    assert shown.total == 4 and len(shown.rows) == 3
    assert [fields(r, ["student", "referrer"]) for r in shown.rows] == [
        fields(r, ["student", "referrer"]) for r in reference
    ]
    for row, ref in zip(shown.rows, reference, strict=True):
        assert (row.earlier_this_year, row.recent_concerns) == (
            ref.earlier_this_year,
            ref.recent_concerns,
        )
        assert [s.pk for s in row.support_shown] == [s.pk for s in ref.prior_support.all()]
        assert [t.pk for t in row.targets_shown] == [t.pk for t in ref.proposed_targets.all()]
    assert {r.recent_concerns for r in shown.rows} == {0, 1, 2}
    # Six weeks later the concerns have left the window: the stand-in is put in afresh.
    with at(TODAY + dt.timedelta(weeks=7)):
        later = decisions.pending_shown(today=TODAY, limit=3)
    assert {r.recent_concerns for r in later.rows} == {0}
    waiting = decisions.waiting_shown(limit=1)
    reference = list(decisions.places.waiting_list())
    assert waiting.total == len(reference) == 2
    assert [(p.pk, p.position) for p in waiting.rows] == [(reference[0].pk, 1)]
    assert fields(waiting.rows[0], ["student", "referral__referrer", "approved_by"]) == fields(
        reference[0], ["student", "referral__referrer", "approved_by"]
    )


def test_values_list_rows_and_the_waiting_page(board_data):
    start, end = D(2026, 9, 1), D(2026, 12, 31)
    rows = compiled.compiled_list("test holding", places.holding_placements_query, start, end, None)
    assert rows == places.holding_placements(start, end) and len(rows) == 6
    assert all(isinstance(row, tuple) for row in rows)
    assert places.places_taken([TODAY], holding=places._compiled_holding) == places.places_taken(
        [TODAY]
    )
    page = decisions.waiting_page(None)
    assert [(p.pk, p.position) for p in page] == [
        (p.pk, n) for n, p in enumerate(places.waiting_list(), start=1)
    ]
    assert page.paginator.count == 3 and page.number == 1
    assert [p.pk for p in decisions.waiting_page("7")] == [p.pk for p in page]


def test_my_referrals_read_from_compiled_sql_are_each_referrers_own(rita, dee, cora):
    with at(TODAY):
        for who, n in ((rita, 3), (dee, 2)):
            for _ in range(n):
                Referral.objects.create(
                    student=StudentFactory(),
                    referrer=who,
                    status=Referral.Status.SUBMITTED,
                    submitted_at=timezone.now(),
                    reasons="Reasons.",
                )
        pages = {
            who: referral_selectors.my_referrals_page(
                who, today=TODAY, everything=True, page_number=1
            )
            for who in (rita, dee, cora)
        }
        for everything in (False, True):
            for who in (rita, dee, cora):
                page = referral_selectors.my_referrals_page(
                    who, today=TODAY, everything=everything, page_number=1
                )
                reference = list(
                    referral_selectors.my_referrals(who)
                    if everything
                    else referral_selectors.my_current_referrals(who, today=TODAY)
                )
                assert [fields(r, ["student"]) for r in page] == [
                    fields(r, ["student"]) for r in reference
                ]
                assert {r.referrer_id for r in page} <= {who.pk}
                assert page.paginator.count == len(reference)
    assert len(pages[rita]) == 3 and len(pages[dee]) == 2 and len(pages[cora]) == 0
