"""Where attachments and other private files live: MEDIA_ROOT, a private directory
outside the web root.

No URL serves it: files are read back only through views that check who is asking.
Files are written readable by the app's own user only (0600, in 0700 folders), so no
other account on the server can read a child's records.
"""

from django.core.files.storage import FileSystemStorage

FILE_MODE = 0o600
FOLDER_MODE = 0o700


class PrivateStorage(FileSystemStorage):
    def __init__(self, **kwargs):
        kwargs.setdefault("file_permissions_mode", FILE_MODE)
        kwargs.setdefault("directory_permissions_mode", FOLDER_MODE)
        super().__init__(**kwargs)

    def url(self, name):
        raise ValueError("Private files have no public URL; serve them through a view.")


def private_storage() -> PrivateStorage:
    # No location: it follows settings.MEDIA_ROOT, including in tests that override it.
    return PrivateStorage()
