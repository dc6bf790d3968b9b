"""Private files in an S3-compatible bucket, as production keeps them so that web servers
hold nothing of their own: moto's S3 server on a free loopback port stands in for the
store, with a bucket of each test's own (deleted at the end).

A file goes in through the product's own pages and comes back through its
permission-checked views, byte for byte; the object in the bucket is not readable
without credentials, and nothing is written to the web server's disk.
"""

from __future__ import annotations

import hashlib
import http.client
import secrets
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moto.server import ThreadedMotoServer

from records.models import Attachment
from records.services.entries import record_entry
from tests.factories import LinkFactory, StudentFactory
from tests.test_timetable_work import lesson, period, school_day, set_work  # noqa: F401
from timetables.models import WorkRequest

pytestmark = pytest.mark.django_db

REGION = "eu-west-2"
KEYS = {"aws_access_key_id": "enigma-test", "aws_secret_access_key": "enigma-test-secret"}


def pdf(size: int) -> bytes:
    """A PDF of about `size` bytes whose body is not all the same (random bytes)."""
    head = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n%"
    return head + secrets.token_bytes(size) + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, tmp_path):
    """A new bucket, made the private storage; emptied and deleted afterwards."""
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION, **KEYS)
    name = f"enigma-test-{secrets.token_hex(6)}"
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.MEDIA_ROOT = tmp_path / "disk"  # must stay empty: files go to the bucket
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "records.storage.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": s3_endpoint,
                "region_name": REGION,
                "access_key": KEYS["aws_access_key_id"],
                "secret_key": KEYS["aws_secret_access_key"],
                "addressing_style": "path",
                "signature_version": "s3v4",
            },
        },
    }
    yield client, name
    for listed in client.list_objects_v2(Bucket=name).get("Contents", []):
        client.delete_object(Bucket=name, Key=listed["Key"])
    client.delete_bucket(Bucket=name)
    with pytest.raises(ClientError):
        client.head_bucket(Bucket=name)


def stored(client, bucket_name: str) -> dict[str, bytes]:
    listed = client.list_objects_v2(Bucket=bucket_name).get("Contents", [])
    return {
        o["Key"]: client.get_object(Bucket=bucket_name, Key=o["Key"])["Body"].read() for o in listed
    }


def anonymous_get(endpoint: str, bucket_name: str, key: str) -> int:
    """The status of an unsigned GET of the object, as anyone on the network could try."""
    host_port = endpoint.removeprefix("http://")
    conn = http.client.HTTPConnection(host_port, timeout=10)
    conn.request("GET", f"/{bucket_name}/{key}")
    status = conn.getresponse().status
    conn.close()
    return status


def no_files_on_disk(root) -> bool:
    return not [p for p in Path(root).rglob("*") if p.is_file()]


def test_the_private_storage_is_the_bucket(bucket):
    from records.storage import PrivateS3Storage, private_storage

    assert isinstance(Attachment._meta.get_field("file").storage, PrivateS3Storage)
    assert private_storage().bucket_name == bucket[1]
    with pytest.raises(ValueError, match="no public URL"):
        storages["private"].url("attachments/anything")


def test_an_attachment_goes_to_the_bucket_and_comes_back_through_its_view(
    bucket, s3_endpoint, settings, client_for, tom, rita, cora
):
    client, name = bucket
    student = StudentFactory()
    LinkFactory(student=student, staff=tom)
    entry = record_entry(author=cora, students=[student], kind="concern", summary="GP letter")
    data = pdf(3 * 1024 * 1024)  # several of boto3's parts and of FileResponse's blocks

    response = client_for(tom).post(
        reverse("records:attachment_add", args=[entry.pk]),
        {"file": SimpleUploadedFile("Letter home.pdf", data)},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert "Letter" not in attachment.file.name  # a random name, not the person's

    # In the bucket under that name, and nowhere on the web server's disk.
    assert stored(client, name) == {attachment.file.name: data}
    assert no_files_on_disk(settings.MEDIA_ROOT)

    # Back through the permission-checked view, byte for byte.
    response = client_for(tom).get(reverse("records:attachment_download", args=[attachment.pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == attachment.sha256
    assert body == data
    assert 'filename="Letter home.pdf"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]

    # Someone who may not see the entry gets nothing; nor does anyone asking the store
    # directly without the keys.
    outsider = client_for(rita).get(reverse("records:attachment_download", args=[attachment.pk]))
    assert outsider.status_code == 404
    assert anonymous_get(s3_endpoint, name, attachment.file.name) == 403


def test_an_attachment_whose_row_is_refused_is_removed_from_the_bucket(
    bucket, client_for, tom, cora, monkeypatch
):
    from django.db import DatabaseError

    from records.services.attachments import attach_file

    client, name = bucket
    student = StudentFactory()
    LinkFactory(student=student, staff=tom)
    entry = record_entry(author=cora, students=[student], kind="concern", summary="GP letter")

    def refuse(*args, **kwargs):
        raise DatabaseError("refused")

    monkeypatch.setattr(Attachment, "save", refuse)
    with pytest.raises(DatabaseError):
        attach_file(entry=entry, upload=SimpleUploadedFile("a.pdf", pdf(100)), user=tom)
    assert stored(client, name) == {}


def test_a_work_file_goes_to_the_bucket_and_comes_back_through_its_view(
    bucket, s3_endpoint, settings, client_for, tom, cora, dee, rita
):
    import datetime as dt

    from tests.referrals_helpers import make_placement
    from tests.test_timetable_work import TODAY

    client, name = bucket
    placement = make_placement(approver=dee, referrer=rita, started=True)
    work = lesson(placement, tom, TODAY + dt.timedelta(days=1), period("P1"))
    data = pdf(200_000)

    response = set_work(client_for(tom), work, file=SimpleUploadedFile("sheet.pdf", data))
    assert response.status_code == 302
    work = WorkRequest.objects.get(pk=work.pk)
    assert stored(client, name) == {work.file.name: data}
    assert no_files_on_disk(settings.MEDIA_ROOT)

    url = reverse("timetables:work_file", kwargs={"work_pk": work.pk})
    response = client_for(cora).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert anonymous_get(s3_endpoint, name, work.file.name) == 403


def test_an_import_waits_in_the_bucket_between_preview_and_apply(bucket, settings, client_for, ada):
    from tests.test_imports import SIMS_HEADER, sims_row, to_csv

    client, name = bucket
    data = to_csv([SIMS_HEADER, sims_row(1)]).encode()
    admin = client_for(ada)
    response = admin.post(
        reverse("imports:upload"),
        {"kind": "students", "file": SimpleUploadedFile("students.csv", data)},
    )
    token = response.context["token"]
    assert stored(client, name) == {f"imports/{token}.csv": data}
    assert no_files_on_disk(settings.MEDIA_ROOT)

    response = admin.post(reverse("imports:apply"), {"token": token})
    assert response.status_code == 302
    assert stored(client, name) == {}


# --- preparing the bucket (docker-compose's `bucket` service) -------------------------


def use_bucket(settings, endpoint: str, name: str) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "records.storage.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": endpoint,
                "region_name": REGION,
                "access_key": KEYS["aws_access_key_id"],
                "secret_key": KEYS["aws_secret_access_key"],
                "addressing_style": "path",
            },
        },
    }


def test_preparing_makes_a_missing_bucket_and_checks_it_is_private(s3_endpoint, settings):
    from io import StringIO

    from django.core.management import call_command

    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION, **KEYS)
    name = f"enigma-new-{secrets.token_hex(6)}"
    use_bucket(settings, s3_endpoint, name)
    try:
        out = StringIO()
        call_command("prepare_private_storage", wait=5, stdout=out)
        assert f"Bucket {name} created." in out.getvalue()
        assert "refuses anyone without the keys" in out.getvalue()
        client.head_bucket(Bucket=name)
        assert client.list_objects_v2(Bucket=name).get("Contents", []) == []  # probe gone

        out = StringIO()
        call_command("prepare_private_storage", wait=5, stdout=out)  # again: nothing new
        assert f"Bucket {name} exists." in out.getvalue()
    finally:
        client.delete_bucket(Bucket=name)


def test_preparing_refuses_a_bucket_anyone_can_read(s3_endpoint, settings):
    import json

    from django.core.management import CommandError, call_command

    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION, **KEYS)
    name = f"enigma-public-{secrets.token_hex(6)}"
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    public = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{name}/*",
            }
        ],
    }
    client.put_bucket_policy(Bucket=name, Policy=json.dumps(public))
    use_bucket(settings, s3_endpoint, name)
    try:
        with pytest.raises(CommandError, match="Anyone can read a file"):
            call_command("prepare_private_storage", wait=5)
        assert client.list_objects_v2(Bucket=name).get("Contents", []) == []
    finally:
        client.delete_bucket(Bucket=name)


def test_preparing_on_disk_has_nothing_to_do(settings, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    settings.MEDIA_ROOT = tmp_path
    out = StringIO()
    call_command("prepare_private_storage", stdout=out)
    assert "nothing to prepare" in out.getvalue()


def test_the_bucket_is_configured_from_the_environment():
    import json
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "enigma.settings.base",
        "DATABASE_URL": "postgres://u:p@127.0.0.1:1/x",
        "S3_BUCKET": "trust-files",
        "S3_ENDPOINT_URL": "http://s3:8333",
        "S3_REGION": "eu-west-2",
        "S3_ACCESS_KEY_ID": "the-key",
        "S3_SECRET_ACCESS_KEY": "the-secret",
        "S3_ADDRESSING_STYLE": "path",
    }
    script = (
        "import json, django; django.setup();"
        "from django.core.files.storage import storages; s = storages['private'];"
        "print(json.dumps([type(s).__name__, s.bucket_name, s.endpoint_url, s.region_name,"
        " s.access_key, s.secret_key, s.addressing_style, s.file_overwrite]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        "PrivateS3Storage",
        "trust-files",
        "http://s3:8333",
        "eu-west-2",
        "the-key",
        "the-secret",
        "path",
        False,
    ]
