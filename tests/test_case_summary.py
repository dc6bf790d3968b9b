"""The case summary ("one pupil's story"): its repeated parts written by tags must write
what the page's template wrote (tests/golden/case_summary_parts.html), byte for byte; the
chronology shows a restricted entry only to a reader who may read it with a fresh second
factor, and only counts it for everyone else; a placement of a pupil the reader may not
see is not found; and the page's queries do not grow with the placement's history."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection
from django.http import Http404
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enigma.models import StudentStaffLink, User
from records.models import Category, Entry
from referrals.models import Review, Target, TargetRating
from tests.conftest import pass_second_factor
from tests.factories import StudentFactory

GOLDEN = (Path(__file__).parent / "golden" / "case_summary_parts.html").read_text()
LONDON = timezone.get_default_timezone()
D = dt.date

NEW = {
    "headings": "{% case_review_headings summary.reviews %}",
    "targets": "{% case_target_rows summary.targets summary.reviews %}",
    "views": "{% case_review_views summary.reviews %}",
    "entries": "{% case_entry_rows summary.entries %}",
}


def _old_parts() -> dict[str, str]:
    found = re.findall(r"{% comment %}(\w+){% endcomment %}(.*?)(?={% comment %})", GOLDEN, re.S)
    return dict(found)


def _user(name):
    return User(username=name.lower(), display_name=name)


def _summary(*, reviews: bool, targets: bool, entries: bool):
    held_by = _user("Cora <Coordinator> & “Co”")
    all_reviews = [
        Review(
            pk=11, number=1, kind=Review.Kind.WEEKLY, held_on=D(2026, 9, 14), held_by=held_by,
            student_view='I "like" <maths> & art', parent_view="", room_attendance="9 of 10",
            engagement=Review.Engagement.GOOD, next_step="Back to English",
        ),
        Review(
            pk=12, number=2, kind=Review.Kind.MIDPOINT, held_on=D(2026, 9, 28), held_by=None,
            student_view="", parent_view="Pleased <b>", room_attendance="", engagement="",
            next_step="", signed_off_at=dt.datetime(2026, 9, 29, 9, tzinfo=LONDON),
            signed_off_by=_user("Sam O'Senco"),
        ),
        Review(
            pk=13, number=3, kind=Review.Kind.EXIT, held_on=D(2026, 10, 16), held_by=held_by,
            student_view="Ready", parent_view="Ready too", room_attendance="All",
            engagement=Review.Engagement.STRONG, next_step="Full time",
            signed_off_at=dt.datetime(2026, 10, 17, 9, tzinfo=LONDON), signed_off_by=None,
        ),
    ] if reviews else []  # fmt: skip
    rows = []
    if targets:
        kept = Target(pk=21, area="learning", description="Finish <work> & “hand in”")
        dropped = Target(pk=22, area="behavioural", description="Stay in class", active=False)
        rated = {
            (21, 11): TargetRating(rating=TargetRating.Rating.SOME, comment="A start <ok>"),
            (21, 13): TargetRating(rating=TargetRating.Rating.MET, comment=""),
            (22, 12): TargetRating(rating=TargetRating.Rating.NOT_YET, comment="Not yet & why"),
        }
        rows = [
            {"target": t, "ratings": [rated.get((t.pk, r.pk)) for r in all_reviews]}
            for t in (kept, dropped)
        ]
    shown = []
    if entries:
        author = _user("Dina <DSL> & Co")
        shown = [
            # 00:30 on 1 Oct in London is still 30 Sep in UTC, and 22:30 on 30 Sep in UTC
            # is 23:30 in London: the day shown is London's.
            Entry(
                pk=31, kind=Entry.Kind.CONCERN, summary="Upset <after> lunch & “cried”",
                occurred_at=dt.datetime(2026, 10, 1, 0, 30, tzinfo=LONDON), author=author,
                category=Category(pk=41, name="Well-being & <mood>"),
            ),
            Entry(
                pk=32, kind=Entry.Kind.FORCE, summary="Held apart", author=author,
                occurred_at=dt.datetime(2026, 9, 30, 22, 30, tzinfo=dt.UTC),
            ),
            Entry(
                pk=33, kind=Entry.Kind.POSITIVE, summary="Great day", author=author,
                occurred_at=dt.datetime(2026, 9, 21, 11, tzinfo=LONDON),
            ),
        ]  # fmt: skip
        shown[1].is_restricted = True
        shown[2].is_restricted = False
    return SimpleNamespace(reviews=all_reviews, targets=rows, entries=shown)


@pytest.mark.parametrize("filled", [True, False], ids=["filled", "empty"])
@pytest.mark.parametrize("part", list(NEW))
def test_each_part_writes_what_the_template_wrote(part, filled):
    django_engine = engines["django"]
    summary = _summary(reviews=filled, targets=filled, entries=filled)
    context = {"summary": summary}
    old = django_engine.from_string(_old_parts()[part]).render(context)
    new = django_engine.from_string("{% load oversight_case %}" + NEW[part]).render(context)
    assert new == old
    assert "<b>" not in new and "<maths>" not in new and "<DSL>" not in new


def test_targets_without_reviews_span_the_one_column():
    django_engine = engines["django"]
    summary = _summary(reviews=False, targets=False, entries=False)
    new = django_engine.from_string("{% load oversight_case %}" + NEW["targets"]).render(
        {"summary": summary}
    )
    assert new == '<tr><td colspan="1">No targets set.</td></tr>'


def test_a_day_is_the_local_one():
    new = (
        engines["django"]
        .from_string("{% load oversight_case %}" + NEW["entries"])
        .render({"summary": _summary(reviews=False, targets=False, entries=True)})
    )
    assert new.index("Thu 1 Oct 2026") < new.index("Wed 30 Sep 2026") < new.index("Mon 21 Sep")


# The page, on a placement built in the test.

DURING = dt.datetime(2026, 9, 21, 11, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 10, 1, 10, tzinfo=LONDON), tick=False):
        yield


@pytest.fixture
def placed(db, cora, rita):
    from tests.referrals_helpers import make_placement

    return make_placement(approver=cora, referrer=rita, started=True)


def test_a_restricted_entry_is_shown_only_to_whom_may_read_it_with_a_fresh_second_factor(
    placed, cora, sam, dee, dina, client_for
):
    from records.models import ForceRecord
    from records.services.entries import record_entry, share_entry
    from records.services.force import ForceDetails, record_force

    student = placed.student
    safeguarding, _ = Category.objects.get_or_create(
        name="Safeguarding", defaults={"restricted": True, "position": 10}
    )
    shared = record_entry(
        author=dina, students=[student], kind="concern", category=safeguarding,
        summary="Shared with the SENCO", account="Words for the DSL team.", occurred_at=DURING,
    )  # fmt: skip
    record_entry(
        author=dina, students=[student], kind="concern", category=safeguarding,
        summary="Kept for the DSL team", account="Only theirs.", occurred_at=DURING,
    )  # fmt: skip
    record_force(
        by=cora,
        students=[student],
        details=ForceDetails(
            occurred_at=DURING, place=ForceRecord.Place.CORRIDOR, place_detail="By the hall",
            summary="Held apart in the corridor", before="A fight began",
            what_was_done="Guided apart", duration_minutes=2, staff=[cora],
            parents_told=ForceRecord.ParentsTold.PHONE,
            parents_told_at=DURING + dt.timedelta(hours=1),
        ),
    )  # fmt: skip
    record_entry(
        author=cora, students=[student], kind="positive", summary="Settled in maths",
        occurred_at=DURING,
    )  # fmt: skip
    share_entry(entry=shared, shared_by=dina, colleague=sam, reason="Plans the support")
    url = reverse("oversight:case_summary", args=[placed.pk])
    words = ("Shared with the SENCO", "Kept for the DSL team", "Held apart in the corridor")

    def seen(user, *, fresh):
        client = client_for(user)
        if fresh:
            pass_second_factor(client)
        text = client.get(url).content.decode()
        assert "Settled in maths" in text
        assert "Words for the DSL team." not in text and "Only theirs." not in text
        return {w for w in words if w in text}, text

    shown, text = seen(sam, fresh=False)
    assert shown == set() and "3 restricted entries are not shown here" in text
    shown, text = seen(sam, fresh=True)
    assert shown == {"Shared with the SENCO"} and "2 restricted entries are not shown" in text
    assert "RESTRICTED: Shared with the SENCO" in text
    shown, text = seen(dee, fresh=False)
    assert shown == set() and "3 restricted entries are not shown here" in text
    shown, text = seen(dee, fresh=True)  # the deputy reads force records
    assert shown == {"Held apart in the corridor"} and "2 restricted entries" in text


def test_a_reader_who_may_not_see_the_pupil_finds_no_placement(placed, tom):
    from oversight.case import case_summary

    today = D(2026, 10, 1)
    with pytest.raises(Http404):
        case_summary(tom, placed.pk, today=today, restricted_fresh=False)
    StudentStaffLink.objects.create(
        student=placed.student, staff=tom, relationship=StudentStaffLink.Relationship.CLASS_TEACHER
    )
    found = case_summary(tom, placed.pk, today=today, restricted_fresh=False)
    assert found.placement.pk == placed.pk


def test_the_page_queries_do_not_grow_with_the_placement(placed, cora, sam, client_for):
    from records.services.entries import record_entry

    client = client_for(sam)
    url = reverse("oversight:case_summary", args=[placed.pk])

    def add(n):
        other = StudentFactory()
        done = Target.objects.filter(placement=placed).count()
        for i in range(done, done + n):
            record_entry(
                author=cora, students=[placed.student, other], kind="concern",
                summary=f"Entry {i}", occurred_at=DURING + dt.timedelta(minutes=i),
            )  # fmt: skip
            target = Target.objects.create(
                placement=placed, area="learning", description=f"Target {i}", position=i
            )
            review = Review.objects.create(
                placement=placed, number=100 + i, due_on=D(2026, 9, 14), held_on=D(2026, 9, 14),
                held_by=cora,
            )  # fmt: skip
            TargetRating.objects.create(review=review, target=target, rating="some")

    add(2)
    client.get(url)  # the session's first save, not measured
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    add(20)
    with CaptureQueriesContext(connection) as large:
        text = client.get(url).content.decode()
    assert "Entry 21" in text and "Target 21" in text
    assert len(large) == len(small), [q["sql"][:80] for q in large.captured_queries]


def test_the_register_and_the_work_are_counted_by_status(placed, cora, sam, client_for):
    """Counted by hand: 6 marks (3 present, 1 late, 1 absent, 1 in class); 7 lessons in
    the room, one cancelled and left out: of the 6, 4 have work set (2 of them done and
    one of those returned), 2 are still requested, one of those in the past (today is
    1 Oct); 3 subjects among the 6."""
    from tests.factories import PeriodFactory
    from timetables.models import RegisterMark, WorkRequest

    periods = [
        PeriodFactory(starts_at=dt.time(9 + i), ends_at=dt.time(9 + i, 50)) for i in range(7)
    ]
    R, W = RegisterMark.Status, WorkRequest.Status
    marks = [R.PRESENT, R.PRESENT, R.PRESENT, R.LATE, R.ABSENT, R.IN_CLASS]
    for period, status in zip(periods, marks, strict=False):
        RegisterMark.objects.create(
            placement=placed, date=D(2026, 9, 8), period=period, status=status, recorded_by=cora
        )
    set_at = dt.datetime(2026, 9, 8, 9, tzinfo=LONDON)
    lessons = [
        (D(2026, 9, 8), "Maths", W.SET),
        (D(2026, 9, 8), "Maths", W.COMPLETED),
        (D(2026, 9, 8), "English", W.RETURNED),
        (D(2026, 10, 2), "English", W.SET),
        (D(2026, 9, 30), "Science", W.REQUESTED),  # past, nothing set: missing
        (D(2026, 10, 2), "Science", W.REQUESTED),  # still to come
        (D(2026, 9, 29), "Art", W.CANCELLED),  # left out
    ]
    for period, (day, subject, status) in zip(periods, lessons, strict=True):
        WorkRequest.objects.create(
            placement=placed, date=day, period=period, subject=subject, status=status,
            set_at=None if status in (W.REQUESTED, W.CANCELLED) else set_at,
        )  # fmt: skip
    text = client_for(sam).get(reverse("oversight:case_summary", args=[placed.pk])).content
    text = text.decode()
    assert "6 lessons marked: 3 present, 1 late, 1 absent, 1 in class instead" in text
    assert (
        "6 room lessons in 3 subjects: work set for 4, done for 2; "
        "1 past lesson with no work set" in text
    )


def test_the_compiled_reads_are_the_querysets_and_follow_a_category_restricted_later(
    placed, cora, sam, dina
):
    """The case summary's parts are read from SQL compiled once a process (oversight.case):
    each is what its queryset reads, for a second placement too, and an entry whose
    category is restricted after the SQL was compiled is no longer shown."""
    from oversight import case
    from records.services.entries import record_entry
    from referrals.models import Measure
    from tests.referrals_helpers import make_placement

    other = make_placement(approver=cora, referrer=placed.referral.referrer, started=True)
    talk, _ = Category.objects.get_or_create(name="Talk", defaults={"restricted": False})
    for placement in (placed, other):
        target = Target.objects.create(
            placement=placement, area="learning", description=f"For {placement.pk}", position=1
        )
        review = Review.objects.create(
            placement=placement, number=50, due_on=D(2026, 9, 14), held_on=D(2026, 9, 14),
            held_by=cora,
        )  # fmt: skip
        TargetRating.objects.create(review=review, target=target, rating="some")
        record_entry(
            author=cora, students=[placement.student], kind="concern", category=talk,
            summary=f"Talked {placement.pk}", occurred_at=DURING,
        )  # fmt: skip
    today = D(2026, 10, 1)
    for placement in (placed, other, placed):
        summary = case.case_summary(sam, placement.pk, today=today, restricted_fresh=False)
        assert summary.placement == placement
        assert summary.placement.student == placement.student
        assert summary.placement.referral.referrer == placement.referral.referrer
        assert summary.reviews == list(case._reviews_query(placement.pk))
        assert [t["target"] for t in summary.targets] == list(case._targets_query(placement.pk))
        rated = [r for t in summary.targets for r in t["ratings"] if r is not None]
        assert sorted(r.pk for r in rated) == sorted(
            TargetRating.objects.filter(
                review__placement=placement, review__held_on__isnull=False
            ).values_list("pk", flat=True)
        )
        assert rated
        assert summary.measures == {m.stage: m for m in Measure.objects.filter(placement=placement)}
        assert summary.follow_ups == list(case._follow_ups_query(placement.pk))
        assert summary.prior_support == list(case._prior_support_query(placement.referral_id))
        expected = list(
            case._entries_during_query(placement.student_id, sam.pk, placement.start_date, today)
        )
        assert [e.pk for e in summary.entries] == [e.pk for e in expected]
        assert f"Talked {placement.pk}" in [e.summary for e in summary.entries]
        assert summary.restricted_hidden == 0
    talk.restricted = True
    talk.save()
    summary = case.case_summary(sam, placed.pk, today=today, restricted_fresh=True)
    assert f"Talked {placed.pk}" not in [e.summary for e in summary.entries]
    assert summary.restricted_hidden == 1
    summary = case.case_summary(dina, placed.pk, today=today, restricted_fresh=True)
    assert f"Talked {placed.pk}" in [e.summary for e in summary.entries]
