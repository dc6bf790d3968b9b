"""The interventions pages as the room team uses them: planning, the session register,
scores, closing, the impact report and its CSV, and their query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from enigma import registry
from enigma.capabilities import roles_with
from enigma.models import AuditEvent
from enigma.roles import ROOM_TEAM
from records.audit_actions import RecordsAction
from records.forms.interventions import InterventionForm
from records.models import Entry, Intervention, InterventionSession
from records.services.interventions import record_scores, record_session
from tests.db import queries
from tests.factories import InterventionFactory, LinkFactory, StudentFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
START = TODAY - dt.timedelta(days=60)


def plan(lead, *students, **kwargs) -> Intervention:
    kwargs.setdefault("starts_on", START)
    return InterventionFactory(lead=lead, students=list(students), **kwargs)


def hold(intervention, user, n=1, statuses=None):
    statuses = statuses or {}
    for i in range(n):
        record_session(
            intervention=intervention,
            user=user,
            held_on=intervention.starts_on + dt.timedelta(days=i),
            attendance={s.pk: statuses.get(s, "attended") for s in intervention.students.all()},
            notes=f"Session {i + 1}",
        )


def url(name, intervention=None, **kwargs) -> str:
    if intervention is not None:
        kwargs["intervention_pk"] = intervention.pk
    return reverse(f"records:{name}", kwargs=kwargs)


def plan_post(students, **overrides) -> dict:
    data = {
        "title": "Friendship group",
        "focus": "social_skills",
        "planned_sessions": "6",
        "schedule": "Wednesdays, lunchtime",
        "starts_on": START.isoformat(),
        "targets": "Join a game at break without adult help.",
        "measure_name": "Social skills checklist",
        "scale_min": "0",
        "scale_max": "20",
        "higher_is_better": "on",
        "students": [s.pk for s in students],
    }
    return data | overrides


# --- list -------------------------------------------------------------------------------


def test_the_list_shows_running_and_closed_interventions(client_for, cora):
    running = plan(cora, StudentFactory(), title="Running one")
    plan(cora, StudentFactory(), title="Closed one", closed_on=TODAY)
    client = client_for(cora)
    page = client.get(url("intervention_list"))
    assert list(page.context["interventions"]) == [running]
    assert page.context["interventions"][0].student_count == 1
    closed = client.get(url("intervention_list"), {"show": "closed"}).content.decode()
    assert "Closed one" in closed and "Running one" not in closed
    everything = client.get(url("intervention_list"), {"show": "all"}).context["interventions"]
    assert [i.title for i in everything] == ["Running one", "Closed one"]


def test_the_school_admin_reads_but_is_not_offered_changes(client_for, cora, ada):
    intervention = plan(cora, StudentFactory())
    client = client_for(ada)
    assert "Plan an intervention" not in client.get(url("intervention_list")).content.decode()
    detail = client.get(url("intervention_detail", intervention)).content.decode()
    assert "Record a session" not in detail and "Edit the plan" not in detail


# --- planning ---------------------------------------------------------------------------


def test_the_plan_form_starts_with_sensible_defaults(client_for, cora):
    form = client_for(cora).get(url("intervention_add")).context["form"]
    assert form["lead"].value() == cora.pk
    assert form["starts_on"].value() == TODAY
    assert form["planned_sessions"].value() == 6
    assert form["higher_is_better"].value() is True


def test_planning_an_intervention(client_for, sam):
    amy, ben = StudentFactory(), StudentFactory(year_group=7)
    response = client_for(sam).post(
        url("intervention_add"), plan_post([amy, ben], lead=str(sam.pk))
    )
    intervention = Intervention.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("intervention_detail", intervention)
    assert (intervention.created_by, intervention.lead) == (sam, sam)
    assert set(intervention.students.all()) == {amy, ben}


def test_a_plan_with_mistakes_keeps_what_was_typed(client_for, cora):
    amy = StudentFactory()
    response = client_for(cora).post(
        url("intervention_add"),
        plan_post([amy], lead=str(cora.pk), scale_min="10", scale_max="5", title="Keep me"),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"scale_max": ["The top of the scale must be above the bottom."]}
    html = response.content.decode()
    assert 'value="Keep me"' in html
    assert f'value="{amy.pk}" id="id_students_0" checked' in html
    assert not Intervention.objects.exists()


def test_only_students_on_roll_the_person_may_see_are_offered(tom):
    mine, left = StudentFactory(), StudentFactory(on_roll=False)
    StudentFactory()  # on roll, but not tom's
    LinkFactory(student=mine, staff=tom)
    LinkFactory(student=left, staff=tom)
    form = InterventionForm(user=tom)
    assert list(form.fields["students"].queryset) == [mine]


def test_an_unseen_or_off_roll_student_cannot_be_posted(client_for, cora):
    left = StudentFactory(on_roll=False)
    response = client_for(cora).post(url("intervention_add"), plan_post([left], lead=str(cora.pk)))
    assert "students" in response.context["form"].errors
    assert not Intervention.objects.exists()


def test_students_are_grouped_by_year_group(client_for, cora):
    StudentFactory(year_group=8, legal_surname="Young")
    StudentFactory(year_group=7, legal_surname="Zed")
    StudentFactory(year_group=7, legal_surname="Able")
    form = client_for(cora).get(url("intervention_add")).context["form"]
    groups = [
        (year, [b.choice_label.split(",")[0] for b in boxes])
        for year, boxes, _ in form.student_groups()
    ]
    assert groups == [(7, ["Able", "Zed"]), (8, ["Young"])]


def test_removing_a_student_with_session_records_is_explained(client_for, cora):
    amy, ben = StudentFactory(), StudentFactory()
    intervention = plan(cora, amy, ben)
    hold(intervention, cora)
    data = plan_post([amy], lead=str(cora.pk), title="Renamed")
    response = client_for(cora).post(url("intervention_edit", intervention), data)
    assert response.status_code == 200
    [message] = response.context["form"].errors["students"]
    assert ben.name in message and "stay on it" in message
    intervention.refresh_from_db()
    assert intervention.title != "Renamed"
    assert "Renamed" in response.content.decode()


def test_editing_the_plan(client_for, cora):
    amy, ben = StudentFactory(), StudentFactory()
    intervention = plan(cora, amy)
    client = client_for(cora)
    form = client.get(url("intervention_edit", intervention)).context["form"]
    assert form["students"].value() == [amy.pk]
    data = plan_post([amy, ben], lead=str(cora.pk), planned_sessions="8")
    response = client.post(url("intervention_edit", intervention), data)
    assert response.status_code == 302
    intervention.refresh_from_db()
    assert intervention.planned_sessions == 8
    assert set(intervention.students.all()) == {amy, ben}


# --- the session register --------------------------------------------------------------


def test_the_register_has_a_group_per_student_marked_attended(client_for, cora):
    amy, ben = StudentFactory(), StudentFactory()
    intervention = plan(cora, amy, ben)
    html = client_for(cora).get(url("intervention_session_add", intervention)).content.decode()
    for student in (amy, ben):
        assert f"<legend>{student.name}</legend>" in html
        radio = f'name="status_{student.pk}" value="attended" id="id_status_{student.pk}_0"'
        assert f"{radio} required checked" in html
        assert f'name="note_{student.pk}"' in html
    assert f'value="{TODAY.isoformat()}"' in html


def test_recording_a_session_from_the_register(client_for, dee):
    amy, ben = StudentFactory(), StudentFactory()
    intervention = plan(dee, amy, ben, title="Maths boost", focus="numeracy")
    response = client_for(dee).post(
        url("intervention_session_add", intervention),
        {
            "held_on": TODAY.isoformat(),
            f"status_{amy.pk}": "attended",
            f"status_{ben.pk}": "absent",
            f"note_{ben.pk}": "At a hospital appointment.",
            "notes": "Fractions with pizzas.",
        },
    )
    assert response.status_code == 302
    session = InterventionSession.objects.get()
    assert session.held_on == TODAY and session.recorded_by == dee
    assert session.attendance.get(student=ben).note == "At a hospital appointment."
    for student in (amy, ben):
        entry = Entry.objects.filter(links__student=student, kind="session").get()
        assert entry == session.attendance.get(student=student).entry
        assert entry.summary == "Numeracy: Maths boost, session 1 of 6"
        assert list(entry.students.all()) == [student]
    ben_entry = session.attendance.get(student=ben).entry
    assert ben_entry.account == (
        "Absent.\n\nNote: At a hospital appointment.\n\nSession notes: Fractions with pizzas."
    )
    assert amy.name not in ben_entry.account
    assert "hospital" not in session.attendance.get(student=amy).entry.account


def test_a_register_for_a_future_date_keeps_what_was_typed(client_for, cora):
    amy = StudentFactory()
    intervention = plan(cora, amy)
    tomorrow = TODAY + dt.timedelta(days=1)
    response = client_for(cora).post(
        url("intervention_session_add", intervention),
        {
            "held_on": tomorrow.isoformat(),
            f"status_{amy.pk}": "late",
            f"note_{amy.pk}": "Came from the library.",
            "notes": "Keep these notes.",
        },
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["held_on"]
    html = response.content.decode()
    assert "Keep these notes." in html and 'value="Came from the library."' in html
    assert f'value="late" id="id_status_{amy.pk}_1" required checked' in html
    assert not InterventionSession.objects.exists()


def test_a_register_that_misses_a_new_student_says_so(client_for, cora):
    amy, ben = StudentFactory(), StudentFactory()
    intervention = plan(cora, amy, ben)
    # As if ben was added after the register was opened: his row was not posted.
    response = client_for(cora).post(
        url("intervention_session_add", intervention),
        {"held_on": TODAY.isoformat(), f"status_{amy.pk}": "attended"},
    )
    assert response.status_code == 200
    assert f"status_{ben.pk}" in response.context["form"].errors
    assert not InterventionSession.objects.exists()


def test_a_session_page_shows_the_register(client_for, cora, ada):
    amy = StudentFactory()
    intervention = plan(cora, amy)
    hold(intervention, cora, statuses={amy: "late"})
    session = intervention.sessions.get()
    page = client_for(ada).get(
        url("intervention_session_detail", intervention, session_pk=session.pk)
    )
    html = page.content.decode()
    assert "Attended, late" in html
    entry = session.attendance.get(student=amy).entry
    assert f'href="{reverse("records:entry_detail", args=[entry.pk])}"' in html


def test_a_session_of_another_intervention_is_not_found(client_for, cora):
    one, other = plan(cora, StudentFactory()), plan(cora, StudentFactory())
    hold(other, cora)
    session = other.sessions.get()
    response = client_for(cora).get(url("intervention_session_detail", one, session_pk=session.pk))
    assert response.status_code == 404


# --- scores and closing ----------------------------------------------------------------


def test_scores_out_of_range_are_shown_next_to_the_field(client_for, cora):
    amy, ben = StudentFactory(), StudentFactory()
    intervention = plan(cora, amy, ben, scale_min=0, scale_max=10)
    response = client_for(cora).post(
        url("intervention_scores", intervention),
        {
            f"entry_{amy.pk}": "4",
            f"exit_{amy.pk}": "11",
            f"entry_{ben.pk}": "",
            f"exit_{ben.pk}": "",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {f"exit_{amy.pk}": ["Give a score from 0 to 10."]}
    assert 'value="11"' in response.content.decode()
    assert not intervention.memberships.filter(entry_score__isnull=False).exists()


def test_saving_scores(client_for, cora):
    amy = StudentFactory()
    intervention = plan(cora, amy, scale_min=0, scale_max=10)
    response = client_for(cora).post(
        url("intervention_scores", intervention), {f"entry_{amy.pk}": "4", f"exit_{amy.pk}": "7.5"}
    )
    assert response.status_code == 302
    m = intervention.memberships.get()
    assert (m.entry_score, m.exit_score) == (Decimal(4), Decimal("7.5"))


def test_closing_from_the_detail_page(client_for, cora):
    intervention = plan(cora, StudentFactory())
    client = client_for(cora)
    assert client.get(url("intervention_close", intervention)).status_code == 405
    future = (TODAY + dt.timedelta(days=3)).isoformat()
    response = client.post(url("intervention_close", intervention), {"closed_on": future})
    assert response.status_code == 400
    assert "closed_on" in response.context["close_form"].errors
    assert f'value="{future}"' in response.content.decode()
    response = client.post(
        url("intervention_close", intervention), {"closed_on": TODAY.isoformat()}
    )
    assert response.status_code == 302
    intervention.refresh_from_db()
    assert intervention.closed_on == TODAY
    detail = client.get(url("intervention_detail", intervention)).content.decode()
    assert "Record a session" not in detail


# --- impact ----------------------------------------------------------------------------


def test_the_impact_report(client_for, cora):
    amy, ben = StudentFactory(legal_surname="Adams"), StudentFactory(legal_surname="Bell")
    intervention = plan(cora, amy, ben, planned_sessions=4)
    hold(intervention, cora, 2, statuses={ben: "absent"})
    record_scores(
        intervention=intervention,
        user=cora,
        entry_scores={amy.pk: Decimal(80), ben.pk: Decimal(90)},
        exit_scores={amy.pk: Decimal(95), ben.pk: Decimal(85)},
    )
    html = client_for(cora).get(url("intervention_impact", intervention)).content.decode()
    assert "1 of 2 students with both scores made progress" in html
    assert "<td>+15</td>" in html and "<td>-5</td>" in html
    assert "2 of 2 (100%)" in html and "0 of 2 (0%)" in html


def test_the_impact_csv_is_audited_and_formula_safe(client_for, cora, ada):
    amy = StudentFactory(legal_forename="=cmd", preferred_forename="")
    intervention = plan(cora, amy, title='=HYPERLINK("x")', scale_min=0, scale_max=10)
    hold(intervention, cora, 3)
    record_scores(
        intervention=intervention,
        user=cora,
        entry_scores={amy.pk: Decimal(6)},
        exit_scores={amy.pk: Decimal(4)},
    )
    response = client_for(ada).get(url("intervention_impact_csv", intervention))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    [row] = list(csv.DictReader(io.StringIO(body)))
    assert row["Intervention"] == '\'=HYPERLINK("x")'
    assert row["Student"].startswith("'=cmd")
    assert row["UPN"] == amy.upn
    # The shared CSV helper may quote a leading minus sign; the value is still -2.
    assert row["Change (positive is progress)"].lstrip("'") == "-2.00"
    assert (row["Sessions attended"], row["Sessions held while on it"]) == ("3", "3")
    event = AuditEvent.objects.get(action=RecordsAction.INTERVENTION_EXPORTED)
    assert (event.actor, event.object_id, event.data) == (ada, str(intervention.pk), {"rows": 1})


# --- navigation ------------------------------------------------------------------------


def test_the_navigation_link_marks_every_interventions_page(client_for, cora):
    intervention = plan(cora, StudentFactory())
    hold(intervention, cora)
    session = intervention.sessions.get()
    client = client_for(cora)
    link = f'<a href="{url("intervention_list")}" aria-current="page">Interventions</a>'
    for page in (
        url("intervention_list"),
        url("intervention_detail", intervention),
        url("intervention_session_add", intervention),
        url("intervention_session_detail", intervention, session_pk=session.pk),
        url("intervention_impact", intervention),
    ):
        assert link in client.get(page).content.decode(), page
    shown_to = {
        link.url_name: roles_with(link.capability) for link in registry.collected().nav_links
    }
    assert shown_to["records:intervention_list"] == ROOM_TEAM


# --- query counts ----------------------------------------------------------------------


def test_the_list_runs_the_same_queries_for_5_or_50_interventions(client_for, cora):
    client = client_for(cora)

    def grow(n):
        for _ in range(n):
            intervention = plan(cora, StudentFactory(), StudentFactory())
            hold(intervention, cora)

    grow(5)
    small = queries(client, url("intervention_list"), {"show": "all"})
    grow(45)
    assert queries(client, url("intervention_list"), {"show": "all"}) == small


@pytest.mark.parametrize("page", ["intervention_detail", "intervention_impact"])
def test_detail_and_impact_run_the_same_queries_for_2_or_20_sessions(client_for, cora, page):
    client = client_for(cora)
    students = [StudentFactory() for _ in range(3)]
    few, many = plan(cora, *students), plan(cora, *students)
    hold(few, cora, 2)
    hold(many, cora, 20, statuses={students[0]: "late", students[1]: "absent"})
    assert queries(client, url(page, many)) == queries(client, url(page, few))


def test_a_session_page_runs_the_same_queries_for_1_or_8_students(client_for, cora):
    client = client_for(cora)
    few, many = plan(cora, StudentFactory()), plan(cora, *[StudentFactory() for _ in range(8)])
    hold(few, cora)
    hold(many, cora)
    pages = [
        url("intervention_session_detail", i, session_pk=i.sessions.get().pk) for i in (few, many)
    ]
    assert queries(client, pages[1]) == queries(client, pages[0])
