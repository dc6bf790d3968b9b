"""The student file: header, timeline, filters, entry forms, amendments, exports."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from enigma.models import AuditEvent
from records.audit_actions import RecordsAction
from records.models import Category, Entry
from records.services.entries import NewAction, record_entry
from tests.conftest import pass_second_factor
from tests.factories import ContactFactory, LinkFactory, StudentFactory

pytestmark = pytest.mark.django_db


def concern(author, *students, summary="Upset at break", category="Behaviour", **kw):
    return record_entry(
        author=author,
        students=students,
        kind="concern",
        summary=summary,
        category=Category.objects.get(name=category),
        **kw,
    )


def file_url(student, **params):
    url = reverse("records:student_file", args=[student.pk])
    if params:
        from urllib.parse import urlencode

        url += "?" + urlencode(params)
    return url


def test_the_file_shows_the_header_and_the_chronology_newest_first(client_for, cora):
    student = StudentFactory(sen_status="E", looked_after=True, tutor_group="9B")
    ContactFactory(student=student, surname="Khan", mobile_phone="07700 900123")
    older = concern(
        cora, student, summary="Older", occurred_at=timezone.now() - dt.timedelta(days=3)
    )
    newer = concern(cora, student, summary="Newer")
    response = client_for(cora).get(file_url(student))
    assert response.status_code == 200
    html = response.content.decode()
    assert "9B" in html and "EHCP" in html and "07700 900123" in html
    assert html.index("Newer") < html.index("Older")
    assert "Back-dated" in html  # recorded 3 days after it happened
    assert list(response.context["entries"]) == [newer, older]


def test_reading_a_file_is_audited(client_for, cora):
    student = StudentFactory()
    client_for(cora).get(file_url(student))
    event = AuditEvent.objects.get(action=RecordsAction.FILE_VIEWED)
    assert event.actor == cora and event.student_id == student.pk


def test_filters_by_kind_category_author_and_dates(client_for, cora, sam):
    student = StudentFactory()
    a = concern(cora, student, summary="A", category="Family")
    b = concern(sam, student, summary="B", category="Behaviour")
    c = record_entry(author=cora, students=[student], kind="positive", summary="C")
    old = concern(cora, student, summary="Old", occurred_at=timezone.now() - dt.timedelta(days=40))
    client = client_for(cora)

    def shown(**params):
        return {e.summary for e in client.get(file_url(student, **params)).context["entries"]}

    assert shown() == {"A", "B", "C", "Old"}
    assert shown(kind="positive") == {"C"}
    assert shown(category=Category.objects.get(name="Family").pk) == {"A"}
    assert shown(author=sam.pk) == {"B"}
    since = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    assert shown(date_from=since) == {"A", "B", "C"}
    assert shown(date_to=since) == {"Old"}
    assert {a, b, c, old}


def test_a_bad_date_range_is_reported_next_to_the_field(client_for, cora):
    student = StudentFactory()
    response = client_for(cora).get(file_url(student, date_from="2026-11-10", date_to="2026-11-01"))
    assert "The end date is before the start date." in response.content.decode()


def test_the_timeline_is_paginated(client_for, cora):
    student = StudentFactory()
    for i in range(30):
        concern(cora, student, summary=f"Entry {i}")
    client = client_for(cora)
    first = client.get(file_url(student))
    assert len(first.context["entries"]) == 25
    second = client.get(file_url(student, page=2))
    assert len(second.context["entries"]) == 5


def test_an_htmx_filter_request_gets_only_the_timeline(client_for, cora):
    student = StudentFactory()
    concern(cora, student)
    response = client_for(cora).get(
        file_url(student, kind="concern"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="timeline"
    )
    html = response.content.decode()
    assert 'id="timeline"' in html and "<html" not in html


def test_a_teacher_sees_only_the_files_of_linked_students(client_for, tom, cora):
    mine, other = StudentFactory(), StudentFactory()
    LinkFactory(student=mine, staff=tom)
    client = client_for(tom)
    assert client.get(file_url(mine)).status_code == 200
    assert client.get(file_url(other)).status_code == 404
    entry = concern(cora, other)
    assert client.get(reverse("records:entry_detail", args=[entry.pk])).status_code == 404


def test_other_students_involved_are_named_only_if_visible(client_for, tom, cora):
    mine, other = StudentFactory(), StudentFactory(legal_forename="Zebedee")
    LinkFactory(student=mine, staff=tom)
    concern(cora, mine, other, summary="Scuffle")
    html = client_for(tom).get(file_url(mine)).content.decode()
    assert "Scuffle" in html and "Zebedee" not in html
    assert "other students you do not have access to" in html
    html = client_for(cora).get(file_url(mine)).content.decode()
    assert "Zebedee" in html


# --- recording --------------------------------------------------------------------------


def test_recording_a_concern_with_an_action(client_for, cora, tom):
    student, peer = StudentFactory(), StudentFactory()
    client = client_for(cora)
    url = reverse("records:entry_add", args=[student.pk]) + "?kind=concern"
    form = client.get(url)
    assert form.status_code == 200
    when = timezone.localtime() - dt.timedelta(hours=1)
    response = client.post(
        url,
        {
            "occurred_at": when.strftime("%Y-%m-%dT%H:%M"),
            "category": Category.objects.get(name="Peer relationships").pk,
            "summary": "Argument in the lunch queue",
            "account": "Said: 'they keep taking my place'.",
            "also_involves": [peer.pk],
            "actions-TOTAL_FORMS": "2",
            "actions-INITIAL_FORMS": "0",
            "actions-0-description": "Talk to both at break",
            "actions-0-assignee": tom.pk,
            "actions-0-due_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    entry = Entry.objects.get()
    assert set(entry.students.all()) == {student, peer}
    assert entry.author == cora and entry.actions.get().assignee == tom


def test_a_form_with_errors_keeps_what_was_typed(client_for, cora):
    student = StudentFactory()
    client = client_for(cora)
    url = reverse("records:entry_add", args=[student.pk]) + "?kind=concern"
    response = client.post(
        url,
        {
            "occurred_at": (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "summary": "Typed summary stays",
            "account": "A long account that must not be lost",
            "actions-TOTAL_FORMS": "2",
            "actions-INITIAL_FORMS": "0",
            "actions-0-description": "Half an action",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "This is in the future" in html
    assert "Choose a category" in html or "This field is required" in html
    assert "Needed for this action, or clear the row." in html
    assert "Typed summary stays" in html and "A long account that must not be lost" in html
    assert not Entry.objects.exists()


def test_a_contact_records_who_how_and_what_was_agreed(client_for, cora):
    student = StudentFactory()
    client = client_for(cora)
    url = reverse("records:entry_add", args=[student.pk]) + "?kind=contact"
    response = client.post(
        url,
        {
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "summary": "Phoned mum about the timetable",
            "contact_with": "Mrs Khan, mother",
            "contact_method": "phone",
            "agreed": "Mum will bring her in at 8.40.",
            "actions-TOTAL_FORMS": "0",
            "actions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert (entry.kind, entry.contact_with, entry.contact_method) == (
        "contact",
        "Mrs Khan, mother",
        "phone",
    )


def test_unknown_or_automatic_kinds_cannot_be_recorded_by_hand(client_for, cora):
    student = StudentFactory()
    client = client_for(cora)
    for kind in ("event", "session", "nonsense"):
        url = reverse("records:entry_add", args=[student.pk]) + f"?kind={kind}"
        assert client.get(url).status_code == 404


def test_a_teacher_recording_a_safeguarding_concern_is_told_who_has_it(client_for, tom):
    student = StudentFactory()
    LinkFactory(student=student, staff=tom)
    client = client_for(tom)
    url = reverse("records:entry_add", args=[student.pk]) + "?kind=concern"
    response = client.post(
        url,
        {
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "category": Category.objects.get(name="Safeguarding").pk,
            "summary": "Disclosure in tutor time",
            "account": "Full account.",
            "actions-TOTAL_FORMS": "0",
            "actions-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "the safeguarding team has it" in html
    assert "Full account." not in html
    assert Entry.objects.get().restricted


# --- amendments -------------------------------------------------------------------------


def test_correcting_an_entry_keeps_the_original_and_marks_it_amended(client_for, cora, sam):
    student = StudentFactory()
    original = concern(cora, student, summary="Hit by a peer")
    client = client_for(sam)
    url = reverse("records:entry_amend", args=[original.pk])
    assert "Hit by a peer" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "reason": "Misheard: pushed, not hit",
            "occurred_at": timezone.localtime(original.occurred_at).strftime("%Y-%m-%dT%H:%M"),
            "category": original.category_id,
            "summary": "Pushed by a peer",
            "account": "Pushed in the corridor.",
        },
    )
    assert response.status_code == 302
    amendment = Entry.objects.get(amends=original)
    assert amendment.amendment_reason == "Misheard: pushed, not hit"
    original.refresh_from_db()
    assert original.summary == "Hit by a peer"
    html = client.get(file_url(student)).content.decode()
    assert "Amended" in html and "Hit by a peer" in html and "Pushed by a peer" in html


def test_a_correction_needs_a_reason(client_for, cora):
    original = concern(cora, StudentFactory())
    response = client_for(cora).post(
        reverse("records:entry_amend", args=[original.pk]),
        {
            "reason": "",
            "occurred_at": timezone.localtime(original.occurred_at).strftime("%Y-%m-%dT%H:%M"),
            "category": original.category_id,
            "summary": "New words",
        },
    )
    assert response.status_code == 200
    assert "New words" in response.content.decode()
    assert Entry.objects.count() == 1


# --- exports ----------------------------------------------------------------------------


def test_print_and_csv_exports_are_audited_and_formula_safe(client_for, cora):
    student = StudentFactory()
    concern(cora, student, summary='=HYPERLINK("http://x")', account="@SUM(A1)")
    client = client_for(cora)
    printed = client.get(reverse("records:chronology_print", args=[student.pk]))
    assert printed.status_code == 200 and "HYPERLINK" in printed.content.decode()
    response = client.get(reverse("records:chronology_csv", args=[student.pk]))
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Disposition"].startswith('attachment; filename="chronology-')
    assert "'=HYPERLINK" in body and "'@SUM(A1)" in body
    formats = {e.data["format"] for e in AuditEvent.objects.filter(action=RecordsAction.EXPORTED)}
    assert formats == {"print", "csv"}


# --- actions ----------------------------------------------------------------------------


def test_my_actions_lists_open_actions_and_marking_done_records_the_outcome(client_for, cora, tom):
    student = StudentFactory()
    LinkFactory(student=student, staff=tom)
    entry = concern(
        cora,
        student,
        actions=[NewAction("Ring home", tom, timezone.localdate() + dt.timedelta(days=1))],
    )
    action = entry.actions.get()
    client = client_for(tom)
    assert [a.pk for a in client.get(reverse("records:my_actions")).context["actions"]] == [
        action.pk
    ]
    blank = client.post(reverse("records:action_complete", args=[action.pk]), {"outcome": ""})
    assert blank.status_code == 400
    done = client.post(
        reverse("records:action_complete", args=[action.pk]),
        {"outcome": "Spoke to dad.", "next": reverse("records:my_actions")},
    )
    assert done.status_code == 302
    assert action.completion.outcome == "Spoke to dad."
    assert list(client.get(reverse("records:my_actions")).context["actions"]) == []


def test_someone_else_cannot_mark_an_action_done(client_for, cora, tom, rita):
    student = StudentFactory()
    LinkFactory(student=student, staff=rita)
    entry = concern(cora, student, actions=[NewAction("Ring home", tom, timezone.localdate())])
    url = reverse("records:action_complete", args=[entry.actions.get().pk])
    assert client_for(rita).post(url, {"outcome": "x"}).status_code == 403
    outsider = StudentFactory()
    other = concern(cora, outsider, actions=[NewAction("Other", cora, timezone.localdate())])
    url = reverse("records:action_complete", args=[other.actions.get().pk])
    assert client_for(tom).post(url, {"outcome": "x"}).status_code == 404


def test_the_dsl_is_home_at_the_safeguarding_queue(client_for, dina, cora):
    assert client_for(dina).get(reverse("home"))["Location"] == reverse(
        "records:safeguarding_queue"
    )
    assert client_for(cora).get(reverse("home"))["Location"] != reverse(
        "records:safeguarding_queue"
    )


def test_the_safeguarding_queue_asks_for_a_fresh_second_factor(client_for, dina, tom):
    student = StudentFactory()
    concern(
        dina,
        student,
        summary="Bruise on arm",
        category="Safeguarding",
        actions=[NewAction("Refer to MASH", dina, timezone.localdate())],
    )
    client = client_for(dina)
    response = client.get(reverse("records:safeguarding_queue"))
    assert response.status_code == 302 and "reauthenticate" in response["Location"]
    pass_second_factor(client)
    html = client.get(reverse("records:safeguarding_queue")).content.decode()
    assert "Bruise on arm" in html and "Refer to MASH" in html
    assert AuditEvent.objects.filter(action=RecordsAction.RESTRICTED_READ).exists()


def test_the_safeguarding_queue_names_the_student_each_open_action_is_about(client_for, dina):
    # An old entry (out of the "recent" list) so the name can only come from the actions table.
    student = StudentFactory(legal_forename="Ruby", legal_surname="Quartermain")
    with time_machine.travel(timezone.now() - dt.timedelta(days=40)):
        concern(
            dina,
            student,
            summary="Old worry",
            category="Safeguarding",
            actions=[NewAction("Ring the social worker", dina, timezone.localdate())],
        )
    client = client_for(dina)
    pass_second_factor(client)
    html = client.get(reverse("records:safeguarding_queue")).content.decode()
    actions = html.split('id="sg-actions"')[1].split('id="sg-recent"')[0]
    file_url = reverse("records:student_file", args=[student.pk])
    assert "Ring the social worker" in actions
    assert f'<a href="{file_url}">{student.name}</a>' in actions
    # Its summary was read (shown in the actions table only): the read is logged.
    entry = Entry.objects.get(summary="Old worry")
    read = AuditEvent.objects.filter(action=RecordsAction.RESTRICTED_READ).latest("pk")
    assert entry.pk in read.data["entries"]


def _entry_post(**extra):
    data = {
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "category": Category.objects.get(name="Safeguarding").pk,
        "summary": "Note found in a planner",
        "actions-TOTAL_FORMS": "0",
        "actions-INITIAL_FORMS": "0",
    }
    return data | extra


def test_a_file_can_come_with_the_entry_even_a_restricted_one(client_for, tom, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from records.models import Attachment

    settings.MEDIA_ROOT = tmp_path
    student = StudentFactory()
    LinkFactory(student=student, staff=tom)
    url = reverse("records:entry_add", args=[student.pk]) + "?kind=concern"
    pdf = SimpleUploadedFile("note.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = client_for(tom).post(url, _entry_post(file=pdf))
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.entry.restricted and attachment.uploaded_by == tom


def test_a_refused_file_stops_the_entry_and_says_why(client_for, cora, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    student = StudentFactory()
    url = reverse("records:entry_add", args=[student.pk]) + "?kind=concern"
    fake = SimpleUploadedFile("letter.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client_for(cora).post(url, _entry_post(file=fake))
    assert response.status_code == 200
    assert "Note found in a planner" in response.content.decode()
    assert response.context["form"].errors["file"]
    assert not Entry.objects.exists()
