"""Uploads: an over-size body is refused from its length before a byte of it is read, a
file a little too large is refused at its field with everything typed kept, and private
files are written for the app's own user only (0600 in 0700 folders)."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from enigma.uploads import FORM_ROOM, UploadLimitHandler, UploadTooLarge, size_text
from records.models import Attachment
from records.services.attachments import attach_file
from tests import test_role_matrix as matrix
from tests.test_attachments import PDF
from timetables.models import WorkRequest

pytestmark = pytest.mark.django_db

objects = matrix.objects
school_day = matrix.school_day

ATTACHMENT_LIMIT = 60_000
IMPORT_LIMIT = 40_000


@pytest.fixture(autouse=True)
def limits(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.ENIGMA_ATTACHMENT_MAX_BYTES = ATTACHMENT_LIMIT
    settings.ENIGMA_IMPORT_MAX_BYTES = IMPORT_LIMIT
    return settings


@pytest.fixture
def umask():
    """The usual umask of a server: without our modes, files come out world-readable."""
    old = os.umask(0o022)
    yield
    os.umask(old)


class CountingStream(io.BytesIO):
    """The request body, counting what the server reads of it."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.read_bytes = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.read_bytes += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.read_bytes += len(line)
        return line


# url name, its kwargs (from the role matrix's objects), who uploads, the file field,
# the limit each file has, how many files the page takes
UPLOAD_VIEWS = [
    ("records:attachment_add", ["entry_pk"], "cora", "file", ATTACHMENT_LIMIT, 1),
    ("records:entry_add", ["pk"], "cora", "file", ATTACHMENT_LIMIT, 1),
    ("timetables:work_set", ["work_pk"], "tom", "file", ATTACHMENT_LIMIT, 1),
    ("imports:upload", [], "ada", "file", IMPORT_LIMIT, 1),
    ("timetables:import", [], "cora", "lessons-file", IMPORT_LIMIT, 2),
]


def _url(name, keys, objects):
    return reverse(name, kwargs={k: objects[k] for k in keys})


@pytest.mark.parametrize(("name", "keys", "persona", "field", "limit", "files"), UPLOAD_VIEWS)
def test_an_over_size_body_is_refused_before_a_byte_of_it_is_read(
    name, keys, persona, field, limit, files, personas, objects, client_for
):
    client = client_for(personas[persona])
    body = encode_multipart(BOUNDARY, {field: SimpleUploadedFile("big.pdf", b"x" * 100)})
    stream = CountingStream(body)
    claimed = limit * files + FORM_ROOM + 1
    response = client.generic(
        "POST",
        _url(name, keys, objects),
        body,
        content_type=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(claimed),
        **{"wsgi.input": stream},
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert f"the most Enigma accepts here is {size_text(limit)} for" in page
    assert stream.read_bytes == 0
    assert Attachment.objects.count() == 1  # the one the role matrix made


def test_a_body_of_the_right_size_is_read_and_kept(personas, objects, client_for):
    response = client_for(personas["cora"]).post(
        reverse("records:attachment_add", kwargs={"entry_pk": objects["entry_pk"]}),
        {"file": SimpleUploadedFile("letter.pdf", PDF + b" " * (ATTACHMENT_LIMIT - len(PDF)))},
    )
    assert response.status_code == 302
    assert Attachment.objects.filter(entry_id=objects["entry_pk"]).count() == 2


def test_a_body_longer_than_it_said_is_cut_off_while_it_is_read(rf):
    handler = UploadLimitHandler(rf.post(reverse("imports:upload")))
    handler.handle_raw_input(None, {}, 1000, b"x")
    handler.receive_data_chunk(b"x" * (IMPORT_LIMIT + FORM_ROOM), 0)
    with pytest.raises(UploadTooLarge, match="39 KB"):
        handler.receive_data_chunk(b"x", IMPORT_LIMIT + FORM_ROOM)


def test_a_view_that_takes_no_files_takes_no_large_body(settings, rf):
    handler = UploadLimitHandler(rf.post(reverse("school_settings")))
    with pytest.raises(UploadTooLarge):
        handler.handle_raw_input(
            None, {}, settings.DATA_UPLOAD_MAX_MEMORY_SIZE + FORM_ROOM + 1, b"x"
        )


def test_a_file_a_little_too_large_is_refused_at_its_field_with_the_rest_kept(
    personas, objects, client_for
):
    typed = "Pages 12 to 14 of the workbook, then the quiz"
    response = client_for(personas["tom"]).post(
        reverse("timetables:work_set", kwargs={"work_pk": objects["work_pk"]}),
        {
            "description": typed,
            "file": SimpleUploadedFile("sheet.pdf", PDF + b" " * ATTACHMENT_LIMIT),
        },
    )
    assert response.status_code == 200
    assert "the most Enigma accepts is" in " ".join(response.context["form"].errors["file"])
    assert typed in response.content.decode()
    assert WorkRequest.objects.get(pk=objects["work_pk"]).status == WorkRequest.Status.REQUESTED


@pytest.mark.parametrize(("name", "keys", "persona", "field", "limit", "files"), UPLOAD_VIEWS)
def test_each_file_field_tells_the_browser_its_limit(
    name, keys, persona, field, limit, files, personas, objects, client_for
):
    page = client_for(personas[persona]).get(_url(name, keys, objects)).content.decode()
    assert f'data-max-bytes="{limit}"' in page, name


# --- modes on disk -----------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _assert_private(path: Path, root: Path):
    assert _mode(path) == 0o600, (path, oct(_mode(path)))
    folder = path.parent
    while True:
        assert _mode(folder) == 0o700, (folder, oct(_mode(folder)))
        if folder == root:
            break
        folder = folder.parent


def test_attachments_and_work_files_are_0600_in_0700_folders(
    umask, limits, personas, objects, client_for
):
    from records.models import Entry

    attachment = attach_file(
        entry=Entry.objects.get(pk=objects["entry_pk"]),
        upload=SimpleUploadedFile("letter.pdf", PDF),
        user=personas["cora"],
    )
    root = Path(limits.MEDIA_ROOT)
    _assert_private(Path(attachment.file.path), root)

    response = client_for(personas["tom"]).post(
        reverse("timetables:work_set", kwargs={"work_pk": objects["work_pk"]}),
        {"description": "Sheet attached", "file": SimpleUploadedFile("sheet.pdf", PDF)},
    )
    assert response.status_code == 302
    work = WorkRequest.objects.get(pk=objects["work_pk"])
    _assert_private(Path(work.file.path), root)


def test_import_files_waiting_for_their_apply_are_0600_in_0700_folders(
    umask, limits, personas, client_for
):
    from tests.test_imports import SIMS_HEADER, sims_row, to_csv

    data = to_csv([SIMS_HEADER, sims_row(1)]).encode()
    response = client_for(personas["ada"]).post(
        reverse("imports:upload"),
        {"kind": "students", "file": SimpleUploadedFile("students.csv", data)},
    )
    assert response.context["token"]
    root = Path(limits.MEDIA_ROOT)
    (waiting,) = (root / "imports").glob("*.csv")
    _assert_private(waiting, root)


def test_timetable_files_waiting_for_their_apply_are_0600_in_0700_folders(umask, limits):
    from types import SimpleNamespace

    from timetables.mis_import import store

    request = SimpleNamespace(session={})
    token = store.keep(request, "lessons", [("lessons.csv", b"UPN,Day\r\n")])
    root = Path(limits.MEDIA_ROOT)
    _assert_private(root / "imports" / "timetables" / f"{token}-0.csv", root)
