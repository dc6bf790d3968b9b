"""The oversight figures, counted again here by another route on a school built in the test.

The school: 40 pupils on roll (12 with an EHC plan, 8 on SEN support, 20 with no SEN;
5 with no ethnicity recorded). In the academic year 2026/27 six of them are in the room
(3 of the 12 with EHC plans, 2 on SEN support, 1 with no SEN); in 2025/26 two were (one
of whom is placed again this year). The figures the tests expect are worked out from the
lists the school was built from, never from the selectors' own queries.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enigma.models import SchoolSettings, Student, Term
from oversight import periods
from oversight.selectors import figures
from oversight.suppression import Count, protect
from referrals.models import FollowUp, NeedArea, Placement, Purpose, Referral
from tests.factories import StudentFactory
from timetables.models import Mode, PlanCell, WorkRequest

D = dt.date
TODAY = D(2026, 12, 1)
LONDON = timezone.get_default_timezone()

TERMS = [
    ("Autumn 2025", D(2025, 9, 3), D(2025, 12, 19), D(2025, 10, 27), D(2025, 10, 31)),
    ("Spring 2026", D(2026, 1, 5), D(2026, 3, 27), D(2026, 2, 16), D(2026, 2, 20)),
    ("Summer 2026", D(2026, 4, 13), D(2026, 7, 22), D(2026, 5, 25), D(2026, 5, 29)),
    ("Autumn 2026", D(2026, 9, 2), D(2026, 12, 18), D(2026, 10, 26), D(2026, 10, 30)),
]


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, tzinfo=LONDON), tick=False):
        yield


@pytest.fixture
def calendar(db):
    for name, start, end, hs, he in TERMS:
        Term.objects.create(
            name=name, starts_on=start, ends_on=end, half_term_starts_on=hs, half_term_ends_on=he
        )


def weekdays(start: dt.date, end: dt.date, holidays=()) -> int:
    """School days counted by hand: weekdays not in a half-term."""
    n, day = 0, start
    while day <= end:
        if day.weekday() < 5 and not any(a <= day <= b for a, b in holidays):
            n += 1
        day += dt.timedelta(days=1)
    return n


def placement(student, *, referrer, approver, start, exit_, outcome, purpose, needs, when=None):
    submitted = timezone.make_aware(dt.datetime.combine(start - dt.timedelta(days=3), dt.time(9)))
    referral = Referral.objects.create(
        student=student,
        referrer=referrer,
        status=Referral.Status.APPROVED,
        reasons="Struggling despite support.",
        purpose=purpose,
        need_areas=needs,
        submitted_at=submitted,
        decided_at=submitted + dt.timedelta(days=2),
        decided_by=approver,
    )
    return Placement.objects.create(
        referral=referral,
        student=student,
        state=Placement.State.COMPLETED,
        approved_by=approver,
        approved_at=submitted + dt.timedelta(days=2),
        requested_start=start,
        start_date=start,
        planned_exit=exit_,
        latest_exit=exit_,
        actual_exit=exit_,
        outcome=outcome,
    )


def build_school(rita, dee, *, copies=1):
    """`copies` times the school described at the top; returns what was built."""
    built = {"ehcp": [], "support": [], "none": [], "placed_now": [], "placed_before": []}
    autumn = (D(2026, 9, 7), D(2026, 10, 16))  # six school weeks before half-term
    spring = (D(2026, 1, 12), D(2026, 2, 13))
    for _ in range(copies):
        placed = []
        ehcp = StudentFactory.create_batch(12, sen_status="E", ethnicity="WBRI", gender="M")
        support = StudentFactory.create_batch(8, sen_status="K", ethnicity="BCRB", eal=True)
        none = StudentFactory.create_batch(15, sen_status="N", ethnicity="AIND")
        none += StudentFactory.create_batch(5, sen_status="N", ethnicity="")
        built["ehcp"] += ehcp
        built["support"] += support
        built["none"] += none
        now = [*ehcp[:3], *support[:2], none[-1]]
        outcomes = ["full", "full", "partial", "full", "other_provision", "full"]
        for student, outcome in zip(now, outcomes, strict=True):
            p = placement(
                student,
                referrer=rita,
                approver=dee,
                start=autumn[0],
                exit_=autumn[1],
                outcome=outcome,
                purpose=Purpose.INCLUSION_SUPPORT,
                needs=[NeedArea.SEMH],
            )
            placed.append(p)
            FollowUp.objects.create(
                placement=p,
                weeks_after=2,
                due_on=D(2026, 11, 13),
                result="sustained",
                in_class_full_time=outcome == "full",
                suspended_or_excluded=outcome == "other_provision",
            )
        built["placed_now"] += now
        for student in (ehcp[0], none[0]):
            earlier = placement(
                student,
                referrer=rita,
                approver=dee,
                start=spring[0],
                exit_=spring[1],
                outcome="full",
                purpose=Purpose.PART_TIME,
                needs=[NeedArea.COGNITION, NeedArea.SEMH],
            )
            # ehcp[0] answered both questions; none[0]'s check predates them.
            asked = student == ehcp[0]
            FollowUp.objects.create(
                placement=earlier,
                weeks_after=2,
                due_on=D(2026, 3, 6),
                result="returned",
                in_class_full_time=False if asked else None,
                suspended_or_excluded=True if asked else None,
            )
            placed.append(earlier)
            built["placed_before"].append(student)
        lessons_and_work(placed[0], placed[-2], teacher=rita)
    return built


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def lessons_and_work(autumn, spring, *, teacher):
    """The plan, register and work of one placement this autumn and one last spring,
    counted by hand in test_reintegration_and_work_beside_a_year_earlier."""
    from timetables.models import RegisterMark

    p1 = _period()
    cells = [
        (autumn, D(2026, 9, 8), Mode.ROOM),  # week 1
        (autumn, D(2026, 9, 9), Mode.CLASS),  # week 1
        (autumn, D(2026, 9, 14), Mode.ROOM),  # week 2, spent in class instead
        (spring, D(2026, 1, 13), Mode.ROOM),  # week 1
        (spring, D(2026, 1, 14), Mode.ROOM),  # week 1
    ]
    for placement, day, mode in cells:
        PlanCell.objects.create(
            placement=placement, date=day, period=p1, mode=mode, subject="Maths"
        )
    RegisterMark.objects.create(
        placement=autumn,
        date=D(2026, 9, 14),
        period=p1,
        status=RegisterMark.Status.IN_CLASS,
        recorded_by=teacher,
    )
    S = WorkRequest.Status
    work = [
        (autumn, D(2026, 9, 8), "Maths", S.SET, _at(D(2026, 9, 10))),  # set in 2 days
        (autumn, D(2026, 9, 14), "English", S.REQUESTED, None),  # never set
        (spring, D(2026, 1, 13), "Maths", S.SET, _at(D(2026, 1, 14))),  # set in 1 day
        (spring, D(2026, 1, 14), "Maths", S.REQUESTED, None),  # never set
    ]
    for placement, day, subject, status, set_at in work:
        WorkRequest.objects.create(
            placement=placement,
            date=day,
            period=p1,
            subject=subject,
            teacher=teacher,
            status=status,
            requested_at=_at(day),
            set_at=set_at,
            set_by=teacher if set_at else None,
        )


def this_year():
    span = periods.for_year("2026/27")
    return span, periods.last_year(span)


def row(table, *labels):
    for r in table.rows:
        if [str(c) for c in r[: len(labels)]] == list(labels):
            return r
    raise AssertionError(f"no row {labels} in {table.key}: {[r[:2] for r in table.rows]}")


def test_ehcp_rate_and_ratio_match_a_count_by_hand(calendar, rita, dee):
    built = build_school(rita, dee)
    now, before = this_year()
    result = figures(now, before, today=TODAY, threshold=1)
    table = result.tables["disproportionality"]

    on_roll = len(built["ehcp"]) + len(built["support"]) + len(built["none"])
    placed = len(set(built["placed_now"]))
    ehcp_placed = len([s for s in built["placed_now"] if s in built["ehcp"]])
    assert (on_roll, placed, ehcp_placed) == (40, 6, 3)
    overall = placed * 100 / on_roll  # 15 per 100
    ehcp_rate = ehcp_placed * 100 / len(built["ehcp"])  # 3 of 12: 25 per 100

    everyone = row(table, "All pupils", "All pupils")
    assert (everyone[2].value, everyone[4].value, everyone[6].shown) == (40, 6, 15.0)
    ehcp = row(table, "Special educational needs", "EHC plan")
    assert ehcp[2].value == 12 and ehcp[4].value == 3
    assert ehcp[6].shown == ehcp_rate == 25.0
    assert ehcp[7].shown == round(ehcp_rate / overall, 2) == 1.67
    # Last year: one of the 12 placed (the spring placement), of 2 placed among 40.
    assert (ehcp[8].value, ehcp[9].shown, ehcp[10].shown) == (1, round(100 / 12, 1), 1.67)
    # A pupil with no ethnicity recorded is counted, not dropped.
    blank = [s for s in built["none"] if s.ethnicity == ""]
    not_recorded = row(table, "Ethnicity (major group)", "Not recorded")
    assert not_recorded[2].value == len(blank) == 5
    assert not_recorded[4].value == len([s for s in built["placed_now"] if s in blank]) == 1
    year = row(table, "Year group", "Year 9")
    assert year[2].value == 40


def test_placements_length_outcomes_and_follow_ups(calendar, rita, dee):
    build_school(rita, dee)
    now, before = this_year()
    result = figures(now, before, today=TODAY, threshold=1)
    placements = result.tables["placements"]
    assert [c.value for c in row(placements, "Completed")[1:]] == [6, 2]
    length = weekdays(D(2026, 9, 7), D(2026, 10, 16))
    assert length == 30
    assert row(placements, "Median length in school days (those that ended)")[1].shown == 30.0
    spring = weekdays(D(2026, 1, 12), D(2026, 2, 13), [(D(2026, 2, 16), D(2026, 2, 20))])
    assert row(placements, "Median length in school days (those that ended)")[2].shown == spring
    outcomes = result.tables["outcomes"]
    assert row(outcomes, "Fully back in lessons")[1].value == 4
    assert row(outcomes, "Partly back in lessons")[1].value == 1
    assert row(outcomes, "Other provision")[1].value == 1
    assert row(outcomes, "Placements that ended")[1:] == [Count(6, 1), Count(2, 1)]
    follow = result.tables["follow_ups"]
    assert row(follow, "2 school weeks after exit: Sustained")[1].value == 6

    # This autumn: 4 of the 6 fully back are in class full time, the partial and the
    # other-provision pupils are not; only the other-provision pupil was suspended.
    # Last spring: ehcp[0] answered no / yes, none[0]'s check was before the questions.
    # ehcp[0] was referred again (this autumn) after last spring's exit; nobody since autumn.
    def values(label):
        return [c.value for c in row(follow, label)[1:]]

    q = "2 school weeks after exit: "
    assert values(q + "back in class full time: yes") == [4, 0]
    assert values(q + "back in class full time: no") == [2, 1]
    assert values(q + "back in class full time: not asked") == [0, 1]
    assert values(q + "suspended or excluded since: yes") == [1, 1]
    assert values(q + "suspended or excluded since: no") == [5, 0]
    assert values(q + "suspended or excluded since: not asked") == [0, 1]
    assert values("Placements: suspended or excluded since exit, at any check") == [1, 1]
    assert values("Placements: not back in class full time at some check") == [2, 1]
    assert values("Placements: referred again since exit") == [0, 1]
    suspended = [p for p in result.placements if p["suspended_since"]]
    assert [p["outcome"] for p in suspended] == ["Other provision"]
    assert suspended[0]["follow_ups"] == [
        "2 weeks: Sustained (back in class full time: no; suspended or excluded since: yes)"
    ]
    purposes = result.tables["referrals_purpose"]
    assert row(purposes, "Inclusion support")[1:] == [Count(6, 1), Count(0, 1)]
    assert row(purposes, "Part-time timetable as part of reintegration")[2].value == 2
    needs = result.tables["referrals_need"]
    assert row(needs, "Social, emotional and mental health")[1:] == [Count(6, 1), Count(2, 1)]
    assert row(needs, "Cognition and learning")[1:] == [Count(0, 1), Count(2, 1)]
    source = result.tables["referrals_source"]
    assert row(source, "Referrer")[1:] == [Count(6, 1), Count(2, 1)]
    repeats = result.tables["repeats"]
    assert row(repeats, "of whom had a placement before the period")[1].value == 1
    decisions = result.tables["decisions"]
    assert row(decisions, "Median days from submission to decision")[1].shown == 2.0
    assert len(result.placements) == 6


def test_reintegration_and_work_beside_a_year_earlier(calendar, rita, dee):
    build_school(rita, dee)
    now, before = this_year()
    result = figures(now, before, today=TODAY, threshold=1)

    def values(table, label):
        return [getattr(c, "value", None) for c in row(result.tables[table], label)[1:]]

    def shown(table, label):
        return [str(c) for c in row(result.tables[table], label)[1:]]

    # Week 1: autumn has 2 lessons, 1 planned in class; spring 2 lessons, none in class.
    assert values("reintegration", "Week 1")[:3] == [1, 2, 1]
    assert shown("reintegration", "Week 1")[3:] == ["50%", "0", "50%", "1", "2", "0%", "0%"]
    # Week 2: autumn's one room lesson was spent in class; spring has no week 2.
    assert shown("reintegration", "Week 2") == [
        "1",
        "1",
        "0",
        "0%",
        "1",
        "100%",
        "0",
        "0",
        "–",
        "–",
    ]
    # Maths: autumn 1 lesson set in 2 days; spring 2 lessons, 1 set in 1 day.
    assert shown("work_department", "Maths") == ["1", "1", "100%", "2.0", "2", "1", "50%", "1.0"]
    assert values("work_department", "English")[:2] == [1, 0]
    assert shown("work_department", "All room lessons") == [
        "2",
        "1",
        "50%",
        "–",
        "2",
        "1",
        "50%",
        "–",
    ]
    assert values("work_teacher", str(rita))[0::4] == [2, 2]
    # Behind: lessons, set, past lessons with no work set, set but not done, each period.
    assert values("subjects_behind", "English") == [1, 0, 1, 0, 0, 0, 0, 0]
    assert values("subjects_behind", "Maths") == [1, 1, 0, 1, 2, 1, 1, 1]


def test_counts_below_the_threshold_are_hidden_and_at_it_shown(calendar, rita, dee):
    build_school(rita, dee)
    now, before = this_year()
    result = figures(now, before, today=TODAY, threshold=3)
    table = result.tables["disproportionality"]
    ehcp = row(table, "Special educational needs", "EHC plan")
    assert not ehcp[4].hidden and str(ehcp[4]) == "3"  # at the threshold: shown
    assert str(ehcp[6]) == "25.0"
    support = row(table, "Special educational needs", "SEN support")
    assert support[4].hidden and str(support[4]) == "fewer than 3"  # 2: below
    assert support[6].hidden and support[7].hidden  # its rate and ratio too
    assert str(support[7]) == "fewer than 3"
    # Last year's single EHCP placement is hidden, and so is its rate.
    assert ehcp[8].hidden and ehcp[9].hidden and ehcp[10].hidden


def test_a_lone_hidden_cell_hides_the_next_smallest_so_it_cannot_be_worked_back(
    calendar, rita, dee
):
    build_school(rita, dee)
    now, before = this_year()
    result = figures(now, before, today=TODAY, threshold=2)
    table = result.tables["disproportionality"]
    placed = [row(table, "Special educational needs", g)[4] for g in ("EHC plan", "SEN support")]
    no_sen = row(table, "Special educational needs", "No SEN recorded")[4]
    # 3, 2 and 1 of a total of 6 shown: the 1 is hidden, so the 2 must be as well.
    assert no_sen.hidden
    assert placed[1].hidden and not placed[0].hidden
    assert protect([Count.of(3, 2), Count.of(2, 2), Count.of(1, 2)]) == [
        Count(3, 2),
        Count(2, 2, True),
        Count(1, 2, True),
    ]


def test_the_csv_hides_the_same_cells(calendar, rita, dee, client_for):
    build_school(rita, dee)
    SchoolSettings.objects.update_or_create(singleton=True, defaults={"suppression_threshold": 3})
    response = client_for(dee).get(
        reverse("oversight:export", args=["disproportionality"]), {"period": "year:2026/27"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    by_group = {r[1]: r for r in rows[1:]}
    assert by_group["EHC plan"][4] == "3" and by_group["EHC plan"][6] == "25.0"
    assert by_group["SEN support"][4] == "fewer than 3"
    assert by_group["SEN support"][6] == "fewer than 3"
    assert "2" not in {by_group["SEN support"][4], by_group["No SEN recorded"][4]}


def test_the_csv_of_a_table_is_formula_safe(calendar, rita, dee, client_for):
    p = placement(
        StudentFactory(),
        referrer=rita,
        approver=dee,
        start=D(2026, 9, 7),
        exit_=D(2026, 10, 16),
        outcome="full",
        purpose="",
        needs=[],
    )
    PlanCell.objects.create(
        placement=p, date=D(2026, 9, 8), period=_period(), mode=Mode.ROOM, subject="=HYPERLINK(1)"
    )
    WorkRequest.objects.create(
        placement=p, date=D(2026, 9, 8), period=_period(), subject="=HYPERLINK(1)"
    )
    response = client_for(dee).get(
        reverse("oversight:export", args=["work_department"]), {"period": "year:2026/27"}
    )
    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK(1)" in body


def _period():
    from enigma.models import Period

    return Period.objects.get_or_create(
        name="P1", defaults={"starts_at": dt.time(9), "ends_at": dt.time(10)}
    )[0]


def test_an_unknown_table_is_404(calendar, client_for, dee):
    assert client_for(dee).get(reverse("oversight:export", args=["nope"])).status_code == 404


def test_query_count_does_not_grow_with_the_data(calendar, rita, dee, client_for):
    build_school(rita, dee, copies=1)
    SchoolSettings.load()  # made on first use: not part of what is measured
    now, before = this_year()
    with CaptureQueriesContext(connection) as small:
        figures(now, before, today=TODAY)
    client = client_for(dee)
    client.get(reverse("oversight:overview"))  # the session's once-a-minute save, not measured
    with CaptureQueriesContext(connection) as page_small:
        assert (
            client.get(reverse("oversight:overview"), {"period": "year:2026/27"}).status_code == 200
        )
    build_school(rita, dee, copies=9)
    assert Student.objects.count() == 400
    with CaptureQueriesContext(connection) as large:
        figures(now, before, today=TODAY)
    with CaptureQueriesContext(connection) as page_large:
        client.get(reverse("oversight:overview"), {"period": "year:2026/27"})
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]
    assert len(page_large) == len(page_small)


def test_the_page_report_and_case_summary_render(calendar, rita, dee, sam, client_for):
    build_school(rita, dee)
    client = client_for(sam)
    page = client.get(reverse("oversight:overview"), {"period": "year:2026/27"})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'role="img"' in text and "<title id=" in text
    assert "style=" not in text.split("<main", 1)[-1]
    one = Placement.objects.filter(actual_exit=D(2026, 10, 16)).first()
    # A surname no other word on the page shares (a factory's surname once matched the
    # printing person's, and the check failed on a page that named no pupil).
    Student.objects.filter(pk=one.student_id).update(legal_surname="Quillfeatherby")
    one.refresh_from_db()
    one.student.refresh_from_db()
    report = client.get(reverse("oversight:report"), {"period": "year:2026/27"})
    assert "Quillfeatherby" not in report.content.decode()
    # Listed one by one without names, outcomes would show the small numbers hidden.
    assert "Each placement that ended" not in report.content.decode()
    named = client.get(reverse("oversight:report"), {"period": "year:2026/27", "names": "on"})
    assert one.student.name in named.content.decode()
    assert "Each placement that ended" in named.content.decode()
    summary = client.get(reverse("oversight:case_summary", args=[one.pk]))
    assert summary.status_code == 200
    assert one.student.name in summary.content.decode()


def test_a_bad_range_is_told_next_to_the_field(calendar, client_for, dee):
    page = client_for(dee).get(
        reverse("oversight:overview"),
        {"period": "dates", "start": "2026-11-01", "end": "2026-10-01"},
    )
    assert page.status_code == 200
    assert "The last day must be on or after the first." in page.content.decode()


def test_a_case_summary_counts_restricted_entries_without_their_words(
    calendar, rita, dee, sam, dina, client_for
):
    from records.models import Category
    from records.services.entries import record_entry

    build_school(rita, dee)
    one = Placement.objects.filter(actual_exit=D(2026, 10, 16)).first()
    safeguarding, _ = Category.objects.get_or_create(
        name="Safeguarding", defaults={"restricted": True, "position": 10}
    )
    during = dt.datetime(2026, 9, 21, 11, tzinfo=LONDON)
    for summary, category in (
        ("Disclosure to the form tutor", safeguarding),
        ("Worried about a bruise", safeguarding),
        ("Settled well in maths", None),
    ):
        record_entry(
            author=dina,
            students=[one.student],
            kind="concern",
            category=category,
            summary=summary,
            account="Words only the DSL team reads.",
            occurred_at=during,
        )
    text = client_for(sam).get(reverse("oversight:case_summary", args=[one.pk])).content.decode()
    assert "2 restricted entries are not shown here" in text
    assert "Settled well in maths" in text
    assert "Disclosure to the form tutor" not in text and "bruise" not in text
    assert "Words only the DSL team reads." not in text


def test_a_hidden_ratio_draws_no_bar_and_a_hidden_count_only_an_outline():
    from oversight import charts
    from oversight.suppression import Number

    chart = charts.horizontal(
        "k",
        "Ratios",
        "Each group against all pupils.",
        [
            {"label": "Small group", "ratio": Number(None, 5, True, 2)},
            {"label": "Large group", "ratio": Number(1.5, 5, False, 2)},
        ],
        [("ratio", "chart__bar--ratio", "Ratio")],
        reference=1.0,
    )
    assert len(chart.bars) == 1 and "hidden" not in chart.bars[0]["cls"]
    assert "not shown: fewer than 5" in [t["text"] for t in chart.texts]
    counts = charts.horizontal(
        "c", "Counts", "Outcomes.", [{"label": "Full", "n": Count.of(2, 5)}], [("n", "x", "n")]
    )
    (outline,) = counts.bars
    assert "chart__bar--hidden" in outline["cls"]
    assert "fewer than 5" in [t["text"] for t in counts.texts]
    assert "2" not in [t["text"] for t in counts.texts]


def test_uses_of_force_and_late_cp_files_are_counted_once_each(calendar, rita, dee, cora, dina):
    """Three uses of force this year (one corrected: still one), one last year; three
    leavers with a child-protection file this year: one confirmed on the 3rd school day,
    one never sent and late, one closed as going another way; counted by hand."""
    from disclosure.models import ChildProtectionTransfer, LeavingClosed
    from records.models import Category, ForceRecord
    from records.services.entries import record_entry
    from records.services.force import ForceDetails, record_force

    def force(day, pupils, **extra):
        when = dt.datetime.combine(day, dt.time(11), LONDON)
        details = dict(  # noqa: C408
            occurred_at=when, place=ForceRecord.Place.CORRIDOR, place_detail="By the hall",
            summary="Held apart", before="A fight began", what_was_done="Guided apart",
            duration_minutes=2, parents_told=ForceRecord.ParentsTold.PHONE,
            parents_told_at=when + dt.timedelta(hours=1), staff=[cora],
            pupil_injuries="A graze; first aid given" if extra.get("pupil_injured") else "",
            staff_injuries="A bruise" if extra.get("staff_injured") else "",
        )  # fmt: skip
        details.update(extra)
        return record_force(by=cora, students=pupils, details=ForceDetails(**details))

    a, b, c, d = StudentFactory.create_batch(4)
    first = force(D(2026, 9, 15), [a, b], pupil_injured=True)
    record_force(
        by=cora,
        students=[],
        amends=first.entry,
        amendment_reason="Debrief held",
        details=ForceDetails(
            occurred_at=first.entry.occurred_at, place=ForceRecord.Place.CORRIDOR,
            place_detail="By the hall", summary="Held apart", before="A fight began",
            what_was_done="Guided apart", duration_minutes=2, pupil_injured=True,
            pupil_injuries="A graze; first aid given", staff=[cora],
            parents_told=ForceRecord.ParentsTold.PHONE,
            parents_told_at=first.parents_told_at,
            debrief_at=first.entry.occurred_at + dt.timedelta(days=1), debrief="Talked it over",
        ),
    )  # fmt: skip
    force(D(2026, 10, 5), [c], parents_told=ForceRecord.ParentsTold.NOT_YET, parents_told_at=None)
    force(D(2026, 11, 20), [a], staff_injured=True)
    force(D(2026, 3, 3), [d])  # last year

    safeguarding = Category.objects.get(name="Safeguarding")
    leavers = StudentFactory.create_batch(3, on_roll=False)
    for pupil, left in zip(leavers, (D(2026, 9, 18), D(2026, 10, 2), D(2026, 11, 6)), strict=True):
        pupil.left_on = left
        pupil.save()
        record_entry(author=dina, students=[pupil], kind="concern", category=safeguarding,
                     summary="A disclosure", account="In her words.")  # fmt: skip
    ChildProtectionTransfer.objects.create(
        student=leavers[0], left_on=D(2026, 9, 18), prepared_by=dina,
        state=ChildProtectionTransfer.State.CONFIRMED, recipient_email="dsl@next.example.org",
        confirmed_at=dt.datetime(2026, 9, 23, 15, tzinfo=LONDON),  # 3rd school day
    )  # fmt: skip
    LeavingClosed.objects.create(
        student=leavers[2], left_on=D(2026, 11, 6), reason=LeavingClosed.Reason.NO_NEXT_SCHOOL,
        detail="Home education; the local authority told", closed_by=dina,
    )  # fmt: skip

    now, before = this_year()
    result = figures(now, before, today=TODAY, threshold=1)
    force_table = result.tables["force"]
    assert [str(c) for c in row(force_table, "Uses of reasonable force")[1:]] == ["3", "1"]
    assert [str(c) for c in row(force_table, "Pupils involved")[1:]] == ["3", "1"]
    assert [str(c) for c in row(force_table, "A pupil was injured")[1:]] == ["1", "0"]
    assert [str(c) for c in row(force_table, "A member of staff was injured")[1:]] == ["1", "0"]
    assert [str(c) for c in row(force_table, "Parents or carers not yet told")[1:]] == ["1", "0"]
    assert [str(c) for c in row(force_table, "No debrief recorded")[1:]] == ["2", "1"]
    cp = result.tables["cp_transfers"]
    expected = {
        "Confirmed by the next school within 5 school days": "1",
        "Confirmed, but later": "0",
        "Not confirmed and late": "1",
        "Not confirmed, not yet due": "0",
        "Sent another way, or no next school": "1",
        "Total": "3",
    }
    for label, count in expected.items():
        assert str(row(cp, label)[1]) == count, label
    # At the school's threshold of 5 every count above is hidden (0 stays 0).
    hidden = figures(now, before, today=TODAY, threshold=5).tables["force"]
    assert str(row(hidden, "Uses of reasonable force")[1]) == "fewer than 5"


def _shown(result) -> dict:
    """Every cell of every table as the reader sees it, and the per-placement list."""
    shown = {
        key: [[(str(c), getattr(c, "hidden", None)) for c in r] for r in table.rows]
        for key, table in result.tables.items()
    }
    shown["placements"] = [(p["placement"].pk, p["days"], p["outcome"]) for p in result.placements]
    return shown


def test_older_history_changes_no_figure_and_a_day_ends_at_local_midnight(calendar, rita, dee):
    """The figures read only the two periods: years of older placements, lessons,
    register marks, work and referrals change nothing; a referral counts in the period
    of its day in London (BST included), to the minute either side of midnight."""
    from timetables.models import RegisterMark

    build_school(rita, dee)
    now, before = this_year()
    first = figures(now, before, today=TODAY, threshold=1)

    p1 = _period()
    for year in range(2017, 2025):
        # Pupils who have since left (on roll, they would change this year's roll).
        leavers = StudentFactory.create_batch(
            2, sen_status="E", on_roll=False, left_on=D(year, 7, 19)
        )
        for student in leavers:
            old = placement(
                student,
                referrer=rita,
                approver=dee,
                start=D(year, 1, 9),
                exit_=D(year, 2, 10),
                outcome="partial",
                purpose=Purpose.INCLUSION_SUPPORT,
                needs=[NeedArea.SEMH],
            )
            FollowUp.objects.create(
                placement=old, weeks_after=2, due_on=D(year, 2, 24), result="returned"
            )
            for day, mode in ((D(year, 1, 10), Mode.ROOM), (D(year, 1, 17), Mode.CLASS)):
                PlanCell.objects.create(
                    placement=old, date=day, period=p1, mode=mode, subject="Maths"
                )
                WorkRequest.objects.create(
                    placement=old, date=day, period=p1, subject="Maths", teacher=rita
                )
            RegisterMark.objects.create(
                placement=old,
                date=D(year, 1, 10),
                period=p1,
                status=RegisterMark.Status.IN_CLASS,
                recorded_by=rita,
            )
    assert _shown(figures(now, before, today=TODAY, threshold=1)) == _shown(first)

    # Last year ran from Wed 3 Sep 2025 to Wed 22 Jul 2026, both in British Summer Time.
    assert (before.start, before.end) == (D(2025, 9, 3), D(2026, 7, 22))
    student = StudentFactory()
    for when in (
        dt.datetime(2025, 9, 2, 23, 59, tzinfo=LONDON),  # the evening before: not counted
        dt.datetime(2025, 9, 3, 0, 1, tzinfo=LONDON),  # 23:01 on the 2nd in UTC: counted
        dt.datetime(2026, 7, 22, 23, 59, tzinfo=LONDON),  # counted
        dt.datetime(2026, 7, 23, 0, 1, tzinfo=LONDON),  # 23:01 on the 22nd in UTC: not
    ):
        Referral.objects.create(
            student=student,
            referrer=rita,
            status=Referral.Status.DECLINED,
            reasons="Struggling despite support.",
            purpose=Purpose.PART_TIME,
            need_areas=[NeedArea.COGNITION],
            submitted_at=when,
            decided_at=when,
            decided_by=dee,
            decision_reason="Needs met in class.",
        )
    result = figures(now, before, today=TODAY, threshold=1)
    purposes = result.tables["referrals_purpose"]
    assert row(purposes, "Part-time timetable as part of reintegration")[2].value == 2 + 2
    assert row(result.tables["referrals_need"], "Cognition and learning")[2].value == 2 + 2
    assert row(result.tables["decisions"], "Declined")[1:] == [Count(0, 1), Count(2, 1)]
    referred = {p["month"]: p["referred_before"].value for p in result.trend}
    assert referred[D(2026, 9, 1)] == 1  # September 2025: the one at 00:01 on the 3rd
