"""The bench school's history (devtools/bench_school.py), at a small scale: 50 pupils,
two academic years. What the real services would have left behind must hold of it."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections import defaultdict
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from devtools.bench_school import HistoryOptions, row_counts, seed_history
from devtools.demo.school import seed_staff, seed_students
from enigma.models import SchoolSettings, Student, Term
from enigma.school_calendar import SchoolCalendar
from records.models import ChronologyLink, Entry
from records.selectors.chronology import chain_breaks
from records.services.entries import record_entry
from referrals.models import FollowUp, Placement, Review
from timetables.models import PlanCell, RegisterDay, RegisterMark, WorkRequest

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 3, 10, 0, tzinfo=ZoneInfo("Europe/London"))
OPTIONS = HistoryOptions(years=2, placements_per_year=12, entries_per_pupil=25.0, seed=7)


@pytest.fixture
def school():
    with time_machine.travel(NOW, tick=False):
        seed_staff("a-password-for-the-demo-staff")
        seed_students(50)
        yield


def _seed(options=OPTIONS):
    with time_machine.travel(NOW, tick=False):
        return seed_history(options, now=NOW)


def test_every_chain_verifies_including_one_it_carries_on(school):
    pupil = Student.objects.order_by("pk").first()
    coordinator = get_user_model().objects.get(email="coordinator@example.org")
    with time_machine.travel(NOW - dt.timedelta(days=3), tick=False):
        record_entry(author=coordinator, students=[pupil], kind="positive", summary="Before")
    _seed()

    checked, breaks = chain_breaks()
    assert breaks == []
    assert checked == ChronologyLink.objects.count() > 1000
    # The link written before carries on: the pupil's chain starts with it.
    first = ChronologyLink.objects.filter(student=pupil).order_by("seq").first()
    assert first.entry.summary == "Before"
    # And the real service carries on after the history.
    with time_machine.travel(NOW, tick=False):
        record_entry(author=coordinator, students=[pupil], kind="positive", summary="After")
    assert chain_breaks([pupil.pk])[1] == []


def test_links_per_pupil_average_what_was_asked_and_vary(school):
    _seed()
    per_pupil = defaultdict(int)
    for student_id in ChronologyLink.objects.values_list("student_id", flat=True):
        per_pupil[student_id] += 1
    total = sum(per_pupil.values())
    assert abs(total / 50 - 25) <= 1.5
    assert max(per_pupil.values()) > 2 * min(per_pupil.values(), default=0) + 10
    # Every link's seq runs 1..n for its pupil (the chain check needs no gaps either).
    for student_id, count in per_pupil.items():
        seqs = sorted(
            ChronologyLink.objects.filter(student_id=student_id).values_list("seq", flat=True)
        )
        assert seqs == list(range(1, count + 1))
    restricted = Entry.objects.filter(restricted=True)
    assert restricted.exists()
    assert set(restricted.values_list("category__name", flat=True)) == {"Safeguarding"}
    assert set(restricted.values_list("author__email", flat=True)) == {"dsl@example.org"}
    assert not Entry.objects.filter(recorded_at__gt=NOW).exists()


def test_placements_last_at_most_six_school_weeks_and_never_overlap(school):
    _seed()
    placements = list(Placement.objects.order_by("student_id", "start_date"))
    assert 20 <= len(placements) <= 24
    assert {p.state for p in placements} <= {"completed", "ended_early"}
    terms = Term.objects.order_by("starts_on")
    calendar = SchoolCalendar.from_db(terms.first().starts_on, terms.last().ends_on)
    weeks = SchoolSettings.load().placement_weeks
    by_pupil = defaultdict(list)
    for p in placements:
        assert p.start_date <= p.actual_exit <= p.planned_exit <= p.latest_exit
        assert calendar.is_school_day(p.start_date) and calendar.is_school_day(p.actual_exit)
        assert calendar.school_days_between(p.start_date, p.planned_exit) <= weeks * 5
        by_pupil[p.student_id].append(p)
    for pupil_placements in by_pupil.values():
        for before, after in itertools.pairwise(pupil_placements):
            assert before.actual_exit < after.start_date
            assert after.previous_id == before.pk


def test_each_placement_has_its_reviews_register_work_and_follow_ups(school):
    _seed()
    for p in Placement.objects.all():
        reviews = list(Review.objects.filter(placement=p))
        assert reviews and all(r.held_on and r.held_on <= p.actual_exit for r in reviews)
        assert all(r.signed_off_at for r in reviews if r.kind in ("midpoint", "exit"))
        assert all(r.ratings.count() == 4 for r in reviews)
        if p.state == "completed":
            assert [r.kind for r in reviews][-1] == "exit"
            assert FollowUp.objects.filter(placement=p).count() == 2
        cells = PlanCell.objects.filter(placement=p)
        assert not cells.filter(date__gt=p.actual_exit).exists()
        in_room = cells.exclude(mode="class")
        marks = RegisterMark.objects.filter(placement=p)
        assert marks.count() == in_room.count() > 0
        assert WorkRequest.objects.filter(placement=p, status="returned").count() == marks.count()
        days = RegisterDay.objects.filter(placement=p).select_related("entry")
        assert {d.date for d in days} == set(marks.values_list("date", flat=True))
        assert all(d.entry.event_code == "room.register" for d in days)
        assert all(
            ChronologyLink.objects.filter(entry=d.entry, student=p.student).exists() for d in days
        )


def test_a_second_run_adds_nothing_and_the_command_reports_steps_and_rows(school):
    first = _seed()
    assert not first.skipped and {s.name for s in first.steps} >= {
        "plan placements",
        "seal the hash chains",
        "copy records_entry",
    }
    counts = row_counts()
    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("seed_bench_history", years=2, stdout=out)
    assert row_counts() == counts
    assert "History already there: nothing added." in out.getvalue()
    assert f"chronology links {counts['chronology links']:,}" in out.getvalue()


def test_history_placements_have_a_purpose_need_areas_and_the_rules_it_brings(school):
    _seed()
    placements = list(Placement.objects.select_related("referral"))
    assert {p.referral.purpose for p in placements} >= {"inclusion_support", "part_time"}
    for p in placements:
        assert p.referral.need_areas, p
        if p.referral.purpose == "part_time":
            assert p.start_date <= p.part_time_review < p.part_time_ends <= p.planned_exit
            assert p.part_time_agreed_on < p.start_date and p.part_time_agreed_by
        elif p.referral.purpose == "internal_suspension":
            assert p.suspension_decided_by_id and p.suspension_parents_told_on
        else:
            assert p.part_time_ends is None and p.suspension_decided_by_id is None


def test_the_copied_actions_are_open_exactly_while_they_have_no_completion(school):
    """COPY goes through the tables' triggers: each copied action gets its open-action
    marker and each copied completion takes its action's away (records.OpenAction)."""
    from records.models import Action, ActionCompletion, OpenAction

    _seed()
    done = set(ActionCompletion.objects.values_list("action_id", flat=True))
    every = set(Action.objects.values_list("pk", flat=True))
    assert done and every - done  # both kinds are there to compare
    assert set(OpenAction.objects.values_list("action_id", flat=True)) == every - done


def test_every_copy_runs_with_the_trigger_ignore_list_defined(school, monkeypatch):
    """Undefined, `pgtrigger.ignore` makes every django-pgtrigger trigger catch an error,
    and each caught error walks the transaction's pending trigger events: copying the
    bench school's 500,000 links that way is quadratic (devtools.bench_school.
    define_trigger_ignore_list). Every COPY must find it defined, and ignoring nothing."""
    from django.db import connection

    from devtools import bench_school

    seen = {}
    copy_rows = bench_school.copy_rows

    def recording(model, rows):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('pgtrigger.ignore', true)")
            seen[model._meta.db_table] = cursor.fetchone()[0]
        return copy_rows(model, rows)

    monkeypatch.setattr(bench_school, "copy_rows", recording)
    _seed()
    assert {"records_chronologylink", "records_action", "records_actioncompletion"} <= set(seen)
    assert set(seen.values()) == {"{}"}


@pytest.mark.django_db(transaction=True)
def test_bench_analyze_rewrites_the_open_actions_tables_a_bulk_load_churned(school):
    """The history's load sets every action open and then deletes the done ones' rows
    (as here, in bulk): the open actions' tables are left many times their rows' size.
    bench_analyze rewrites them (as the owner) to the size of the rows still there,
    which it keeps."""
    from records.models import OpenAction, OpenActionStudent

    def pages() -> dict[str, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, pg_relation_size(oid) / 8192 FROM pg_class "
                "WHERE relname IN ('records_openaction', 'records_openactionstudent')"
            )
            return dict(cursor.fetchall())

    coordinator = get_user_model().objects.get(email="coordinator@example.org")
    entry = record_entry(
        author=coordinator,
        students=[Student.objects.order_by("pk").first()],
        kind="concern",
        summary="Many steps",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO records_action (entry_id, description, assignee_id, due_on, "
            "created_at) SELECT %s, 'Step ' || n, %s, CURRENT_DATE, now() "
            "FROM generate_series(1, 3000) n",
            [entry.pk, coordinator.pk],
        )
        cursor.execute(
            "INSERT INTO records_actioncompletion (action_id, done_by_id, done_at, outcome) "
            "SELECT id, %s, now(), 'Done' FROM records_action WHERE entry_id = %s "
            "ORDER BY id LIMIT 2990",
            [coordinator.pk, entry.pk],
        )
    assert (OpenAction.objects.count(), OpenActionStudent.objects.count()) == (10, 10)
    before = pages()
    call_command("bench_analyze")
    after = pages()
    assert (OpenAction.objects.count(), OpenActionStudent.objects.count()) == (10, 10)
    for table, size in after.items():
        assert size * 4 < before[table], (table, before, after)
