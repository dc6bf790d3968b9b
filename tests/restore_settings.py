"""Settings for `manage.py restore` and `verify_chronology` run by tests/test_backups.py
against a second embedded PostgreSQL: the test settings, with the private files in the
folder the test names (the test settings' own folder is removed when the process ends)."""

import os

from enigma.settings.test import *  # noqa: F403

MEDIA_ROOT = os.environ["ENIGMA_TEST_RESTORE_FILES"]
