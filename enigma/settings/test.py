"""The test suite: a throwaway embedded PostgreSQL unless DATABASE_URL is set."""

import os

from enigma.embedded_db import embedded_database_urls

# Decide the database before base.py reads DATABASE_URL: one throwaway server per
# pytest session, deleted when the session ends. The suite runs as the application role;
# the test database is made, migrated and flushed as the owner (tests/db_backend).
if not os.environ.get("DATABASE_URL"):
    from pathlib import Path

    _base = Path(__file__).resolve().parent.parent.parent
    _urls = embedded_database_urls(_base / "var" / "test", throwaway=True)
    os.environ["DATABASE_URL"], os.environ["DATABASE_OWNER_URL"] = _urls
    os.environ["ENIGMA_EMBEDDED_TEST_DB"] = "1"

from .base import *  # noqa: F403
from .base import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]  # the demo seed and the benchmark

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdefghijklmnop"
# Fixed test keys for the chronology's chain, NOT for production (the database is thrown
# away at the end of the run).
CHRONOLOGY_KEYS = {"test-1": "test-chronology-key-not-for-production-0123456789abcdef"}
CHRONOLOGY_KEY_ID = "test-1"
ENIGMA_REQUIRE_2FA = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # On disk under this run's MEDIA_ROOT; the S3 tests point it at a bucket of their own.
    "private": {"BACKEND": "records.storage.PrivateStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Counted on every request: the cache outlives a test, and a copy from one test's records
# must not answer the next. tests/test_oversight_cache.py turns the copy on.
OVERSIGHT_FIGURES_FRESH_FOR = 0
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = True
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Test-only backend: lets the flush between transactional tests reset append-only tables.
DATABASES["default"]["ENGINE"] = "tests.db_backend"  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": False}

# Files written by tests (attachments, import uploads) go to a folder of this run's own,
# removed when it ends, never into var/private of the checkout.
import atexit  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

MEDIA_ROOT = tempfile.mkdtemp(prefix="enigma-test-files-")
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)

# A fixed backup key, NOT for production, and backups into this run's own folder.
ENIGMA_BACKUP_KEY = "AGE-SECRET-KEY-1R3YL67QPCFSXHFK7T5AZWUZ4HLGU4Q3HHZ9QFRXX3VDMSU85QT8QMQ8DV4"
ENIGMA_BACKUP_DIR = tempfile.mkdtemp(prefix="enigma-test-backups-")
atexit.register(shutil.rmtree, ENIGMA_BACKUP_DIR, ignore_errors=True)
