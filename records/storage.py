"""Where attachments and other private files live: the "private" storage of
settings.STORAGES.

Two backends, chosen by the settings (enigma/settings/base.py):
- an S3-compatible bucket (S3_BUCKET set: production, so that any number of web servers
  and workers share the files and none keeps one of its own);
- a folder on this machine, MEDIA_ROOT (PRIVATE_FILES_DIR): `make run`, the tests, or a
  school running one web server.

Neither ever gives a file a URL: files are read back only through views that check who is
asking, and streamed from the storage by the web server. The bucket must not be public
(its objects are written without an ACL, so they get the bucket's own: private unless
someone has opened it up). On disk, files are written readable by the app's own user
only (0600, in 0700 folders), so no other account on the server can read a child's
records.
"""

from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty
from storages.backends.s3 import S3Storage

PRIVATE = "private"  # the alias in settings.STORAGES
FILE_MODE = 0o600
FOLDER_MODE = 0o700
_NO_URL = "Private files have no public URL; serve them through a view."


class PrivateStorage(FileSystemStorage):
    """Private files on this machine's disk, under MEDIA_ROOT."""

    def __init__(self, **kwargs):
        kwargs.setdefault("file_permissions_mode", FILE_MODE)
        kwargs.setdefault("directory_permissions_mode", FOLDER_MODE)
        super().__init__(**kwargs)

    def url(self, name):
        raise ValueError(_NO_URL)


class PrivateS3Storage(S3Storage):
    """Private files in an S3-compatible bucket. Names are never overwritten (a name that
    exists gets a suffix, as on disk) and no URL is ever made, signed or not."""

    def __init__(self, **kwargs):
        if kwargs.get("default_acl") not in (None, "private"):
            raise ImproperlyConfigured("Private files must not be given a public ACL.")
        kwargs.setdefault("file_overwrite", False)
        kwargs.setdefault("querystring_auth", True)
        super().__init__(**kwargs)

    def url(self, name, parameters=None, expire=None, http_method=None):
        raise ValueError(_NO_URL)


class _Private(LazyObject):
    """settings.STORAGES["private"], looked up when first used and again after the
    setting changes (a test pointing it at another backend)."""

    def _setup(self):
        self._wrapped = storages[PRIVATE]


_private = _Private()


@receiver(setting_changed)
def _storages_changed(*, setting, **kwargs):
    if setting == "STORAGES":
        _private._wrapped = empty


def private_storage():
    """The models' FileFields take this callable (migrations refer to it by name)."""
    return _private
