"""Encrypted backups of the database and the private files, and their restore.

An archive is one file, encrypted with age (https://age-encryption.org, through pyrage)
to the public half of BACKUP_KEY (the backup worker should hold only that half; restore
needs the secret one): authenticated, streamed in 64 KiB chunks, so a wrong
key, a flipped byte or a cut-off file is refused, and neither side ever holds the whole
database in memory. Inside is an ordinary tar stream, so that in a disaster the school's
IT can open it without Enigma (`age -d -i key.txt FILE | tar x`):

- database.dump: `pg_dump --format=custom --no-owner --no-privileges`, taken in one
  snapshot with the row counts in the manifest;
- files/<name>: every file of the private storage (attachments, pending imports);
- manifest.json, last: what the archive holds (rows per table, each part's size and
  sha256, the migrations applied), checked in full before anything is restored.

The dump is made as the application role (it may read every table) and restored as the
owner (DATABASE_OWNER_URL) into an empty database; the application role is then granted
what `migrate` grants it (enigma.db_roles.grant_app_role), so the append-only triggers,
restored with the schema, stand as before and the role still cannot get round them.
CHRONOLOGY_KEYS is not in the archive: keep it, and BACKUP_KEY, apart from the backups.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import pyrage
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import connection as default_connection
from django.db import transaction
from django.utils import timezone
from pyrage import x25519

from enigma import audit, db_roles
from enigma.models import BackupRun

logger = logging.getLogger(__name__)

FORMAT = "enigma-backup"
FORMAT_VERSION = 1
DUMP_NAME = "database.dump"
FILES_PREFIX = "files/"
MANIFEST_NAME = "manifest.json"
ARCHIVE_PATTERN = re.compile(r"^enigma-backup-\d{8}-\d{6}\.age$")
CHUNK = 1024 * 1024

# A nightly run is skipped when one succeeded this recently (beat tries several times a
# night, so a missed hour is made up); one still running after RUNNING_LIMIT is taken
# to have died with its worker.
RECENT_SUCCESS = timedelta(hours=20)
RUNNING_LIMIT = timedelta(hours=3)
_LOCK_KEY = 0x656E_6267  # pg_advisory_xact_lock: one claim at a time

# Connection parameters that Django passes to psycopg but libpq does not know.
_NOT_LIBPQ = {
    "cursor_factory",
    "context",
    "prepare_threshold",
    "server_side_binding",
    "pool",
    "isolation_level",
    "assume_role",
    "password",
}


class Action:
    MADE = "backups.made"
    FAILED = "backups.failed"
    RESTORED = "backups.restored"


LABELS = {
    Action.MADE: "Made a backup",
    Action.FAILED: "A backup failed",
    Action.RESTORED: "Restored the database from a backup",
}
GROUPS = {"backups.": "Backups"}


class BackupError(Exception):
    """Something the person running a backup or restore must put right; the message
    says what, in words for them."""


# ---------------------------------------------------------------------------- the key


MAKE_ONE = (
    "Make one with `manage.py backup --new-key` (or age-keygen) and keep the secret key "
    "apart from the backups: without it no backup can be restored."
)


def _key() -> str:
    key = (settings.ENIGMA_BACKUP_KEY or "").strip()
    if not key:
        raise BackupError(
            "BACKUP_KEY is not set: backups are encrypted with it, and nothing is written "
            f"without it. {MAKE_ONE}"
        )
    return key


def backup_recipient() -> x25519.Recipient:
    """Whom the nightly archive is encrypted to: BACKUP_KEY's public half.

    BACKUP_KEY may be the age public key (age1..., what the backup worker should hold:
    a stolen worker then cannot read a backup) or the secret key (AGE-SECRET-KEY-1...,
    which restore needs)."""
    key = _key()
    if key.startswith("age1"):
        try:
            return x25519.Recipient.from_str(key)
        except pyrage.RecipientError:
            raise BackupError(
                "BACKUP_KEY is not an age public key: it starts age1 and is one line of 62 "
                "characters."
            ) from None
    return backup_identity().to_public()


def backup_identity() -> x25519.Identity:
    """BACKUP_KEY as the age secret key restore needs. Refuses when it is missing,
    malformed or only the public half."""
    key = _key()
    if key.startswith("age1"):
        raise BackupError(
            "BACKUP_KEY here is the public key, which can make backups but not open them. "
            "Restore with the secret key: BACKUP_KEY=AGE-SECRET-KEY-1... manage.py restore FILE."
        )
    try:
        return x25519.Identity.from_str(key)
    except pyrage.IdentityError:
        raise BackupError(
            "BACKUP_KEY is not an age key: the secret key starts AGE-SECRET-KEY-1 and is one "
            "line of 74 characters; the public key starts age1."
        ) from None


def new_key() -> tuple[str, str]:
    """A new key pair: (secret, public)."""
    identity = x25519.Identity.generate()
    return str(identity), str(identity.to_public())


# -------------------------------------------------------------- PostgreSQL's own tools


def _tool_major(path: str) -> int | None:
    try:
        out = subprocess.run(  # noqa: S603 - a PostgreSQL program found by pg_tool()
            [path, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"\)\s*(\d+)", out)
    return int(found.group(1)) if found else None


def pg_tool(name: str, server_major: int) -> str:
    """The path of pg_dump or pg_restore for a server of this major version.

    PG_BIN_DIR if set (only there); else the one on PATH; else, for the demo and the
    tests, the embedded server's own (enigma.embedded_db). It must be at least as new as
    the server: an older pg_dump refuses a newer server.
    """
    if settings.ENIGMA_PG_BIN_DIR:
        candidates = [str(Path(settings.ENIGMA_PG_BIN_DIR) / name)]
    else:
        from enigma.embedded_db import bundled_tools

        candidates = [p for p in [shutil.which(name), *bundled_tools(name)] if p]
    seen = []
    for path in candidates:
        major = _tool_major(path)
        seen.append(f"{path} ({major or 'not runnable'})")
        if major is not None and major >= server_major:
            return path
    raise BackupError(
        f"No {name} for PostgreSQL {server_major} or newer was found"
        + (f" (found {', '.join(seen)})" if seen else "")
        + f": install postgresql-client-{server_major} or set PG_BIN_DIR to the folder "
        f"that holds {name}."
    )


def _libpq(conn) -> tuple[list[str], dict[str, str]]:
    """`--dbname=...` for a Django connection, and the environment that carries its
    password (never on the command line, where other accounts could read it)."""
    from psycopg.conninfo import make_conninfo

    params = conn.get_connection_params()
    conninfo = make_conninfo(
        **{k: str(v) for k, v in params.items() if k not in _NOT_LIBPQ and v not in ("", None)}
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if params.get("password"):
        env["PGPASSWORD"] = str(params["password"])
    return [f"--dbname={conninfo}"], env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(  # noqa: S603 - pg_dump or pg_restore, with arguments we built
        command, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-8:]
        raise BackupError(f"{what} failed (exit {done.returncode}): " + " | ".join(detail))


# --------------------------------------------------------------------- private files


def private_storage() -> Storage:
    """Where the private files live: the "private" storage when one is configured
    (STORAGES), else PRIVATE_FILES_DIR, written 0600 in 0700 folders as records does."""
    if "private" in settings.STORAGES:
        return storages["private"]
    return FileSystemStorage(
        location=settings.MEDIA_ROOT, file_permissions_mode=0o600, directory_permissions_mode=0o700
    )


def storage_files(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file's name in a storage, folders first-to-last in name order."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        yield from storage_files(storage, f"{folder}/{sub}" if folder else sub)


class _Hashing:
    """A reader that hashes and counts what passes through it."""

    def __init__(self, raw: BinaryIO):
        self.raw, self.sha256, self.size = raw, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.sha256.update(data)
        self.size += len(data)
        return data


# ------------------------------------------------------------------------- the dump


@dataclass
class Snapshot:
    tables: dict[str, int]
    server_version: str
    migrations: dict[str, str]


def dump_database(conn, target: Path) -> Snapshot:
    """pg_dump (custom format) of `conn`'s database into target, and the row count of
    every table, both from one snapshot so they agree."""
    import psycopg
    from psycopg import sql

    raw = psycopg.connect(*_libpq_for_psycopg(conn))
    try:
        raw.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        raw.read_only = True
        with raw.cursor() as cur:
            cur.execute(
                "SELECT pg_export_snapshot(), current_setting('server_version'), "
                "current_setting('server_version_num')::int, current_schema()"
            )
            snapshot, version, version_num, schema = cur.fetchone()
            tables = _tables(cur, schema)
            counts = {}
            for table in tables:
                cur.execute(
                    sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, table))
                )
                counts[table] = cur.fetchone()[0]
            cur.execute(
                "SELECT DISTINCT ON (app) app, name FROM django_migrations "
                "ORDER BY app, applied DESC, id DESC"
            )
            migrations = dict(cur.fetchall())
            args, env = _libpq(conn)
            _run(
                [
                    pg_tool("pg_dump", version_num // 10000),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                    *args,
                ],
                env,
                "pg_dump",
            )
    finally:
        raw.close()
    return Snapshot(tables=counts, server_version=version, migrations=migrations)


def _libpq_for_psycopg(conn) -> tuple[str]:
    from psycopg.conninfo import make_conninfo

    params = conn.get_connection_params()
    keep = {k: v for k, v in params.items() if k not in _NOT_LIBPQ - {"password"}}
    return (make_conninfo(**{k: str(v) for k, v in keep.items() if v not in ("", None)}),)


def _tables(cur, schema: str) -> list[str]:
    cur.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY 1",
        [schema],
    )
    return [name for (name,) in cur.fetchall()]


# ---------------------------------------------------------------------- the archive


def write_archive(
    destination: BinaryIO, recipient, *, dump: Path, storage: Storage, manifest: dict
) -> dict:
    """Stream dump, every file of storage and the manifest (completed with each part's
    size and sha256) as a tar into age, encrypted to recipient. Returns the manifest."""
    read_end, write_end = os.pipe()
    reader, writer = os.fdopen(read_end, "rb"), os.fdopen(write_end, "wb")
    failed: list[BaseException] = []

    def encrypt():
        try:
            pyrage.encrypt_io(reader, destination, [recipient])
        except BaseException as error:  # handed to the writing thread below
            failed.append(error)
        finally:
            reader.close()

    thread = threading.Thread(target=encrypt, name="backup-encrypt", daemon=True)
    thread.start()
    broken = False
    try:
        with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            with dump.open("rb") as source:
                manifest["database"].update(_add(tar, DUMP_NAME, source, dump.stat().st_size))
            files = []
            for name in storage_files(storage):
                with storage.open(name, "rb") as source:
                    files.append(
                        {"name": name, **_add(tar, FILES_PREFIX + name, source, storage.size(name))}
                    )
            manifest["files"] = {
                "count": len(files),
                "bytes": sum(f["size"] for f in files),
                "items": files,
            }
            body = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST_NAME)
            info.size, info.mtime, info.mode = len(body), int(timezone.now().timestamp()), 0o600
            tar.addfile(info, _Hashing(_BytesReader(body)))
    except BrokenPipeError:
        broken = True  # the encryption stopped: its own error is raised below
    finally:
        with contextlib.suppress(BrokenPipeError):
            writer.close()
        thread.join()
    if failed or broken:
        raise BackupError(f"Encrypting the archive failed: {failed[0] if failed else 'stopped'}")
    return manifest


class _BytesReader:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def read(self, n: int = -1) -> bytes:
        end = len(self.data) if n < 0 else self.at + n
        chunk, self.at = self.data[self.at : end], min(end, len(self.data))
        return chunk


def _add(tar: tarfile.TarFile, name: str, source: BinaryIO, size: int) -> dict:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(timezone.now().timestamp()), 0o600
    hashing = _Hashing(source)
    tar.addfile(info, hashing)
    return {"size": hashing.size, "sha256": hashing.sha256.hexdigest()}


@dataclass
class Opened:
    """An archive decrypted into a private working folder and checked in full."""

    manifest: dict
    dump: Path
    files: dict[str, Path] = field(default_factory=dict)


def read_archive(path: Path, identity, workdir: Path) -> Opened:
    """Decrypt and unpack path into workdir and check every part against the manifest.

    Refuses (BackupError) a wrong key, an archive altered or cut short anywhere, and one
    whose parts do not match its manifest. Nothing outside workdir is touched; files are
    unpacked under numbered names, so no name in the archive chooses a path.
    """
    read_end, write_end = os.pipe()
    reader, writer = os.fdopen(read_end, "rb"), os.fdopen(write_end, "wb")
    failed: list[BaseException] = []

    def decrypt():
        try:
            with path.open("rb") as source:
                pyrage.decrypt_io(source, writer, [identity])
        except BaseException as error:  # handed to the reading thread below
            failed.append(error)
        finally:
            with contextlib.suppress(BrokenPipeError):
                writer.close()

    thread = threading.Thread(target=decrypt, name="backup-decrypt", daemon=True)
    thread.start()
    seen: dict[str, dict] = {}
    unpack_problem = None
    try:
        with tarfile.open(fileobj=reader, mode="r|") as tar:
            for number, member in enumerate(tar):
                if not member.isfile():
                    raise BackupError(
                        f"The archive holds something that is not a file: {member.name!r}."
                    )
                target = workdir / f"part-{number:06d}"
                source = tar.extractfile(member)
                hashing = _Hashing(source)
                with target.open("wb") as out:
                    os.chmod(target, 0o600)
                    shutil.copyfileobj(hashing, out, CHUNK)
                seen[member.name] = {
                    "path": target,
                    "size": hashing.size,
                    "sha256": hashing.sha256.hexdigest(),
                }
    except (tarfile.TarError, BackupError, OSError) as problem:
        unpack_problem = problem
    finally:
        # Read to the very end, so that age checks the last chunk too (a tampered tail).
        while reader.read(CHUNK):
            pass
        reader.close()
        thread.join()
    if failed:
        raise _decrypt_problem(path, failed[0])
    if unpack_problem is not None:
        raise BackupError(f"{path.name} is not an Enigma backup ({unpack_problem}).")
    return _checked(path, seen)


def _decrypt_problem(path: Path, error: BaseException) -> BackupError:
    text = str(error)
    if "No matching keys" in text:
        return BackupError(
            f"{path.name} was not encrypted with this BACKUP_KEY: it cannot be opened with "
            f"it. Use the key that was in force when it was made. Nothing was restored."
        )
    if isinstance(error, pyrage.DecryptError) and "decryption error" not in text:
        return BackupError(
            f"{path.name} is not an encrypted Enigma backup ({text}). Nothing was restored."
        )
    return BackupError(
        f"{path.name} is damaged or has been altered: it failed its authentication check "
        f"({text}). Nothing was restored; use another backup."
    )


def _checked(path: Path, seen: dict[str, dict]) -> Opened:
    def refuse(why: str) -> BackupError:
        return BackupError(f"{path.name} does not match its manifest: {why}. Nothing was restored.")

    if MANIFEST_NAME not in seen:
        raise refuse("it has no manifest")
    manifest = json.loads(seen.pop(MANIFEST_NAME)["path"].read_bytes())
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise refuse(f"it is format {manifest.get('format')!r} version {manifest.get('version')!r}")
    expected = {DUMP_NAME: manifest["database"]}
    expected.update({FILES_PREFIX + f["name"]: f for f in manifest["files"]["items"]})
    if set(seen) != set(expected):
        extra = sorted(set(seen) ^ set(expected))
        raise refuse(f"{len(extra)} parts differ, e.g. {extra[0]!r}")
    for name, part in seen.items():
        if (part["size"], part["sha256"]) != (expected[name]["size"], expected[name]["sha256"]):
            raise refuse(f"{name} has changed")
    return Opened(
        manifest=manifest,
        dump=seen[DUMP_NAME]["path"],
        files={
            name[len(FILES_PREFIX) :]: part["path"]
            for name, part in seen.items()
            if name != DUMP_NAME
        },
    )


# ---------------------------------------------------------------------- making one


@dataclass
class Made:
    path: Path
    size: int
    manifest: dict

    @property
    def rows(self) -> int:
        return sum(self.manifest["database"]["tables"].values())


def make_backup(output: Path, *, run_id: int | None = None, conn=None) -> Made:
    """Write one archive to output (via output.partial, renamed when complete)."""
    conn = conn or default_connection
    recipient = backup_recipient()
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with tempfile.TemporaryDirectory(prefix=".enigma-backup-", dir=output.parent) as work:
        dump = Path(work) / DUMP_NAME
        snapshot = dump_database(conn, dump)
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "created_at": timezone.now().isoformat(),
            "backup_run": run_id,
            "database": {
                "name": DUMP_NAME,
                "server_version": snapshot.server_version,
                "tables": snapshot.tables,
                "migrations": snapshot.migrations,
            },
        }
        try:
            with partial.open("wb") as out:
                os.chmod(partial, 0o600)
                write_archive(
                    out, recipient, dump=dump, storage=private_storage(), manifest=manifest
                )
                out.flush()
                os.fsync(out.fileno())
            partial.replace(output)
        finally:
            partial.unlink(missing_ok=True)
    return Made(path=output, size=output.stat().st_size, manifest=manifest)


def archive_name(now=None) -> str:
    return f"enigma-backup-{timezone.localtime(now):%Y%m%d-%H%M%S}.age"


def run_backup(*, trigger: str, output: Path | None = None) -> BackupRun | None:
    """Make a backup and record it (a BackupRun row and an audit row), failed or not.

    Nightly runs are skipped (None) while another runs or one succeeded in the last
    RECENT_SUCCESS, and prune the folder to the newest BACKUP_KEEP archives after a
    success. Errors are recorded, not raised: read the run's status.
    """
    run = _claim(trigger)
    if run is None:
        return None
    actor = "Nightly backup" if trigger == BackupRun.Trigger.NIGHTLY else "manage.py backup"
    path = output or Path(settings.ENIGMA_BACKUP_DIR) / archive_name(run.started_at)
    try:
        made = make_backup(path, run_id=run.pk)
    except Exception as error:  # every failure is recorded for the admin to see
        logger.exception("Backup failed")
        run.status, run.finished_at = BackupRun.Status.FAILED, timezone.now()
        run.error = _error_text(error)
        with transaction.atomic():
            run.save(update_fields=["status", "finished_at", "error"])
            audit.record(Action.FAILED, actor_label=actor, obj=run, data={"error": run.error})
        return run
    run.status, run.finished_at = BackupRun.Status.OK, timezone.now()
    run.archive_name, run.size_bytes = made.path.name, made.size
    run.tables, run.rows = len(made.manifest["database"]["tables"]), made.rows
    run.files = made.manifest["files"]["count"]
    with transaction.atomic():
        run.save(
            update_fields=[
                "status",
                "finished_at",
                "archive_name",
                "size_bytes",
                "tables",
                "rows",
                "files",
            ]
        )
        audit.record(
            Action.MADE,
            actor_label=actor,
            obj=run,
            data={
                "archive": made.path.name,
                "bytes": made.size,
                "rows": made.rows,
                "files": run.files,
            },
        )
    if trigger == BackupRun.Trigger.NIGHTLY:
        prune(Path(settings.ENIGMA_BACKUP_DIR), keep=settings.ENIGMA_BACKUP_KEEP)
    return run


def _error_text(error: Exception) -> str:
    text = str(error) if isinstance(error, BackupError) else f"{type(error).__name__}: {error}"
    return text[:2000]


def _claim(trigger: str) -> BackupRun | None:
    now = timezone.now()
    with transaction.atomic():
        with default_connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        stale = BackupRun.objects.filter(
            status=BackupRun.Status.RUNNING, started_at__lt=now - RUNNING_LIMIT
        )
        for run in stale:
            run.status, run.finished_at = BackupRun.Status.FAILED, now
            run.error = "Did not finish: the process making it stopped (restarted or killed?)."
            run.save(update_fields=["status", "finished_at", "error"])
        if trigger == BackupRun.Trigger.NIGHTLY:
            busy = BackupRun.objects.filter(status=BackupRun.Status.RUNNING).exists()
            recent = BackupRun.objects.filter(
                status=BackupRun.Status.OK, finished_at__gte=now - RECENT_SUCCESS
            ).exists()
            if busy or recent:
                return None
        return BackupRun.objects.create(trigger=trigger, started_at=now)


def prune(folder: Path, *, keep: int) -> list[str]:
    """Delete all but the newest `keep` archives in folder (by their names' times);
    touches nothing else. Returns the names deleted."""
    archives = sorted(p.name for p in folder.iterdir() if ARCHIVE_PATTERN.match(p.name))
    doomed = archives[: max(len(archives) - keep, 0)]
    for name in doomed:
        (folder / name).unlink(missing_ok=True)
    return doomed


# ------------------------------------------------------------------------ restoring


@dataclass
class Restored:
    manifest: dict
    tables: dict[str, int]
    files: int
    files_skipped: int
    migrations_pending: int


def restore(path: Path, *, force: bool = False, conn=None) -> Restored:
    """Rebuild the configured database and private files from the archive at path.

    The archive is decrypted and checked in full first. The database must be empty (no
    tables, sequences, views or functions in its schema) and no private file may differ
    from the archive's, unless force, which drops everything in the schema and
    overwrites such files. Needs the owner (DATABASE_OWNER_URL): the restored tables
    belong to it, and the application role is granted its privileges as `migrate` does.
    """
    conn = conn or default_connection
    identity = backup_identity()
    if getattr(settings, "DATABASE_OWNER", None) is None:
        raise BackupError(
            "Restoring needs DATABASE_OWNER_URL, the role that owns the tables: restored as "
            "the application's role, the tables would belong to it and it could switch the "
            "append-only triggers off."
        )
    role = db_roles.app_role(conn)
    storage = private_storage()
    with tempfile.TemporaryDirectory(prefix="enigma-restore-") as work:
        opened = read_archive(path, identity, Path(work))
        manifest = opened.manifest
        clashes = [
            name
            for name, part in opened.files.items()
            if storage.exists(name) and _sha256_of(storage, name) != _sha256_path(part)
        ]
        with db_roles.as_owner(conn):
            existing = _schema_objects(conn)
            if (existing or clashes) and not force:
                problems = []
                if existing:
                    problems.append(
                        f"the database {conn.settings_dict['NAME']!r} is not empty "
                        f"({len(existing)} objects, e.g. {', '.join(existing[:3])})"
                    )
                if clashes:
                    problems.append(
                        f"{len(clashes)} private files differ from the archive's "
                        f"(e.g. {clashes[0]})"
                    )
                raise BackupError(
                    "Nothing was restored: "
                    + "; and ".join(problems)
                    + ". Restore into a new, empty database, or add --force to replace "
                    "everything in it (and those files) with the backup."
                )
            if existing:
                _drop_schema_objects(conn)
            _pg_restore(conn, opened.dump)
            if role is not None:
                db_roles.grant_app_role(conn, role)
            with conn.cursor() as cur:
                cur.execute("SELECT current_schema()")
                tables = {t: _count(cur, t) for t in _tables(cur, cur.fetchone()[0])}
        expected = manifest["database"]["tables"]
        if tables != expected:
            differ = sorted(
                t for t in set(tables) | set(expected) if tables.get(t) != expected.get(t)
            )
            raise BackupError(
                f"The restored database does not match the archive's manifest: {len(differ)} "
                f"tables differ (e.g. {differ[0]}: {tables.get(differ[0])} rows, the archive "
                f"says {expected.get(differ[0])})."
            )
        written = skipped = 0
        for name, part in opened.files.items():
            if storage.exists(name):
                if name not in clashes:
                    skipped += 1
                    continue
                storage.delete(name)
            with part.open("rb") as source:
                saved = storage.save(name, File(source, name=name))
            if saved != name:
                raise BackupError(f"The private file {name} was saved as {saved}.")
            written += 1
    _settle_runs(manifest, path)
    pending = _pending_migrations(conn)
    audit.record(
        Action.RESTORED,
        actor_label="manage.py restore",
        data={
            "archive": path.name,
            "made_at": manifest["created_at"],
            "rows": sum(tables.values()),
            "files": written + skipped,
        },
    )
    return Restored(manifest, tables, written, skipped, pending)


def _sha256_path(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256_of(storage: Storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _count(cur, table: str) -> int:
    cur.execute(f"SELECT count(*) FROM {cur.db.ops.quote_name(table)}")  # noqa: S608
    return cur.fetchone()[0]


def _schema_objects(conn) -> list[str]:
    """Tables, sequences, views and functions in the connection's schema."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'S', 'v', 'm') "
            "UNION ALL SELECT p.proname || '()' FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema() "
            "ORDER BY 1"
        )
        return [name for (name,) in cur.fetchall()]


def _drop_schema_objects(conn) -> None:
    """--force: drop every table, sequence, view and function in the schema (as the
    owner, in one transaction)."""
    with transaction.atomic(using=conn.alias), conn.cursor() as cur:
        cur.execute(
            "SELECT format('DROP %s IF EXISTS %I.%I CASCADE', CASE c.relkind WHEN 'S' THEN "
            "'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' "
            "END, n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = current_schema() "
            "AND c.relkind IN ('r', 'p', 'S', 'v', 'm') "
            "UNION ALL SELECT format('DROP FUNCTION IF EXISTS %I.%I(%s) CASCADE', n.nspname, "
            "p.proname, pg_get_function_identity_arguments(p.oid)) FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()"
        )
        for (statement,) in cur.fetchall():
            cur.execute(statement)


def _pg_restore(conn, dump: Path) -> None:
    with conn.cursor() as cur:
        cur.execute("SELECT current_setting('server_version_num')::int")
        major = cur.fetchone()[0] // 10000
    conn.close()
    args, env = _libpq(conn)
    _run(
        [
            pg_tool("pg_restore", major),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            *args,
            str(dump),
        ],
        env,
        "pg_restore",
    )


def _settle_runs(manifest: dict, path: Path) -> None:
    """The run that made this archive was still running when its snapshot was taken:
    it finished, as the archive shows. Any other still running did not, here."""
    made = BackupRun.objects.filter(pk=manifest.get("backup_run"), status=BackupRun.Status.RUNNING)
    made.update(
        status=BackupRun.Status.OK,
        finished_at=datetime.fromisoformat(manifest["created_at"]),
        archive_name=path.name,
        size_bytes=path.stat().st_size,
        tables=len(manifest["database"]["tables"]),
        rows=sum(manifest["database"]["tables"].values()),
        files=manifest["files"]["count"],
    )
    BackupRun.objects.filter(status=BackupRun.Status.RUNNING).update(
        status=BackupRun.Status.FAILED,
        finished_at=timezone.now(),
        error="Still running when the backup this database was restored from was made.",
    )


def _pending_migrations(conn) -> int:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(conn)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
