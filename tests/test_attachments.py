"""Files on chronology entries: checked by content, kept privately, never deleted, and
opened only by someone who may read the entry, through a view that audits each download.

Refusals at object level are 404 (never reveal that a file exists); a person without any
role gets 403 from the role check before that.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from enigma.models import AuditEvent
from records import attachments
from records.audit_actions import RecordsAction
from records.models import Attachment, Category, EntryShare
from records.services.attachments import attach_file
from records.services.entries import record_entry
from tests.conftest import pass_second_factor
from tests.db import refused
from tests.factories import LinkFactory, StudentFactory

pytestmark = pytest.mark.django_db

DOWNLOADED = RecordsAction.ATTACHMENT_DOWNLOADED


# --- tiny real files -----------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1, 8-bit greyscale
    pixels = zlib.compress(b"\x00\x80")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
    b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
_VP8L = b"VP8L\x0a\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88"
WEBP = b"RIFF" + struct.pack("<I", 4 + len(_VP8L)) + b"WEBP" + _VP8L


def ooxml(folder: str, *, macros: bool = False) -> bytes:
    main = {"word": "document.xml", "xl": "workbook.xml", "ppt": "presentation.xml"}[folder]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        z.writestr(f"{folder}/{main}", '<?xml version="1.0"?><root/>')
        if macros:
            z.writestr(f"{folder}/vbaProject.bin", b"\x00" * 16)
    return buffer.getvalue()


def odf(kind: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("mimetype", f"application/vnd.oasis.opendocument.{kind}", zipfile.ZIP_STORED)
        z.writestr("content.xml", '<?xml version="1.0"?><office:document-content/>')
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest:manifest/>')
    return buffer.getvalue()


def ole(*streams: str) -> bytes:
    """An OLE2 compound file's header and a directory naming its streams."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    directory = b"".join(
        (name + "\0").encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 64
        for name in ("Root Entry", *streams)
    )
    return header + directory


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


ACCEPTED = [
    ("letter.pdf", PDF, "application/pdf"),
    ("photo.png", png(), "image/png"),
    ("scan.jpg", JPEG, "image/jpeg"),
    ("scan.JPEG", JPEG, "image/jpeg"),
    ("drawing.gif", GIF, "image/gif"),
    ("photo.webp", WEBP, "image/webp"),
    (
        "plan.docx",
        ooxml("word"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "marks.xlsx",
        ooxml("xl"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    (
        "review.pptx",
        ooxml("ppt"),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("plan.odt", odf("text"), "application/vnd.oasis.opendocument.text"),
    ("marks.ods", odf("spreadsheet"), "application/vnd.oasis.opendocument.spreadsheet"),
    ("review.odp", odf("presentation"), "application/vnd.oasis.opendocument.presentation"),
    ("old-letter.doc", ole("WordDocument", "1Table"), "application/msword"),
    ("old-marks.xls", ole("Workbook"), "application/vnd.ms-excel"),
    ("old-review.ppt", ole("PowerPoint Document"), "application/vnd.ms-powerpoint"),
    # A Word document with a spreadsheet embedded in it is still a Word document.
    ("embedded.doc", ole("WordDocument", "Workbook"), "application/msword"),
]


# --- fixtures ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def private_dirs(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.STATIC_ROOT = tmp_path / "static"
    return settings


@pytest.fixture
def student(tom, rita):
    s = StudentFactory()
    LinkFactory(student=s, staff=tom)
    LinkFactory(student=s, staff=rita, relationship="referrer")
    return s


@pytest.fixture
def entry(cora, student):
    return record_entry(
        author=cora, students=[student], kind="concern", summary="Letter from the GP"
    )


@pytest.fixture
def restricted_entry(dina, student):
    return record_entry(
        author=dina,
        students=[student],
        kind="concern",
        category=Category.objects.get(name="Safeguarding"),
        summary="Disclosure at break",
    )


@pytest.fixture
def attachment(entry, cora):
    return attach_file(entry=entry, upload=upload("letter.pdf", PDF), user=cora)


@pytest.fixture
def restricted_attachment(restricted_entry, dina):
    return attach_file(
        entry=restricted_entry, upload=upload("strategy-meeting.pdf", PDF), user=dina
    )


def download_url(attachment) -> str:
    return reverse("records:attachment_download", args=[attachment.pk])


def add_url(entry) -> str:
    return reverse("records:attachment_add", args=[entry.pk])


def entry_page(entry) -> str:
    return reverse("records:entry_detail", args=[entry.pk])


def downloads() -> int:
    return AuditEvent.objects.filter(action=DOWNLOADED).count()


def stored_files(root: Path) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()]


def refusal(excinfo) -> str:
    return " ".join(excinfo.value.message_dict["file"])


# --- what is accepted, by content ----------------------------------------------------


@pytest.mark.parametrize(("name", "data", "content_type"), ACCEPTED)
def test_each_accepted_type_is_kept_with_the_type_its_content_shows(
    name, data, content_type, entry, cora
):
    # The browser's claimed type is ignored: the bytes decide.
    kept = attach_file(entry=entry, upload=upload(name, data, "text/html"), user=cora)
    kept.refresh_from_db()
    assert kept.content_type == content_type
    assert kept.original_name == name
    assert kept.size == len(data)
    assert kept.sha256 == hashlib.sha256(data).hexdigest()
    assert kept.uploaded_by == cora and kept.entry == entry
    with kept.file.open("rb") as f:
        assert f.read() == data


def test_a_file_renamed_to_look_like_another_type_is_refused(entry, cora):
    with pytest.raises(ValidationError) as excinfo:
        attach_file(entry=entry, upload=upload("letter.pdf", png(), "application/pdf"), user=cora)
    message = refusal(excinfo)
    assert "a PDF" in message and "really a PNG image" in message and ".png" in message
    assert not Attachment.objects.exists()


def test_an_office_file_with_the_wrong_office_extension_is_refused(entry, cora):
    with pytest.raises(ValidationError) as excinfo:
        attach_file(entry=entry, upload=upload("marks.docx", ooxml("xl")), user=cora)
    assert "really an Excel spreadsheet" in refusal(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        attach_file(entry=entry, upload=upload("marks.xls", ole("WordDocument")), user=cora)
    assert "really a Word 97–2003 document" in refusal(excinfo)


def test_an_accepted_file_with_an_unaccepted_extension_is_refused(entry, cora):
    with pytest.raises(ValidationError) as excinfo:
        attach_file(entry=entry, upload=upload("letter.exe", PDF), user=cora)
    assert "a .exe file" in refusal(excinfo) and "really a PDF" in refusal(excinfo)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("notes.txt", b"Just some text"),
        ("notes.pdf", b"Just some text, named as a PDF"),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>'),
        ("page.html", b"<!doctype html><script>alert(1)</script>"),
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00"),
        ("letter.pdf", b" %PDF-1.4 not at the start"),
        ("archive.zip", None),  # a plain ZIP archive
        ("book.epub", None),  # a ZIP with a mimetype that is not OpenDocument
        ("broken.docx", b"PK\x03\x04 but not really a zip"),
        ("message.msg", ole("__substg1.0_0037001F")),  # an Outlook message
    ],
)
def test_unknown_types_are_refused_with_a_list_of_what_is_accepted(name, data, entry, cora):
    if name == "archive.zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr("readme.txt", "hello")
        data = buffer.getvalue()
    elif name == "book.epub":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr("mimetype", "application/epub+zip")
        data = buffer.getvalue()
    with pytest.raises(ValidationError) as excinfo:
        attach_file(entry=entry, upload=upload(name, data), user=cora)
    message = refusal(excinfo)
    assert "cannot keep this kind of file" in message
    assert attachments.ACCEPTED_TEXT in message
    assert not Attachment.objects.exists()


def odf_compressed_oddly() -> bytes:
    """An OpenDocument file whose mimetype member names a compression method Python's
    zipfile does not implement (99): opening that member raises NotImplementedError."""
    data = bytearray(odf("text"))
    data[8:10] = struct.pack("<H", 99)  # the first local header's compression method
    central = data.index(b"PK\x01\x02")  # the first central directory entry: mimetype
    data[central + 10 : central + 12] = struct.pack("<H", 99)
    return bytes(data)


def test_an_archive_zipfile_cannot_unpack_is_refused_not_an_error(entry, cora):
    data = odf_compressed_oddly()
    with zipfile.ZipFile(io.BytesIO(data)) as archive, pytest.raises(NotImplementedError):
        archive.open("mimetype").read()  # what attachments.detect meets
    assert attachments.detect(data) == []
    with pytest.raises(ValidationError) as excinfo:
        attach_file(entry=entry, upload=upload("notes.odt", data), user=cora)
    assert "cannot keep this kind of file" in refusal(excinfo)
    assert not Attachment.objects.exists()


def test_macro_enabled_and_password_protected_office_files_are_refused(entry, cora):
    with pytest.raises(ValidationError) as excinfo:
        attach_file(entry=entry, upload=upload("plan.docx", ooxml("word", macros=True)), user=cora)
    assert "macros" in refusal(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        attach_file(
            entry=entry, upload=upload("old.doc", ole("WordDocument", "_VBA_PROJECT")), user=cora
        )
    assert "macros" in refusal(excinfo)
    # An encrypted .docx is an OLE2 file holding an EncryptedPackage stream.
    with pytest.raises(ValidationError) as excinfo:
        attach_file(entry=entry, upload=upload("plan.docx", ole("EncryptedPackage")), user=cora)
    assert "password" in refusal(excinfo)


def test_files_over_the_size_limit_are_refused_naming_the_limit(settings, entry, cora):
    settings.ENIGMA_ATTACHMENT_MAX_BYTES = 1024 * 1024
    at_limit = PDF + b"%" * (1024 * 1024 - len(PDF))
    assert (
        attach_file(entry=entry, upload=upload("big.pdf", at_limit), user=cora).size == 1024 * 1024
    )
    with pytest.raises(ValidationError) as excinfo:
        attach_file(entry=entry, upload=upload("bigger.pdf", at_limit + b"%"), user=cora)
    assert "the most Enigma accepts is 1 MB" in refusal(excinfo)
    assert "1.1 MB" in refusal(excinfo)
    assert Attachment.objects.count() == 1


def test_the_limit_reads_in_megabytes():
    assert attachments.megabytes(10 * 1024 * 1024) == "10 MB"
    assert attachments.megabytes(1024 * 1024 + 512 * 1024) == "1.5 MB"


def test_an_empty_file_is_refused(entry, cora):
    with pytest.raises(ValidationError) as excinfo:
        attach_file(entry=entry, upload=upload("letter.pdf", b""), user=cora)
    assert "empty" in refusal(excinfo)


# --- names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("letter.pdf", "letter.pdf"),
        ("C:\\Users\\cora\\Desktop\\letter.pdf", "letter.pdf"),
        ("../../etc/letter.pdf", "letter.pdf"),
        ("let\x00ter\r\n.pdf", "letter.pdf"),
        ("report\u202efdp.exe", "reportfdp.exe"),  # right-to-left override removed
        ('  "plan" <v2>: final?.pdf  ', "_plan_ _v2__ final_.pdf"),
        ("...hidden.pdf", "hidden.pdf"),
        ("Cafe\u0301 visit.pdf", "Café visit.pdf"),
        ("x" * 300 + ".pdf", "x" * (attachments.NAME_MAX - 4) + ".pdf"),
        ("", ""),
    ],
)
def test_names_are_cleaned(raw, clean):
    assert attachments.clean_name(raw) == clean


def test_the_stored_name_is_sanitised_and_given_the_right_extension(entry, cora):
    kept = attach_file(
        entry=entry, upload=upload("C:\\fakepath\\GP\x07 letter\u202e.pdf", PDF), user=cora
    )
    assert kept.original_name == "GP letter.pdf"
    named_for_content = attach_file(entry=entry, upload=upload("scan", png()), user=cora)
    assert named_for_content.original_name == "scan.png"
    long = attach_file(entry=entry, upload=upload("y" * 400 + ".pdf", PDF), user=cora)
    assert len(long.original_name) <= attachments.NAME_MAX and long.original_name.endswith(".pdf")


# --- where files are kept ------------------------------------------------------------


def test_files_land_in_private_storage_under_a_random_name(attachment, private_dirs):
    media = Path(private_dirs.MEDIA_ROOT).resolve()
    path = Path(attachment.file.path).resolve()
    assert path.is_relative_to(media) and path.is_file()
    assert not path.is_relative_to(Path(private_dirs.STATIC_ROOT).resolve())
    assert "letter" not in attachment.file.name  # the original name is in the row only
    with pytest.raises(ValueError, match="no public URL"):
        attachment.file.url  # noqa: B018


def test_a_database_failure_leaves_no_orphaned_file(monkeypatch, entry, cora, private_dirs):
    def fail(self, *args, **kwargs):
        raise DatabaseError("the database went away")

    monkeypatch.setattr(Attachment, "save", fail)
    with pytest.raises(DatabaseError):
        attach_file(entry=entry, upload=upload("letter.pdf", PDF), user=cora)
    assert stored_files(Path(private_dirs.MEDIA_ROOT)) == []


# --- never changed, never deleted ----------------------------------------------------


def test_an_attachment_cannot_be_changed_or_deleted_through_the_orm(attachment):
    attachment.original_name = "renamed.pdf"
    with pytest.raises(TypeError):
        attachment.save()
    with pytest.raises(TypeError):
        attachment.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        Attachment.objects.filter(pk=attachment.pk).update(original_name="renamed.pdf")
    with pytest.raises(DatabaseError), transaction.atomic():
        Attachment.objects.filter(pk=attachment.pk).delete()
    assert Attachment.objects.get(pk=attachment.pk).original_name == "letter.pdf"


def test_the_database_refuses_to_change_or_remove_an_attachment(attachment):
    assert refused(
        "UPDATE records_attachment SET sha256 = %s WHERE id = %s", ["0" * 64, attachment.pk]
    )
    assert refused("DELETE FROM records_attachment WHERE id = %s", [attachment.pk])
    assert refused("TRUNCATE records_attachment CASCADE")
    assert Attachment.objects.filter(pk=attachment.pk).exists()


# --- downloading ---------------------------------------------------------------------


def test_a_download_is_a_private_attachment_with_safe_headers(attachment, client_for, cora):
    response = client_for(cora).get(download_url(attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="letter.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    cache = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_a_name_outside_ascii_is_offered_intact(entry, cora, client_for):
    kept = attach_file(entry=entry, upload=upload('Café "review".docx', ooxml("word")), user=cora)
    response = client_for(cora).get(download_url(kept))
    assert response.status_code == 200
    assert "filename*=utf-8''Caf%C3%A9%20_review_.docx" in response["Content-Disposition"]


def test_every_download_is_audited(attachment, client_for, tom, student):
    response = client_for(tom).get(download_url(attachment))
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=DOWNLOADED)
    assert event.actor == tom
    assert event.student == student
    assert event.object_type == "records.Attachment" and event.object_id == str(attachment.pk)
    assert event.data == {"entry": attachment.entry_id, "restricted": False}


@pytest.mark.parametrize("persona", ["cora", "sam", "dee", "dina", "ada", "tom", "rita"])
def test_staff_who_may_see_the_student_can_download(persona, request, attachment, client_for):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(download_url(attachment)).status_code == 200


def test_a_class_teacher_not_linked_to_the_student_gets_404(attachment, client_for):
    from enigma.roles import Role
    from tests.factories import UserFactory

    other_teacher = UserFactory(roles=[Role.CLASS_TEACHER])
    LinkFactory(student=StudentFactory(), staff=other_teacher)  # linked to someone else
    assert client_for(other_teacher).get(download_url(attachment)).status_code == 404
    assert downloads() == 0


def test_no_role_is_403_and_an_unknown_file_is_404(attachment, client_for, nora, cora):
    assert client_for(nora).get(download_url(attachment)).status_code == 403
    missing = reverse("records:attachment_download", args=[attachment.pk + 1000])
    assert client_for(cora).get(missing).status_code == 404
    assert downloads() == 0


def test_signed_out_visitors_are_sent_to_sign_in(client, attachment):
    response = client.get(download_url(attachment))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_file_missing_from_storage_is_404_and_not_audited(attachment, client_for, cora):
    Path(attachment.file.path).unlink()
    assert client_for(cora).get(download_url(attachment)).status_code == 404
    assert downloads() == 0


# --- restricted entries --------------------------------------------------------------


@pytest.mark.parametrize("persona", ["cora", "sam", "dee", "ada", "tom", "rita"])
def test_a_restricted_entrys_file_is_hidden_from_everyone_but_the_dsl_team(
    persona, request, restricted_attachment, client_for
):
    client = client_for(request.getfixturevalue(persona))
    pass_second_factor(client)  # a fresh second factor does not help without the right
    assert client.get(download_url(restricted_attachment)).status_code == 404
    assert downloads() == 0


def test_the_dsl_must_have_checked_their_second_factor_recently(
    restricted_attachment, client_for, dina
):
    client = client_for(dina)
    url = download_url(restricted_attachment)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert "next=" in response["Location"]
    pass_second_factor(client, seconds_ago=16 * 60)
    assert client.get(url).status_code == 302
    assert downloads() == 0

    pass_second_factor(client)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    event = AuditEvent.objects.get(action=DOWNLOADED)
    assert event.actor == dina and event.data["restricted"] is True


def test_a_colleague_the_entry_was_shared_with_can_open_it_after_2fa(
    restricted_entry, restricted_attachment, client_for, tom, dina
):
    EntryShare.objects.create(
        entry=restricted_entry, shared_with=tom, shared_by=dina, reason="Plans her support"
    )
    client = client_for(tom)
    response = client.get(download_url(restricted_attachment))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    pass_second_factor(client)
    assert client.get(download_url(restricted_attachment)).status_code == 200
    assert downloads() == 1


def test_a_share_opens_the_file_even_for_a_colleague_not_linked_to_the_student(
    restricted_entry, restricted_attachment, client_for, dina
):
    from enigma.roles import Role
    from tests.factories import UserFactory

    nurse = UserFactory(roles=[Role.CLASS_TEACHER])
    client = client_for(nurse)
    pass_second_factor(client)
    assert client.get(download_url(restricted_attachment)).status_code == 404
    # The DSL's share is deliberate and audited: it opens this entry and its files, as
    # the entry's own page does, whoever the student's teachers are.
    EntryShare.objects.create(
        entry=restricted_entry, shared_with=nurse, shared_by=dina, reason="School nurse"
    )
    assert client.get(download_url(restricted_attachment)).status_code == 200


def test_a_category_restricted_since_the_entry_was_recorded_restricts_its_files(
    student, client_for, tom, dina
):
    category = Category.objects.create(name="Home life (test)", restricted=False)
    later = record_entry(
        author=dina, students=[student], kind="concern", category=category, summary="Home visit"
    )
    kept = attach_file(entry=later, upload=upload("visit.pdf", PDF), user=dina)
    assert client_for(tom).get(download_url(kept)).status_code == 200
    Category.objects.filter(pk=category.pk).update(restricted=True)
    assert client_for(tom).get(download_url(kept)).status_code == 404


# --- uploading through the page ------------------------------------------------------


def test_the_form_states_what_is_accepted_and_the_limit(settings, entry, client_for, cora):
    settings.ENIGMA_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    response = client_for(cora).get(add_url(entry))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert "Up to 10 MB" in page and "PDF" in page and "Word" in page
    assert 'accept=".pdf,.png,' in page
    assert 'aria-describedby="id_file_helptext"' in page


def test_uploading_a_file_keeps_it_and_returns_to_the_entry(entry, student, client_for, tom):
    response = client_for(tom).post(add_url(entry), {"file": upload("Letter home.pdf", PDF)})
    assert response.status_code == 302
    assert response["Location"] == entry_page(entry)
    kept = Attachment.objects.get()
    assert (kept.entry, kept.uploaded_by, kept.original_name) == (entry, tom, "Letter home.pdf")


def test_a_refused_upload_shows_why_next_to_the_field(entry, client_for, cora):
    response = client_for(cora).post(add_url(entry), {"file": upload("letter.pdf", png())})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="field__error"' in page and "really a PNG image" in page
    assert 'class="error-summary"' in page
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("files", "message"),
    [({}, "Choose a file to attach."), ({"file": upload("letter.pdf", b"")}, "The file is empty.")],
)
def test_a_missing_or_empty_upload_is_refused_on_the_page(files, message, entry, client_for, cora):
    response = client_for(cora).post(add_url(entry), files)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Attachment.objects.exists()


def test_uploads_are_refused_to_people_who_may_not_see_the_entry(entry, client_for, nora):
    from enigma.roles import Role
    from tests.factories import UserFactory

    stranger = UserFactory(roles=[Role.REFERRER])
    assert client_for(stranger).get(add_url(entry)).status_code == 404
    assert (
        client_for(stranger).post(add_url(entry), {"file": upload("x.pdf", PDF)}).status_code == 404
    )
    assert client_for(nora).post(add_url(entry), {"file": upload("x.pdf", PDF)}).status_code == 403
    with pytest.raises(PermissionDenied):
        attach_file(entry=entry, upload=upload("x.pdf", PDF), user=stranger)
    assert not Attachment.objects.exists()


def test_uploads_to_a_restricted_entry_need_the_right_to_read_it_and_fresh_2fa(
    restricted_entry, student, client_for, cora, dina
):
    url = add_url(restricted_entry)
    coordinator = client_for(cora)
    pass_second_factor(coordinator)
    assert coordinator.get(url).status_code == 404
    assert coordinator.post(url, {"file": upload("x.pdf", PDF)}).status_code == 404
    with pytest.raises(PermissionDenied):
        attach_file(entry=restricted_entry, upload=upload("x.pdf", PDF), user=cora)

    dsl = client_for(dina)
    response = dsl.post(url, {"file": upload("x.pdf", PDF)})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert not Attachment.objects.exists()

    pass_second_factor(dsl)
    response = dsl.post(url, {"file": upload("minutes.pdf", PDF)})
    assert response.status_code == 302
    assert response["Location"] == entry_page(restricted_entry)
    assert Attachment.objects.get().original_name == "minutes.pdf"


def test_the_csrf_token_is_required_to_upload(entry, cora):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(cora)
    response = client.post(add_url(entry), {"file": upload("x.pdf", PDF)})
    assert response.status_code == 403
    assert not Attachment.objects.exists()


# --- the list fragment for the entry page --------------------------------------------


def test_the_list_fragment_shows_each_file_with_a_download_link(attachment, entry, cora):
    big = attach_file(
        entry=entry, upload=upload("Smith & Jones.pdf", PDF + b"%" * 2_000_000), user=cora
    )
    html = render_to_string(
        "records/attachments/_list.html", {"attachments": entry.attachments.all()}
    )
    assert f'href="{download_url(attachment)}"' in html
    assert f'href="{download_url(big)}"' in html
    assert "letter.pdf" in html and str(cora) in html
    assert "bytes" in html and "MB" in html
    assert "Smith &amp; Jones.pdf" in html
    assert "No files attached." in render_to_string(
        "records/attachments/_list.html", {"attachments": []}
    )
