"""Make the private files' bucket if it is missing, and refuse to go on if it is public.

Run once per deploy, before the web servers start (docker-compose.yml's `bucket` service
does). With private files on disk (no S3_BUCKET) there is nothing to do.
"""

import secrets
import time

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError

from records.storage import PRIVATE, PrivateS3Storage

_MISSING = {"404", "NoSuchBucket", "NotFound"}


class Command(BaseCommand):
    help = (
        "Create the private files' S3 bucket if it does not exist, then check that nobody "
        "can read a file from it without the keys (exits non-zero if they can)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait",
            type=int,
            default=60,
            help="Seconds to wait for the S3 server to answer (it may still be starting).",
        )

    def handle(self, *args, wait=60, **options):
        storage = storages[PRIVATE]
        if not isinstance(storage, PrivateS3Storage):
            self.stdout.write(
                f"Private files are kept on this machine's disk ({storage.location}): "
                "nothing to prepare."
            )
            return
        client = storage.connection.meta.client
        bucket = storage.bucket_name
        if self._exists(client, bucket, wait):
            self.stdout.write(f"Bucket {bucket} exists.")
        else:
            region = client.meta.region_name
            options = {"Bucket": bucket}
            if region and region != "us-east-1":
                options["CreateBucketConfiguration"] = {"LocationConstraint": region}
            client.create_bucket(**options)
            self.stdout.write(f"Bucket {bucket} created.")
        self._check_private(storage, client, bucket)
        self.stdout.write(f"Bucket {bucket} refuses anyone without the keys.")

    def _exists(self, client, bucket: str, wait: int) -> bool:
        deadline = time.monotonic() + wait
        while True:
            try:
                client.head_bucket(Bucket=bucket)
                return True
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in _MISSING:
                    return False
                problem = error
            except BotoCoreError as error:  # not answering yet
                problem = error
            if time.monotonic() >= deadline:
                raise CommandError(f"The S3 server did not answer for {bucket}: {problem}")
            time.sleep(2)

    def _check_private(self, storage, client, bucket: str) -> None:
        """Write a probe object and try to read it back unsigned, as anyone could."""
        probe = f"probes/{secrets.token_hex(16)}"
        client.put_object(Bucket=bucket, Key=probe, Body=b"private")
        try:
            anonymous = boto3.session.Session().client(
                "s3",
                endpoint_url=client.meta.endpoint_url,
                region_name=client.meta.region_name,
                config=Config(
                    signature_version=UNSIGNED,
                    s3={"addressing_style": storage.addressing_style or "auto"},
                ),
            )
            try:
                anonymous.get_object(Bucket=bucket, Key=probe)
                readable = True
            except ClientError:
                readable = False
        finally:
            client.delete_object(Bucket=bucket, Key=probe)
        if readable:
            raise CommandError(
                f"Anyone can read a file in bucket {bucket} without the keys. "
                "Make it private (remove any public bucket policy or ACL, turn on Block "
                "Public Access) before Enigma keeps children's records in it."
            )
