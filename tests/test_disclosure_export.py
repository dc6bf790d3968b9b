"""Subject access export: everything about one pupil in one ZIP, nobody else's name in
it, restricted entries only for the DSL with a fresh second factor, and a download that
works once, for its maker, until it expires."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from disclosure import services
from disclosure.audit_actions import DisclosureAction
from disclosure.models import SubjectAccessExport
from disclosure.redaction import Redactor
from enigma.models import AuditEvent
from records.models import Attachment, Category
from records.services.entries import NewAction, amend_entry, record_entry
from tests.conftest import pass_second_factor
from tests.factories import ContactFactory, StudentFactory

pytestmark = pytest.mark.django_db

SECRET = "SAFEGUARDING-SECRET"


@pytest.fixture
def pupils(cora, dina):
    """Ella, in a shared incident with Zachary (whose names and UPN must appear nowhere in
    Ella's export), with a contact, a restricted entry (corrected, with an action and a
    file) and an ordinary file."""
    ella = StudentFactory(legal_forename="Ella", legal_surname="Marsh", upn="A801400115001")
    zach = StudentFactory(
        legal_forename="Zachary",
        legal_surname="Quennell",
        preferred_forename="Zak",
        upn="B801400115002",
    )
    ContactFactory(student=ella, forename="Joan", surname="Marsh")
    shared = record_entry(
        author=cora,
        students=[ella, zach],
        kind="incident",
        summary="Argument between Ella and Zachary Quennell at lunch",
        account=(
            "Zak pushed Ella. Quennell (UPN B801400115002) said sorry; zachary quennell's "
            "tutor was told. Ella's friend saw it."
        ),
        actions=[NewAction("Talk to Zak's tutor", cora, timezone.localdate())],
    )
    Attachment.objects.create(
        entry=shared,
        file=ContentFile(b"%PDF-1.4 statement", name="s.pdf"),
        original_name="Statement by Zachary Quennell.pdf",
        content_type="application/pdf",
        size=18,
        sha256="0" * 64,
        uploaded_by=cora,
    )
    own = record_entry(
        author=cora, students=[ella], kind="positive", summary="Helped a younger pupil"
    )
    Attachment.objects.create(
        entry=own,
        file=ContentFile(b"%PDF-1.4 certificate", name="c.pdf"),
        original_name="certificate.pdf",
        content_type="application/pdf",
        size=20,
        sha256="0" * 64,
        uploaded_by=cora,
    )
    restricted = record_entry(
        author=dina,
        students=[ella],
        kind="concern",
        category=Category.objects.get(name="Safeguarding"),
        summary=f"{SECRET} summary",
        account=f"{SECRET} account",
        actions=[NewAction(f"{SECRET} action", dina, timezone.localdate())],
    )
    amend_entry(
        author=dina,
        original=restricted,
        reason=f"{SECRET} reason",
        summary=f"{SECRET} corrected",
        account="",
    )
    return ella, zach


def _export(client, student, *, capture, **data) -> SubjectAccessExport:
    with capture(execute=True):
        response = client.post(reverse("disclosure:export_request", args=[student.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return SubjectAccessExport.objects.latest("pk")


def _download(client, export) -> zipfile.ZipFile:
    response = client.post(reverse("disclosure:export_download", args=[export.pk]))
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _everything(archive: zipfile.ZipFile) -> dict[str, str]:
    return {name: archive.read(name).decode("utf-8", "replace") for name in archive.namelist()}


def test_the_export_names_the_other_pupil_nowhere(
    pupils, dina, client_for, django_capture_on_commit_callbacks
):
    ella, zach = pupils
    client = client_for(dina)
    export = _export(client, ella, capture=django_capture_on_commit_callbacks)
    assert export.status == SubjectAccessExport.Status.READY
    files = _everything(_download(client, export))
    assert {"index.html", "style.css", "redactions.csv", "manifest.csv"} <= set(files)
    assert "tables/chronology.csv" in files and "tables/contacts.csv" in files
    for name, content in files.items():
        lowered = content.casefold()
        for word in ("zachary", "quennell", "zak", "b801400115002"):
            assert word not in lowered, (name, word)
    html = files["index.html"]
    assert "Argument between Ella and another pupil at lunch" in html
    assert "another pupil pushed Ella. another pupil (UPN another pupil) said sorry" in html
    assert "Also involved: 1 other pupil." in html
    assert "Joan" in files["tables/contacts.csv"]
    # The file on the shared incident is withheld for review; her own is included.
    assert [n for n in files if n.startswith("attachments/")] == [
        n for n in files if n.startswith("attachments/") and n.endswith("certificate.pdf")
    ]
    assert "File withheld" in files["redactions.csv"]
    assert "Pupil A" in files["redactions.csv"]
    # The reviewer sees in Enigma who "Pupil A" is; the ZIP never does.
    export.refresh_from_db()
    assert export.redaction_key == {"Pupil A": zach.pk}
    page = client.get(reverse("disclosure:export_detail", args=[export.pk]))
    assert "Pupil A: Zak Quennell" in page.content.decode()


def test_the_document_prints_from_its_own_stylesheet_with_no_script_or_inline_style(
    pupils, ada, client_for, django_capture_on_commit_callbacks
):
    ella, _ = pupils
    client = client_for(ada)
    files = _everything(
        _download(client, _export(client, ella, capture=django_capture_on_commit_callbacks))
    )
    html = files["index.html"]
    assert '<link rel="stylesheet" href="style.css">' in html
    assert "<script" not in html and "style=" not in html and "<style" not in html
    assert "@page { size: A4" in files["style.css"]


def test_csv_cells_cannot_run_as_formulae(
    cora, ada, client_for, django_capture_on_commit_callbacks
):
    student = StudentFactory()
    record_entry(author=cora, students=[student], kind="concern", summary="=HYPERLINK(1)")
    client = client_for(ada)
    files = _everything(
        _download(client, _export(client, student, capture=django_capture_on_commit_callbacks))
    )
    assert "'=HYPERLINK(1)" in files["tables/chronology.csv"]


def test_the_exporter_may_name_other_pupils_for_a_recorded_legal_reason(
    pupils, dina, client_for, django_capture_on_commit_callbacks
):
    ella, _ = pupils
    client = client_for(dina)
    url = reverse("disclosure:export_request", args=[ella.pk])
    refused = client.post(url, {"name_other_pupils": "on", "legal_reason": ""})
    assert refused.status_code == 400
    assert "Say why other pupils must be named" in refused.content.decode()
    export = _export(
        client,
        ella,
        capture=django_capture_on_commit_callbacks,
        name_other_pupils="on",
        legal_reason="Court order 123",
    )
    html = _everything(_download(client, export))["index.html"]
    assert "Zachary Quennell" in html and "Court order 123" in html
    event = AuditEvent.objects.get(action=DisclosureAction.EXPORT_REQUESTED)
    assert event.data["legal_reason"] == "Court order 123" and event.student_id == ella.pk


def _has_secret(files) -> bool:
    return any(SECRET in content for content in files.values())


def test_restricted_entries_are_left_out_for_the_school_admin(
    pupils, ada, client_for, django_capture_on_commit_callbacks
):
    ella, _ = pupils
    client = client_for(ada)
    pass_second_factor(client)
    # The school admin cannot even ask for them.
    asked = _export(
        client, ella, capture=django_capture_on_commit_callbacks, include_restricted="on"
    )
    assert asked.include_restricted is False
    files = _everything(_download(client, asked))
    assert not _has_secret(files)
    assert "Helped a younger pupil" in files["index.html"]


def test_restricted_entries_are_in_for_the_dsl_with_a_fresh_second_factor(
    pupils, dina, client_for, django_capture_on_commit_callbacks
):
    ella, _ = pupils
    client = client_for(dina)
    pass_second_factor(client)
    export = _export(
        client, ella, capture=django_capture_on_commit_callbacks, include_restricted="on"
    )
    assert export.include_restricted
    files = _everything(_download(client, export))
    for part in ("summary", "account", "action", "reason", "corrected"):
        assert f"{SECRET} {part}" in files["index.html"], part
    assert "includes restricted (safeguarding) entries" in files["index.html"]


def test_restricted_entries_are_refused_to_the_dsl_without_a_fresh_second_factor(
    pupils, dina, client_for, django_capture_on_commit_callbacks
):
    ella, _ = pupils
    client = client_for(dina)
    pass_second_factor(client, seconds_ago=60 * 60)
    url = reverse("disclosure:export_request", args=[ella.pk])
    refused = client.post(url, {"include_restricted": "on"})
    assert refused.status_code == 400
    assert "Check your second factor again" in refused.content.decode()
    assert not SubjectAccessExport.objects.exists()
    export = _export(client, ella, capture=django_capture_on_commit_callbacks)
    files = _everything(_download(client, export))
    assert not _has_secret(files)


def test_the_download_works_once_and_only_for_its_maker(
    pupils, dina, ada, client_for, django_capture_on_commit_callbacks
):
    ella, _ = pupils
    mine = client_for(ada)
    export = _export(mine, ella, capture=django_capture_on_commit_callbacks)
    name = export.file.name
    url = reverse("disclosure:export_download", args=[export.pk])
    assert client_for(dina).post(url).status_code == 404
    _download(mine, export)
    export.refresh_from_db()
    assert export.status == SubjectAccessExport.Status.DOWNLOADED
    assert export.file.name == "" and not export.file.storage.exists(name)
    again = mine.post(url)
    assert again.status_code == 302 and again["Location"].endswith(f"/exports/{export.pk}/")
    assert AuditEvent.objects.filter(action=DisclosureAction.EXPORT_DOWNLOADED).count() == 1


def test_an_export_expires_after_a_day_and_its_file_is_deleted(
    pupils, ada, client_for, django_capture_on_commit_callbacks
):
    ella, _ = pupils
    client = client_for(ada)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        export = _export(client, ella, capture=django_capture_on_commit_callbacks)
    name = export.file.name
    with time_machine.travel(start + dt.timedelta(hours=23, minutes=59), tick=False):
        assert services.exports_tidy()["expired"] == 0
    with time_machine.travel(start + dt.timedelta(hours=24, seconds=1), tick=False):
        client = client_for(ada)
        response = client.post(reverse("disclosure:export_download", args=[export.pk]))
        assert response.status_code == 302
    export.refresh_from_db()
    assert export.status == SubjectAccessExport.Status.EXPIRED
    assert not export.file.storage.exists(name)
    assert AuditEvent.objects.filter(action=DisclosureAction.EXPORT_EXPIRED).count() == 1


def test_the_page_follows_progress_by_polling_until_the_export_is_ready(pupils, ada, client_for):
    ella, _ = pupils
    client = client_for(ada)
    export = services.export_request(student=ella, by=ada)  # queued: no commit in this test
    url = reverse("disclosure:export_detail", args=[export.pk])
    waiting = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in waiting and "<progress" in waiting
    services.export_build(export.pk)
    done = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done and "Download the export" in done
    assert services.export_build(export.pk) is None  # a second delivery builds nothing


def test_the_redactor_leaves_a_name_the_pupil_shares_for_review():
    class P:
        def __init__(self, pk, f, s, upn):
            self.pk, self.legal_forename, self.legal_surname = pk, f, s
            self.preferred_forename = self.preferred_surname = ""
            self.upn = upn

    subject, other = P(1, "Sam", "Ng", "A1"), P(2, "Sam", "Hart-Lowe", "B2")
    redact = Redactor(subject, [other], [(3, "Will", "May", "", "")])
    out = redact(
        "Sam Hart-Lowe and Sam met Will May; will may come. Hart said hart.",
        section="s", record="r", field="f",
    )  # fmt: skip
    assert out == "another pupil and Sam met another pupil; will may come. another pupil said hart."
    assert [x.pupil for x in redact.left] == ["Pupil A"]
