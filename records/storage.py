"""Where attachments live: MEDIA_ROOT, a private directory outside the web root.

No URL serves it: files are read back only through records.views.attachments, which
checks who is asking.
"""

from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    def url(self, name):
        raise ValueError("Private files have no public URL; serve them through a view.")


def private_storage() -> PrivateStorage:
    # No location: it follows settings.MEDIA_ROOT, including in tests that override it.
    return PrivateStorage()
