"""Backups and restore (issue 16): `manage.py backup` writes one encrypted archive of the
database and the private files; `manage.py restore` rebuilds an empty database from it,
here a second embedded PostgreSQL, with its append-only protections in force."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import timedelta
from importlib import import_module
from pathlib import Path

import psycopg
import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from enigma import backups
from enigma.embedded_db import embedded_database_urls
from enigma.models import AuditEvent, BackupRun
from records.models import ChronologyLink, Entry
from records.services.attachments import attach_file

ROOT = Path(settings.BASE_DIR)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
OTHER_KEY = "AGE-SECRET-KEY-1ADJKT4GL0U4R85QWR5GJ97YT3QD4RLS4TM0LMPZQYPY8R55TWXYQFY2C75"


def manage(*args: str, database: tuple[str, str], files: Path):
    """Run manage.py in a process of its own against another database."""
    app_url, owner_url = database
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.restore_settings",
        "DATABASE_URL": app_url,
        "DATABASE_OWNER_URL": owner_url,
        "ENIGMA_TEST_RESTORE_FILES": str(files),
    }
    env.pop("ENIGMA_TEST_TODAY", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND relkind = 'r'"
            )
        ]
        count = 'SELECT count(*) FROM "{}"'
        return {t: conn.execute(count.format(t)).fetchone()[0] for t in tables}


def restricted_rows(url: str) -> set[tuple]:
    with psycopg.connect(url) as conn:
        return set(
            conn.execute(
                "SELECT e.id, l.student_id, e.summary, e.restricted, c.name, c.restricted "
                "FROM records_entry e LEFT JOIN records_category c ON c.id = e.category_id "
                "JOIN records_chronologylink l ON l.entry_id = e.id "
                "WHERE e.restricted OR coalesce(c.restricted, false)"
            )
        )


def append_only_triggers(url: str) -> set[tuple[str, str]]:
    with psycopg.connect(url) as conn:
        return set(
            conn.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND t.tgenabled = 'O' AND t.tgname LIKE 'pgtrigger_%'"
            )
        )


def source_urls() -> tuple[str, str]:
    """libpq URLs of the test database, as the application role and as the owner."""
    from enigma import db_roles

    def url(conn) -> str:
        return backups._libpq_for_psycopg(conn)[0]

    return url(connection), url(db_roles.owner_connection(connection))


@pytest.mark.django_db(transaction=True)
def test_the_demo_school_survives_a_backup_and_a_restore_into_a_new_server(
    tmp_path, dina, settings
):
    settings.MEDIA_ROOT = tmp_path / "private"  # this school's files only, not other tests'
    # The default categories come from a data migration, which the flush after another
    # transactional test has emptied.
    import_module("records.migrations.0002_default_categories").add_defaults(apps, None)
    call_command("seed_demo", students=30, stdout=open(os.devnull, "w"))  # noqa: SIM115
    restricted = Entry.objects.filter(restricted=True).first()
    assert restricted is not None, "the demo has a restricted safeguarding entry"
    kept = attach_file(
        entry=restricted,
        upload=SimpleUploadedFile("strategy-meeting.pdf", PDF, "application/pdf"),
        user=dina,
    )
    links = ChronologyLink.objects.count()

    archive = tmp_path / "backup.age"
    call_command("backup", output=archive, stdout=open(os.devnull, "w"))  # noqa: SIM115
    run = BackupRun.objects.get()
    assert run.status == BackupRun.Status.OK and run.size_bytes == archive.stat().st_size
    assert run.files == 1 and run.rows > 0
    assert AuditEvent.objects.filter(action=backups.Action.MADE, object_id=str(run.pk)).count() == 1
    assert PDF not in archive.read_bytes() and b"PGDMP" not in archive.read_bytes()

    owner_url = source_urls()[1]
    source = counts(owner_url)
    # Refused before anything is touched: another key, a byte changed, the end cut off.
    data = archive.read_bytes()
    tampered, truncated = tmp_path / "tampered.age", tmp_path / "truncated.age"
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x01
    tampered.write_bytes(bytes(flipped))
    truncated.write_bytes(data[: len(data) - 1000])
    refusals = {
        (archive, OTHER_KEY): "was not encrypted with this BACKUP_KEY",
        (tampered, None): "is damaged or has been altered",
        (truncated, None): "is damaged or has been altered",
    }
    for (path, key), message in refusals.items():
        with (
            override_settings(ENIGMA_BACKUP_KEY=key or settings.ENIGMA_BACKUP_KEY),
            pytest.raises(CommandError, match=message),
        ):
            call_command("restore", str(path), "--force")
    assert counts(owner_url) == source
    # A database that is not empty is refused unless --force.
    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore", str(archive))

    target = embedded_database_urls(ROOT / "var" / "test" / "pg", throwaway=True)
    files = tmp_path / "restored-files"
    done = manage("restore", str(archive), database=target, files=files)
    assert done.returncode == 0, done.stderr
    assert "as in its manifest" in done.stdout

    restored = counts(target[1])
    # The restore wrote one audit row of its own there, as the backup did here.
    assert restored == source
    with psycopg.connect(target[1]) as conn:
        actions = [a for (a,) in conn.execute("SELECT action FROM enigma_auditevent ORDER BY id")]
        assert actions[-1] == backups.Action.RESTORED and backups.Action.MADE not in actions
        # The run that made the archive shows as succeeded in the restored database.
        assert conn.execute("SELECT status FROM enigma_backuprun").fetchall() == [("ok",)]

    verified = manage("verify_chronology", database=target, files=files)
    assert verified.returncode == 0, verified.stderr
    assert f"All chronologies intact: {links} links checked." in verified.stdout

    # Restricted entries, their categories and every append-only trigger are as they were,
    # the tables belong to the owner, and the application role still cannot change them.
    assert restricted_rows(target[1]) == restricted_rows(owner_url)
    assert restricted.pk in {row[0] for row in restricted_rows(target[1])}
    assert append_only_triggers(target[1]) == append_only_triggers(owner_url)
    assert len(append_only_triggers(target[1])) >= 3 * 6
    with psycopg.connect(target[0], autocommit=True) as conn:
        owners = {
            o
            for (o,) in conn.execute(
                "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
            )
        }
        assert owners == {"enigma_owner"}
        for sql in (
            "UPDATE records_entry SET restricted = false WHERE id = %s",
            "DELETE FROM records_entry WHERE id = %s",
            "ALTER TABLE records_entry DISABLE TRIGGER USER",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql, [restricted.pk] if "%s" in sql else None)
        # Sequences carried over: a new row takes the next id.
        next_id = conn.execute(
            "INSERT INTO enigma_backuprun (started_at, status, trigger, archive_name, error) "
            "VALUES (now(), 'running', 'command', '', '') RETURNING id"
        ).fetchone()[0]
        assert next_id == run.pk + 1

    copy = files / kept.file.name
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == kept.sha256
    assert oct(copy.stat().st_mode & 0o777) == "0o600"


# ---------------------------------------------------------------- the nightly run


@pytest.mark.django_db
def test_the_nightly_backup_records_its_run_and_runs_once_a_night():
    from enigma.tasks import nightly_backup

    assert nightly_backup.apply().get() == "ok"
    run = BackupRun.objects.get()
    assert run.trigger == BackupRun.Trigger.NIGHTLY and run.finished_at >= run.started_at
    archive = Path(settings.ENIGMA_BACKUP_DIR) / run.archive_name
    assert archive.stat().st_size == run.size_bytes and run.tables > 20
    event = AuditEvent.objects.get(action=backups.Action.MADE)
    assert event.actor_label == "Nightly backup" and event.data["archive"] == run.archive_name
    # Beat tries again later in the night: nothing more once one has succeeded.
    assert nightly_backup.apply().get() == "skipped"
    assert BackupRun.objects.count() == 1


@pytest.mark.django_db
def test_a_backup_without_its_key_fails_visibly_and_writes_nothing(settings, tmp_path):
    settings.ENIGMA_BACKUP_KEY = ""
    with pytest.raises(CommandError, match="BACKUP_KEY is not set"):
        call_command("backup", output=tmp_path / "x.age")
    run = BackupRun.objects.get()
    assert run.status == BackupRun.Status.FAILED and "BACKUP_KEY is not set" in run.error
    assert AuditEvent.objects.filter(action=backups.Action.FAILED, object_id=str(run.pk)).exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
def test_a_run_left_running_by_a_dead_worker_is_closed_and_the_night_goes_on():
    dead = BackupRun.objects.create(
        trigger=BackupRun.Trigger.NIGHTLY,
        started_at=timezone.now() - backups.RUNNING_LIMIT - timedelta(minutes=1),
    )
    run = backups.run_backup(trigger=BackupRun.Trigger.NIGHTLY)
    dead.refresh_from_db()
    assert dead.status == BackupRun.Status.FAILED and "Did not finish" in dead.error
    assert run.status == BackupRun.Status.OK


def test_pruning_keeps_the_newest_archives_and_nothing_else_is_touched(tmp_path):
    names = [f"enigma-backup-202611{day:02d}-013000.age" for day in range(1, 17)]
    for name in [*names, "notes.txt", "enigma-backup-20261101-013000.age.partial"]:
        (tmp_path / name).write_bytes(b"x")
    assert backups.prune(tmp_path, keep=14) == names[:2]
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([*names[2:], "notes.txt", "enigma-backup-20261101-013000.age.partial"])


# ------------------------------------------------------- what the school admin sees


@pytest.mark.django_db
def test_the_admin_home_warns_once_the_last_backup_is_over_two_days_old(ada, cora, client_for):
    finished = timezone.now()
    BackupRun.objects.create(
        trigger=BackupRun.Trigger.NIGHTLY,
        started_at=finished - timedelta(minutes=3),
        finished_at=finished,
        status=BackupRun.Status.OK,
        archive_name="enigma-backup-20261130-013000.age",
        size_bytes=2048,
        rows=10,
        files=1,
    )
    home = reverse("student_directory")
    with time_machine.travel(finished + timedelta(days=2, minutes=-1), tick=False):
        assert "more than two days ago" not in client_for(ada).get(home).content.decode()
    with time_machine.travel(finished + timedelta(days=2, minutes=1), tick=False):
        page = client_for(ada).get(home).content.decode()
        assert "The last successful backup was made" in page and "more than two days ago" in page
        assert "more than two days ago" not in client_for(cora).get(home).content.decode()


@pytest.mark.django_db
def test_the_settings_page_shows_the_last_success_and_a_failure_after_it(ada, client_for):
    now = timezone.now()
    BackupRun.objects.create(
        trigger=BackupRun.Trigger.NIGHTLY,
        started_at=now - timedelta(days=1),
        finished_at=now - timedelta(days=1),
        status=BackupRun.Status.OK,
        archive_name="enigma-backup-20261130-013000.age",
        size_bytes=2048,
        rows=10,
        files=1,
    )
    BackupRun.objects.create(
        trigger=BackupRun.Trigger.NIGHTLY,
        started_at=now,
        finished_at=now,
        status=BackupRun.Status.FAILED,
        error="pg_dump failed (exit 1): disk full",
    )
    page = client_for(ada).get(reverse("school_settings")).content.decode()
    assert "enigma-backup-20261130-013000.age" in page and "2.0\xa0KB" in page
    assert "Failed: pg_dump failed (exit 1): disk full" in page


@pytest.mark.django_db
def test_with_no_backup_ever_the_admin_home_says_so(ada, client_for):
    page = client_for(ada).get(reverse("home"), follow=True).content.decode()
    assert "No backup has succeeded yet." in page


@pytest.mark.django_db
def test_a_worker_holding_only_the_public_key_writes_backups_it_cannot_open(
    settings, tmp_path, capsys
):
    call_command("backup", new_key=True)
    printed = capsys.readouterr().out
    secret = next(w for w in printed.split() if w.startswith("AGE-SECRET-KEY-1"))
    public = next(w for w in printed.split() if w.startswith("age1"))
    settings.ENIGMA_BACKUP_KEY = public
    archive = tmp_path / "public.age"
    call_command("backup", output=archive, stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert BackupRun.objects.get().status == BackupRun.Status.OK
    with pytest.raises(backups.BackupError, match="public key, which can make backups"):
        backups.backup_identity()  # what restore asks first
    from pyrage import x25519

    (tmp_path / "w").mkdir()
    opened = backups.read_archive(archive, x25519.Identity.from_str(secret), tmp_path / "w")
    assert opened.manifest["database"]["tables"] and opened.dump.stat().st_size > 0


def test_a_malformed_public_key_is_refused_with_what_a_key_looks_like(settings):
    settings.ENIGMA_BACKUP_KEY = "age1notakey"
    with pytest.raises(backups.BackupError, match="starts age1 and is one line"):
        backups.backup_recipient()
