"""Role-matrix rows for the records app's attachments pages (merged into tests/test_role_matrix.py).

url name -> the capability it needs. POST_ONLY: views that only accept POST.

Everyone who may see a student may reach both views: which entries and files a person
may add to or open is decided per object (the entry's students, restricted content,
fresh 2FA), and tests/test_attachments.py checks that. A person with no role gets 403.
"""

from enigma.capabilities import Capability as C

NEEDS: dict = {
    "records:attachment_add": C.RECORD_ENTRY,
    "records:attachment_download": C.VIEW_STUDENTS,
}
POST_ONLY: set[str] = set()
