"""Use of reasonable force: recorded in each involved pupil's file, append-only, read
only by the coordinator, the DSL team and the deputy head (after a fresh second factor),
and shown to everyone else at most as "a restricted entry is here"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from enigma.models import AuditEvent
from records.audit_actions import RecordsAction
from records.models import Entry, ForceRecord, ForceRecordStaff
from records.selectors.force import current_force_records
from records.services.entries import amend_entry
from records.services.force import ForceDetails, record_force
from tests.conftest import PERSONAS, pass_second_factor
from tests.db import refused
from tests.factories import LinkFactory, StudentFactory
from tests.test_role_matrix import POST_ONLY, kwargs_for, project_patterns

pytestmark = pytest.mark.django_db

SECRET = "FORCESECRET"
READERS = ("cora", "dee", "dina")
OTHERS = [p for p in PERSONAS if p not in READERS]


def _details(**overrides) -> ForceDetails:
    happened = timezone.now() - dt.timedelta(hours=3)
    fields = dict(  # noqa: C408
        occurred_at=happened,
        place=ForceRecord.Place.CORRIDOR,
        place_detail=f"{SECRET}-place",
        summary=f"{SECRET}-summary",
        before=f"{SECRET}-before",
        what_was_done=f"{SECRET}-done",
        duration_minutes=3,
        staff=[],
        pupil_injured=True,
        pupil_injuries=f"{SECRET}-pupil-injury",
        staff_injured=False,
        parents_told=ForceRecord.ParentsTold.PHONE,
        parents_told_at=happened + dt.timedelta(hours=1),
        parents_told_detail=f"{SECRET}-parents",
    )
    fields.update(overrides)
    return ForceDetails(**fields)


@pytest.fixture
def force(personas):
    """Two pupils held apart in the corridor, linked to every persona so only the
    restriction stands in the way; recorded by the coordinator, debrief added later."""
    pupils = [StudentFactory(), StudentFactory()]
    for pupil in pupils:
        for name in PERSONAS:
            LinkFactory(student=pupil, staff=personas[name])
    cora, dee = personas["cora"], personas["dee"]
    first = record_force(by=cora, students=pupils, details=_details(staff=[cora, dee]))
    debrief = record_force(
        by=dee,
        students=[],
        details=_details(
            staff=[cora, dee],
            debrief_at=timezone.now() - dt.timedelta(minutes=30),
            debrief=f"{SECRET}-debrief",
        ),
        amends=first.entry,
        amendment_reason=f"{SECRET}-reason",
    )
    return {"pupils": pupils, "first": first, "debrief": debrief}


def _body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def test_a_use_of_force_sits_in_each_pupils_chronology_restricted(force):
    entry = force["first"].entry
    assert entry.kind == Entry.Kind.FORCE and entry.restricted
    assert {link.student_id for link in entry.links.all()} == {p.pk for p in force["pupils"]}
    correction = force["debrief"].entry
    assert correction.amends_id == entry.pk and correction.restricted
    assert {link.student_id for link in correction.links.all()} == {p.pk for p in force["pupils"]}
    # The narrative is sealed in the entry; the structured row holds no words.
    for part in ("place", "before", "done", "pupil-injury", "parents"):
        assert f"{SECRET}-{part}" in entry.account
    assert f"{SECRET}-debrief" in correction.account
    assert set(force["first"].staff_links.values_list("user__username", flat=True)) == {
        "cora",
        "dee",
    }
    # Counted once, as it stands.
    assert list(current_force_records()) == [force["debrief"]]


def test_force_records_refuse_update_and_delete(force):
    """Refused to the application's role; the triggers refuse the owner too (rows:
    tests/test_database_roles.py walks every append-only model, these included)."""
    record = force["first"]
    for statement in (
        "UPDATE records_forcerecord SET duration_minutes = 99 WHERE id = %s",
        "DELETE FROM records_forcerecord WHERE id = %s",
        "UPDATE records_forcerecordstaff SET user_id = user_id WHERE force_record_id = %s",
        "DELETE FROM records_forcerecordstaff WHERE force_record_id = %s",
    ):
        assert refused(statement, [record.pk]), statement
    assert ForceRecord.objects.get(pk=record.pk).duration_minutes == 3


def test_a_force_record_is_not_corrected_through_the_ordinary_form(force, personas):
    with pytest.raises(ValidationError):
        amend_entry(
            author=personas["dina"],
            original=force["debrief"].entry,
            reason="x",
            summary="x",
            account="x",
        )


@pytest.mark.parametrize("persona", OTHERS)
def test_no_page_shows_a_force_record_to_anyone_else(persona, personas, force, client_for):
    """Every project URL, filled with the force record and its pupil, for each role that
    may not read force records, with a fresh second factor."""
    client = client_for(personas[persona])
    pass_second_factor(client)
    objects = {"pk": force["pupils"][0].pk, "entry_pk": force["first"].entry_id}
    checked = 0
    for name, pattern in project_patterns().items():
        if name in POST_ONLY or not set(pattern.pattern.converters) <= set(objects):
            continue
        url = reverse(name, kwargs=kwargs_for(pattern, objects))
        for params in ({}, {"kind": "force"}):
            response = client.get(url, params)
            assert SECRET not in _body(response), (persona, name, params)
            checked += 1
        htmx = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="timeline")
        assert SECRET not in _body(htmx), (persona, name, "htmx")
    assert checked >= 20
    # Those who may open the file see that something restricted is there, no more.
    if PERSONAS[persona]:
        page = _body(client.get(reverse("records:student_file", args=[force["pupils"][0].pk])))
        assert "A restricted entry is here" in page


@pytest.mark.parametrize("persona", READERS)
def test_the_coordinator_dsl_and_deputy_head_read_it_after_a_fresh_second_factor(
    persona, personas, force, client_for
):
    client = client_for(personas[persona])
    pupil = force["pupils"][1]
    stale = client.get(reverse("records:entry_detail", args=[force["debrief"].entry_id]))
    assert stale.status_code == 302 and "reauthenticate" in stale["Location"]
    assert client.get(reverse("records:force_list")).status_code == 302
    pass_second_factor(client)
    for url in (
        reverse("records:student_file", args=[pupil.pk]),
        reverse("records:chronology_print", args=[pupil.pk]),
        reverse("records:chronology_csv", args=[pupil.pk]),
        reverse("records:entry_detail", args=[force["debrief"].entry_id]),
        reverse("records:force_list"),
    ):
        assert f"{SECRET}-summary" in _body(client.get(url)), url
    detail = _body(client.get(reverse("records:entry_detail", args=[force["debrief"].entry_id])))
    assert f"{SECRET}-debrief" in detail
    assert AuditEvent.objects.filter(
        action=RecordsAction.RESTRICTED_READ, actor=personas[persona]
    ).exists()


def test_the_list_shows_each_use_once_as_it_stands_and_pages(force, personas, client_for):
    client = client_for(personas["dee"])
    pass_second_factor(client)
    page = _body(client.get(reverse("records:force_list")))
    assert page.count(f"{SECRET}-summary") == 1
    assert "1 record." in page
    before = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    empty = _body(client.get(reverse("records:force_list"), {"date_to": before}))
    assert SECRET not in empty and "No use of force is recorded in these dates" in empty
    bad = client.get(reverse("records:force_list"), {"date_from": "2026-13-01"})
    assert bad.status_code == 200


def test_recording_is_audited_without_its_words(force):
    events = AuditEvent.objects.filter(
        action__in=[RecordsAction.FORCE_RECORDED, RecordsAction.FORCE_CORRECTED]
    ).order_by("pk")
    assert [e.action for e in events] == [
        RecordsAction.FORCE_RECORDED,
        RecordsAction.FORCE_CORRECTED,
    ]
    for event in events:
        assert SECRET not in str(event.data)


def test_the_form_shows_errors_by_field_and_saves_nothing(personas, client_for):
    pupil = StudentFactory()
    cora = personas["cora"]
    client = client_for(cora)
    happened = timezone.localtime() - dt.timedelta(hours=2)
    data = {
        "occurred_at": happened.strftime("%Y-%m-%dT%H:%M"),
        "place": "room",
        "staff": [cora.pk],
        "summary": "Held to stop him hitting another pupil",
        "before": "Shouting, refused time out",
        "what_was_done": "",
        "duration_minutes": "0",
        "pupil_injured": "on",
        "pupil_injuries": "",
        "parents_told": "phone",
        "parents_told_at": "",
    }
    url = reverse("records:force_add", args=[pupil.pk])
    response = client.post(url, data)
    assert response.status_code == 200
    body = _body(response)
    assert "Say what was done" in body
    assert "Held to stop him hitting another pupil" in body  # nothing typed is lost
    assert not Entry.objects.filter(kind=Entry.Kind.FORCE).exists()
    # The form passes; the service finds what only it checks, next to the field.
    data |= {"what_was_done": "Two-person hold", "duration_minutes": "2"}
    body = _body(client.post(url, data))
    assert "Describe the injury" in body and "Say when parents were told" in body
    assert not ForceRecord.objects.exists() and not Entry.objects.filter(kind="force").exists()
    data |= {
        "pupil_injuries": "Graze to the elbow; first aid given",
        "parents_told_at": (happened + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    done = client.post(url, data)
    assert done.status_code == 302
    record = ForceRecord.objects.get()
    assert record.pupil_injured and record.parents_told == "phone"
    assert list(ForceRecordStaff.objects.values_list("user", flat=True)) == [cora.pk]


def test_others_cannot_record_or_correct(personas, force, client_for):
    for name in ("sam", "tom", "ada"):
        client = client_for(personas[name])
        pass_second_factor(client)
        assert (
            client.get(reverse("records:force_add", args=[force["pupils"][0].pk])).status_code
            == 403
        )
        assert client.get(reverse("records:force_list")).status_code == 403
        with pytest.raises(ValidationError):
            record_force(
                by=personas[name],
                students=force["pupils"],
                details=_details(staff=[personas[name]]),
            )


def test_a_correction_starts_from_the_record_as_it_stands(force, personas, client_for):
    client = client_for(personas["cora"])
    pass_second_factor(client)
    old = client.get(reverse("records:force_amend", args=[force["first"].entry_id]))
    assert old.status_code == 302  # to the latest of the thread
    form = _body(client.get(old["Location"]))
    for part in ("before", "done", "pupil-injury", "parents", "debrief", "place"):
        assert f"{SECRET}-{part}" in form, part
