"""Interventions: planning, the session register, scores, closing and the impact figures.

Each session is recorded once, numbered under a lock, and gives every member an entry
of their own in their chronology, naming no other student; the session and attendance
rows are append-only like the chronology.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from records.models import (
    Entry,
    Intervention,
    InterventionSession,
    InterventionStudent,
    SessionAttendance,
)
from records.selectors import chronology as selectors
from records.selectors import interventions as reads
from records.services.interventions import (
    intervention_close,
    intervention_create,
    intervention_update,
    record_scores,
    record_session,
)
from tests.db import refused
from tests.factories import InterventionFactory, LinkFactory, StudentFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
START = TODAY - dt.timedelta(days=60)


def plan(lead, *students, **kwargs) -> Intervention:
    kwargs.setdefault("starts_on", START)
    return InterventionFactory(lead=lead, students=list(students), **kwargs)


def register(intervention, user, statuses=None, *, held_on=None, **kwargs):
    """Record a session; everyone attended unless `statuses` (student -> status) says."""
    statuses = statuses or {}
    attendance = {s.pk: statuses.get(s, "attended") for s in intervention.students.all()}
    return record_session(
        intervention=intervention,
        user=user,
        held_on=held_on or intervention.starts_on,
        attendance=attendance,
        **kwargs,
    )


def plan_fields(lead, **overrides) -> dict:
    fields = {
        "title": "Reading catch-up",
        "focus": "literacy",
        "lead": lead,
        "planned_sessions": 6,
        "schedule": "Tuesdays and Thursdays, period 2",
        "starts_on": START,
        "targets": "Read a Year 7 text aloud.",
        "measure_name": "Reading age (months)",
        "scale_min": Decimal(60),
        "scale_max": Decimal(200),
        "higher_is_better": True,
    }
    return fields | overrides


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


# --- recording a session ------------------------------------------------------------------


def session_entry(session, student) -> Entry:
    """The entry a session put into one student's chronology."""
    return session.attendance.get(student=student).entry


def test_a_session_gives_each_member_an_entry_of_their_own(cora):
    amy, ben, cal = StudentFactory(), StudentFactory(), StudentFactory()
    intervention = plan(cora, amy, ben, cal, title="Reading catch-up")
    session = register(
        intervention,
        cora,
        {ben: "late", cal: "absent"},
        notes="Worked on decoding.",
        student_notes={ben.pk: "Arrived from PE."},
    )
    assert session.number == 1
    entries = {}
    for student in (amy, ben, cal):
        [entry] = Entry.objects.filter(links__student=student, kind="session")
        assert entry == session_entry(session, student)
        assert list(entry.students.all()) == [student]
        assert entry.summary == "Literacy: Reading catch-up, session 1 of 6"
        assert entry.author == cora
        assert entry.recorded_at == session.recorded_at
        entries[student] = entry
    assert entries[amy].account == "Attended.\n\nSession notes: Worked on decoding."
    assert entries[ben].account == (
        "Attended, late.\n\nNote: Arrived from PE.\n\nSession notes: Worked on decoding."
    )
    assert entries[cal].account == "Absent.\n\nSession notes: Worked on decoding."
    statuses = {a.student: a.status for a in session.attendance.all()}
    assert statuses == {amy: "attended", ben: "late", cal: "absent"}
    assert session.attendance.get(student=ben).note == "Arrived from PE."
    assert selectors.chain_breaks() == (3, [])


def test_a_session_without_notes_says_only_who_came(cora):
    amy = StudentFactory()
    intervention = plan(cora, amy)
    session = register(intervention, cora, notes="  ", student_notes={amy.pk: " "})
    assert session_entry(session, amy).account == "Attended."


def test_no_students_entry_holds_another_students_name_or_note(cora):
    """A student's chronology is their record, disclosed to them and their family: it
    must not hold anything about another child on the same intervention."""
    amy = StudentFactory(legal_forename="Amelia", legal_surname="Zebedee")
    ben = StudentFactory(
        legal_forename="Benedict", legal_surname="Quillfeather", preferred_forename="Benny"
    )
    intervention = plan(cora, amy, ben, title="Friendship group", focus="social_skills")
    notes = {amy.pk: "Spoke about her dad moving out.", ben.pk: "Upset after lunch."}
    for number in range(2):
        register(
            intervention,
            cora,
            {ben: "late"},
            held_on=START + dt.timedelta(days=number),
            notes=f"Turn-taking game {number}.",
            student_notes=notes,
        )
    for student, other in ((amy, ben), (ben, amy)):
        entries = list(
            Entry.objects.filter(links__student=student, kind="session").order_by("occurred_at")
        )
        # One entry per session for each student, and each in no one else's file.
        assert len(entries) == 2
        for number, entry in enumerate(entries):
            assert list(entry.links.values_list("student", flat=True)) == [student.pk]
            text = f"{entry.summary}\n{entry.account}"
            assert notes[student.pk] in text
            assert f"Turn-taking game {number}." in text
            assert notes[other.pk] not in text
            for name in (other.forename, other.legal_forename, other.legal_surname):
                assert name not in text
    for entry in Entry.objects.filter(kind="session"):
        assert entry.links.count() == 1
    assert SessionAttendance.objects.values("entry").distinct().count() == 4
    assert selectors.chain_breaks() == (4, [])


def test_a_session_is_placed_at_midday_on_the_day_it_was_held(cora):
    amy = StudentFactory()
    intervention = plan(cora, amy)
    session = register(intervention, cora, held_on=START + dt.timedelta(days=2))
    occurred = timezone.localtime(session_entry(session, amy).occurred_at)
    assert (occurred.date(), occurred.time()) == (START + dt.timedelta(days=2), dt.time(12))
    today = session_entry(register(intervention, cora, held_on=TODAY), amy)
    assert today.occurred_at <= today.recorded_at


def test_sessions_are_numbered_one_after_another(cora, sam):
    amy = StudentFactory()
    intervention = plan(cora, amy, title="Calm corner", focus="emotional_regulation")
    numbers = [register(intervention, user).number for user in (cora, sam, cora)]
    assert numbers == [1, 2, 3]
    last = InterventionSession.objects.get(intervention=intervention, number=3)
    assert session_entry(last, amy).summary == "Emotional regulation: Calm corner, session 3 of 6"


def test_a_session_beyond_the_plan_says_how_many_were_planned(cora):
    amy = StudentFactory()
    intervention = plan(cora, amy, title="Check-in", planned_sessions=1)
    register(intervention, cora)
    extra = register(intervention, cora)
    assert session_entry(extra, amy).summary.endswith("Check-in, session 2 (1 planned)")


@pytest.mark.parametrize(
    "change",
    ["missing", "extra", "stranger", "bad status"],
)
def test_attendance_must_cover_exactly_the_students_on_it(cora, change):
    amy, ben, outsider = StudentFactory(), StudentFactory(), StudentFactory()
    intervention = plan(cora, amy, ben)
    attendance = {amy.pk: "attended", ben.pk: "attended"}
    if change == "missing":
        del attendance[ben.pk]
    elif change == "extra":
        attendance[outsider.pk] = "attended"
    elif change == "stranger":
        attendance = {amy.pk: "attended", outsider.pk: "attended"}
    else:
        attendance[ben.pk] = "asleep"
    with pytest.raises(ValidationError) as excinfo:
        record_session(intervention=intervention, user=cora, held_on=START, attendance=attendance)
    assert set(errors_of(excinfo)) == {"attendance"}
    assert not InterventionSession.objects.exists()
    assert not Entry.objects.exists()


def test_an_intervention_with_no_students_records_no_session(cora):
    intervention = plan(cora)
    with pytest.raises(ValidationError) as excinfo:
        record_session(intervention=intervention, user=cora, held_on=START, attendance={})
    assert "attendance" in errors_of(excinfo)


def test_a_session_in_the_future_is_refused(cora):
    amy = StudentFactory()
    intervention = plan(cora, amy)
    with pytest.raises(ValidationError) as excinfo:
        register(intervention, cora, held_on=TODAY + dt.timedelta(days=1))
    assert "future" in errors_of(excinfo)["held_on"][0]
    assert not Entry.objects.exists()


def test_a_session_before_the_start_is_refused(cora):
    amy = StudentFactory()
    intervention = plan(cora, amy)
    with pytest.raises(ValidationError) as excinfo:
        register(intervention, cora, held_on=START - dt.timedelta(days=1))
    assert set(errors_of(excinfo)) == {"held_on"}


def test_a_closed_intervention_takes_no_more_sessions(cora):
    amy = StudentFactory()
    intervention = plan(cora, amy)
    intervention_close(intervention=intervention, user=cora, closed_on=TODAY)
    with pytest.raises(ValidationError) as excinfo:
        register(intervention, cora, held_on=TODAY)
    assert "closed" in errors_of(excinfo)[NON_FIELD_ERRORS][0]
    assert not InterventionSession.objects.exists()


def test_notes_only_for_students_on_it(cora):
    amy, outsider = StudentFactory(), StudentFactory()
    intervention = plan(cora, amy)
    with pytest.raises(ValidationError) as excinfo:
        register(intervention, cora, student_notes={outsider.pk: "Not here"})
    assert set(errors_of(excinfo)) == {"student_notes"}


def test_session_and_attendance_rows_cannot_be_changed_or_deleted(cora):
    amy = StudentFactory()
    intervention = plan(cora, amy)
    session = register(intervention, cora, notes="As it happened")
    attendance = session.attendance.get()
    session.notes = "Rewritten"
    with pytest.raises(TypeError):
        session.save()
    with pytest.raises(TypeError):
        session.delete()
    attendance.status = "absent"
    with pytest.raises(TypeError):
        attendance.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        InterventionSession.objects.filter(pk=session.pk).update(notes="Rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        SessionAttendance.objects.filter(pk=attendance.pk).update(status="absent")
    for model, pk in ((InterventionSession, session.pk), (SessionAttendance, attendance.pk)):
        table = model._meta.db_table
        assert refused(f"DELETE FROM {table} WHERE id = %s", [pk])  # noqa: S608
    session.refresh_from_db()
    attendance.refresh_from_db()
    assert (session.notes, attendance.status) == ("As it happened", "attended")


@pytest.mark.django_db(transaction=True)
def test_two_registers_saved_at_once_never_share_a_number(cora, sam):
    amy, ben = StudentFactory(), StudentFactory()
    intervention = plan(cora, amy, ben)
    ready = threading.Barrier(2)
    errors: list[BaseException] = []

    def record(user):
        try:
            ready.wait(timeout=10)
            for _ in range(5):
                register(Intervention.objects.get(pk=intervention.pk), user)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=record, args=(user,)) for user in (cora, sam)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    numbers = sorted(intervention.sessions.values_list("number", flat=True))
    assert numbers == list(range(1, 11))
    # An entry per student per session, each in one chronology.
    assert Entry.objects.filter(kind="session").count() == 20
    assert selectors.chain_breaks() == (20, [])


# --- planning and who is on it -----------------------------------------------------------


def test_planning_an_intervention_puts_the_students_on_it(cora):
    amy, ben = StudentFactory(), StudentFactory()
    intervention = intervention_create(user=cora, students=[amy, ben], **plan_fields(cora))
    assert intervention.created_by == cora
    assert set(intervention.students.all()) == {amy, ben}


def test_a_student_the_person_cannot_see_cannot_be_added(tom):
    mine, not_mine = StudentFactory(), StudentFactory()
    LinkFactory(student=mine, staff=tom)
    with pytest.raises(ValidationError) as excinfo:
        intervention_create(user=tom, students=[mine, not_mine], **plan_fields(tom))
    assert set(errors_of(excinfo)) == {"students"}
    assert not Intervention.objects.exists()
    intervention = intervention_create(user=tom, students=[mine], **plan_fields(tom))
    with pytest.raises(ValidationError):
        intervention_update(intervention=intervention, user=tom, students=[mine, not_mine])
    assert list(intervention.students.all()) == [mine]


def test_a_student_off_roll_cannot_be_added(cora):
    left = StudentFactory(on_roll=False)
    with pytest.raises(ValidationError) as excinfo:
        intervention_create(user=cora, students=[left], **plan_fields(cora))
    assert "students" in errors_of(excinfo)


def test_a_plan_needs_students_a_real_scale_and_at_least_one_session(cora):
    with pytest.raises(ValidationError) as excinfo:
        intervention_create(
            user=cora,
            students=[],
            **plan_fields(cora, scale_min=Decimal(5), scale_max=Decimal(5), planned_sessions=0),
        )
    assert set(errors_of(excinfo)) == {"students", "scale_max", "planned_sessions"}


def test_the_plan_can_be_changed_and_students_added(cora):
    amy, ben = StudentFactory(), StudentFactory()
    intervention = plan(cora, amy)
    intervention_update(
        intervention=intervention,
        user=cora,
        students=[amy, ben],
        schedule="Mondays, period 1",
        planned_sessions=8,
    )
    intervention.refresh_from_db()
    assert (intervention.schedule, intervention.planned_sessions) == ("Mondays, period 1", 8)
    assert set(intervention.students.all()) == {amy, ben}


def test_a_student_without_session_records_can_be_taken_off(cora):
    amy, ben = StudentFactory(), StudentFactory()
    intervention = plan(cora, amy, ben)
    intervention_update(intervention=intervention, user=cora, students=[amy])
    assert list(intervention.students.all()) == [amy]


def test_a_student_with_session_records_stays_on(cora):
    amy, ben = StudentFactory(), StudentFactory()
    intervention = plan(cora, amy, ben)
    register(intervention, cora, {ben: "absent"})
    with pytest.raises(ValidationError) as excinfo:
        intervention_update(intervention=intervention, user=cora, students=[amy], title="New")
    message = errors_of(excinfo)["students"][0]
    assert ben.name in message and "session records" in message
    intervention.refresh_from_db()
    assert intervention.title != "New"  # nothing half saved
    assert InterventionStudent.objects.filter(intervention=intervention).count() == 2


def test_no_one_new_joins_a_closed_intervention(cora):
    amy, ben = StudentFactory(), StudentFactory()
    intervention = plan(cora, amy)
    intervention_close(intervention=intervention, user=cora)
    with pytest.raises(ValidationError) as excinfo:
        intervention_update(intervention=intervention, user=cora, students=[amy, ben])
    assert "closed" in errors_of(excinfo)["students"][0]


def test_the_start_cannot_move_after_a_session(cora):
    amy = StudentFactory()
    intervention = plan(cora, amy)
    register(intervention, cora, held_on=START + dt.timedelta(days=3))
    with pytest.raises(ValidationError) as excinfo:
        intervention_update(
            intervention=intervention, user=cora, starts_on=START + dt.timedelta(days=4)
        )
    assert set(errors_of(excinfo)) == {"starts_on"}


def test_the_scale_cannot_shrink_past_recorded_scores(cora):
    amy = StudentFactory()
    intervention = plan(cora, amy)
    record_scores(intervention=intervention, user=cora, entry_scores={amy.pk: Decimal(150)})
    with pytest.raises(ValidationError) as excinfo:
        intervention_update(intervention=intervention, user=cora, scale_max=Decimal(100))
    assert amy.name in errors_of(excinfo)["scale_max"][0]


# --- scores -------------------------------------------------------------------------------


def test_scores_within_the_scale_are_recorded(cora):
    amy, ben = StudentFactory(), StudentFactory()
    intervention = plan(cora, amy, ben)  # scale 60 to 200
    record_scores(
        intervention=intervention,
        user=cora,
        entry_scores={amy.pk: Decimal(60), ben.pk: Decimal("98.5")},
        exit_scores={amy.pk: Decimal(200), ben.pk: None},
    )
    scores = {m.student: (m.entry_score, m.exit_score) for m in intervention.memberships.all()}
    assert scores == {amy: (Decimal(60), Decimal(200)), ben: (Decimal("98.5"), None)}


@pytest.mark.parametrize("score", [Decimal("59.99"), Decimal("200.01"), Decimal(-1)])
def test_scores_outside_the_scale_are_refused(cora, score):
    amy, ben = StudentFactory(), StudentFactory()
    intervention = plan(cora, amy, ben)
    with pytest.raises(ValidationError) as excinfo:
        record_scores(
            intervention=intervention,
            user=cora,
            entry_scores={ben.pk: Decimal(100)},
            exit_scores={amy.pk: score},
        )
    assert errors_of(excinfo) == {f"exit_{amy.pk}": ["Give a score from 60 to 200."]}
    assert not intervention.memberships.filter(entry_score__isnull=False).exists()


def test_scores_only_for_students_on_it(cora):
    amy, outsider = StudentFactory(), StudentFactory()
    intervention = plan(cora, amy)
    with pytest.raises(ValidationError):
        record_scores(
            intervention=intervention, user=cora, entry_scores={outsider.pk: Decimal(100)}
        )


# --- closing ------------------------------------------------------------------------------


def test_closing(cora):
    amy = StudentFactory()
    intervention = plan(cora, amy)
    register(intervention, cora, held_on=START + dt.timedelta(days=5))
    with pytest.raises(ValidationError) as excinfo:
        intervention_close(
            intervention=intervention, user=cora, closed_on=START + dt.timedelta(days=4)
        )
    assert "last session" in errors_of(excinfo)["closed_on"][0]
    with pytest.raises(ValidationError) as excinfo:
        intervention_close(
            intervention=intervention, user=cora, closed_on=TODAY + dt.timedelta(days=1)
        )
    assert set(errors_of(excinfo)) == {"closed_on"}
    intervention_close(intervention=intervention, user=cora)
    intervention.refresh_from_db()
    assert intervention.closed_on == TODAY
    with pytest.raises(ValidationError) as excinfo:
        intervention_close(intervention=intervention, user=cora)
    assert "already closed" in errors_of(excinfo)[NON_FIELD_ERRORS][0]


# --- impact -------------------------------------------------------------------------------


def test_impact_per_student(cora):
    amy, ben, cal, dan = (
        StudentFactory(legal_surname=n) for n in ("Adams", "Bell", "Cole", "Dunn")
    )
    intervention = plan(cora, amy, ben, cal, planned_sessions=4)
    register(intervention, cora, held_on=START)
    register(intervention, cora, {amy: "late", ben: "absent"}, held_on=START)
    intervention_update(intervention=intervention, user=cora, students=[amy, ben, cal, dan])
    register(intervention, cora, {ben: "absent", dan: "late"}, held_on=START)
    record_scores(
        intervention=intervention,
        user=cora,
        entry_scores={amy.pk: Decimal(80), ben.pk: Decimal(90), cal.pk: Decimal(100)},
        exit_scores={amy.pk: Decimal(95), ben.pk: Decimal(85)},
    )
    report = reads.impact(cora, intervention)
    rows = {r.student: r for r in report.rows}
    assert [r.student for r in report.rows] == [amy, ben, cal, dan]
    assert report.session_numbers == [1, 2, 3]
    figures = {
        s: (r.entry_score, r.exit_score, r.change, r.attended, r.late, r.held, r.planned)
        for s, r in rows.items()
    }
    assert figures == {
        amy: (Decimal(80), Decimal(95), Decimal(15), 3, 1, 3, 4),
        ben: (Decimal(90), Decimal(85), Decimal(-5), 1, 0, 3, 4),
        cal: (Decimal(100), None, None, 3, 0, 3, 4),
        dan: (None, None, None, 1, 1, 1, 4),
    }
    assert rows[dan].by_session == ["", "", "late"]
    assert rows[ben].attendance_percent == 33
    assert (report.progressed, len(report.scored), report.mean_change) == (1, 2, Decimal("5.00"))


def test_progress_is_positive_when_a_lower_score_is_better(cora):
    amy, ben = StudentFactory(), StudentFactory()
    intervention = plan(
        cora,
        amy,
        ben,
        measure_name="Worry scale",
        scale_min=0,
        scale_max=10,
        higher_is_better=False,
    )
    record_scores(
        intervention=intervention,
        user=cora,
        entry_scores={amy.pk: Decimal(8), ben.pk: Decimal(3)},
        exit_scores={amy.pk: Decimal(3), ben.pk: Decimal(4)},
    )
    rows = {r.student: r for r in reads.impact(cora, intervention).rows}
    assert (rows[amy].change, rows[ben].change) == (Decimal(5), Decimal(-1))
