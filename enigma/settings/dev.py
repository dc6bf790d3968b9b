"""Local development and the `make run` demo: DEBUG on, 2FA optional, mail to the console."""

from .base import *  # noqa: F403
from .base import BASE_DIR, CHRONOLOGY_KEYS, INSTALLED_APPS, env
from .chronology import local_backup_key, local_key

INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]  # the demo seed and the benchmark

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production"  # noqa: F405
ENIGMA_REQUIRE_2FA = env.bool("ENIGMA_REQUIRE_2FA", default=False)
if not CHRONOLOGY_KEYS:
    # This checkout's own key, not for production: made once in var/chronology-key.
    CHRONOLOGY_KEYS, CHRONOLOGY_KEY_ID = local_key(BASE_DIR / "var")
if not ENIGMA_BACKUP_KEY:  # noqa: F405
    # This checkout's own backup key, not for production: made once in var/backup-key.
    ENIGMA_BACKUP_KEY = local_backup_key(BASE_DIR / "var")
