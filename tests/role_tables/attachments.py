"""Role-matrix rows for the records app's attachments pages (merged into tests/test_role_matrix.py).

url name -> the roles allowed. POST_ONLY: views that only accept POST.

Every staff role may reach both views: which entries and files a person may add to or
open is decided per object (the entry's students, restricted content, fresh 2FA), and
tests/test_attachments.py checks that. A person with no role gets 403.
"""

from enigma.roles import ALL_ROLES

EXPECTED: dict = {
    "records:attachment_add": ALL_ROLES,
    "records:attachment_download": ALL_ROLES,
}
POST_ONLY: set[str] = set()
