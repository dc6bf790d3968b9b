"""The audit log names records objects by kind and id: the school admin never reads a
restricted entry's words there, on the audit page or in the Django admin, even in rows
written before this rule."""

from __future__ import annotations

import json

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from enigma import audit
from enigma.models import AuditEvent
from records.audit_actions import RecordsAction
from records.models import Attachment, Category
from records.services.entries import NewAction, record_entry
from tests.conftest import pass_second_factor
from tests.factories import LinkFactory, StudentFactory

pytestmark = pytest.mark.django_db

SECRET = "QUIET"


def _admin_pages(client) -> list[str]:
    """The audit page (all events, and records events) and the admin's audit list, a
    search of it and each event's page, as the school admin."""
    bodies = [
        client.get(reverse("audit_log")).content.decode(),
        client.get(reverse("audit_log"), {"action": "records."}).content.decode(),
        client.get(reverse("admin:enigma_auditevent_changelist")).content.decode(),
    ]
    search = client.get(reverse("admin:enigma_auditevent_changelist"), {"q": SECRET})
    assert search.status_code == 200
    assert not search.context["cl"].result_list  # the words are not searchable either
    for pk in AuditEvent.objects.values_list("pk", flat=True):
        page = client.get(reverse("admin:enigma_auditevent_change", args=[pk]))
        assert page.status_code == 200
        bodies.append(page.content.decode())
    return bodies


def test_sharing_and_opening_a_restricted_entry_leaves_no_words_in_the_audit_log(
    client_for, dina, sam, ada
):
    student = StudentFactory()
    LinkFactory(student=student, staff=sam)
    entry = record_entry(
        author=dina,
        students=[student],
        kind="concern",
        category=Category.objects.get(name="Safeguarding"),
        summary=f"{SECRET}-summary",
        account=f"{SECRET}-account",
        actions=[NewAction(f"{SECRET}-action", dina, timezone.localdate())],
    )
    attachment = Attachment.objects.create(
        entry=entry,
        file=ContentFile(b"%PDF-1.4 x", name="x.pdf"),
        original_name=f"{SECRET}-file.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
        uploaded_by=dina,
    )
    dsl = client_for(dina)
    pass_second_factor(dsl)
    shared = dsl.post(
        reverse("records:entry_share", args=[entry.pk]),
        {"colleague": sam.pk, "reason": f"{SECRET}-reason"},
    )
    assert shared.status_code == 302
    colleague = client_for(sam)
    pass_second_factor(colleague)
    for client in (dsl, colleague):
        client.get(reverse("records:entry_detail", args=[entry.pk]))
        download = client.get(reverse("records:attachment_download", args=[attachment.pk]))
        assert download.status_code == 200
        b"".join(download.streaming_content)

    rows = AuditEvent.objects.filter(action__startswith="records.")
    assert {RecordsAction.ENTRY_SHARED, RecordsAction.ATTACHMENT_DOWNLOADED} <= {
        r.action for r in rows
    }
    for row in rows:
        assert SECRET not in row.object_repr and SECRET not in json.dumps(row.data), row.action
    assert rows.get(action=RecordsAction.ENTRY_SHARED).object_repr == f"Entry {entry.pk}"
    download_rows = rows.filter(action=RecordsAction.ATTACHMENT_DOWNLOADED)
    assert {r.object_repr for r in download_rows} == {f"File {attachment.pk}"}

    admin = client_for(ada)
    pass_second_factor(admin)
    for body in _admin_pages(admin):
        assert SECRET not in body
    assert f"Entry {entry.pk}" in _admin_pages(admin)[1]


def test_rows_written_before_the_rule_show_no_words_either(client_for, ada, dina):
    """The audit table is append-only: old rows keep the words they were written with,
    so the pages name records objects from their type and id instead."""
    student = StudentFactory()
    AuditEvent.objects.create(
        action=RecordsAction.ENTRY_SHARED,
        actor=dina,
        actor_label=dina.email,
        object_type="records.Entry",
        object_id="41",
        object_repr=f"Concern: {SECRET}-old-summary",
        student=student,
        data={"with": 3, "with_name": "Sam Senco", "reason": f"{SECRET}-old-reason"},
    )
    AuditEvent.objects.create(
        action=RecordsAction.ATTACHMENT_DOWNLOADED,
        actor=dina,
        actor_label=dina.email,
        object_type="records.Attachment",
        object_id="7",
        object_repr=f"{SECRET}-old-file.pdf",
        student=student,
        data={"entry": 41, "restricted": True},
    )
    client = client_for(ada)
    pages = _admin_pages(client)
    for body in pages:
        assert SECRET not in body
    assert "Entry 41" in pages[0] and "File 7" in pages[0]


def test_other_objects_keep_their_names_in_the_log(client_for, ada, cora):
    student = StudentFactory(legal_forename="Zofia", legal_surname="Nowak")
    event = audit.record(audit.Action.STUDENT_VIEWED, actor=cora, obj=student)
    assert event.object_repr == str(student)
    found = client_for(ada).get(reverse("admin:enigma_auditevent_changelist"), {"q": "Nowak"})
    assert list(found.context["cl"].result_list) == [event]
    assert "Zofia Nowak" in found.content.decode()
    assert audit.object_label(event) == str(student)
