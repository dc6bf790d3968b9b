"""Role-matrix rows for the disclosure app (url name -> the capability it needs).

The DSL team and the school admin export a pupil's records; only the DSL team transfers
the child-protection file. The receiving school's pages are public behind the link's
secret (PUBLIC). objects() makes what their URLs need. POST_ONLY: views that only accept
POST.
"""

from enigma.capabilities import Capability as C

NEEDS: dict = {
    "disclosure:student": C.EXPORT_SUBJECT_ACCESS,
    "disclosure:export_request": C.EXPORT_SUBJECT_ACCESS,
    "disclosure:export_detail": C.EXPORT_SUBJECT_ACCESS,
    "disclosure:export_download": C.EXPORT_SUBJECT_ACCESS,
    "disclosure:transfers": C.TRANSFER_CP_FILE,
    "disclosure:transfer_prepare": C.TRANSFER_CP_FILE,
    "disclosure:transfer_detail": C.TRANSFER_CP_FILE,
    "disclosure:transfer_send": C.TRANSFER_CP_FILE,
    "disclosure:transfer_fail": C.TRANSFER_CP_FILE,
    "disclosure:leaving_close": C.TRANSFER_CP_FILE,
}
PUBLIC: set[str] = {
    "disclosure:receive",
    "disclosure:receive_download",
    "disclosure:receive_confirm",
}
POST_ONLY: set[str] = {
    "disclosure:export_request",
    "disclosure:export_download",
    "disclosure:transfer_prepare",
    "disclosure:transfer_send",
    "disclosure:transfer_fail",
    "disclosure:leaving_close",
    "disclosure:receive_download",
    "disclosure:receive_confirm",
}


def objects(personas, student) -> dict:
    """An export of `student` by the school admin, and a sent transfer of its file."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from disclosure.models import ChildProtectionTransfer, SubjectAccessExport
    from disclosure.services import _hash_token

    export = SubjectAccessExport.objects.create(student=student, requested_by=personas["ada"])
    token = "role-matrix-transfer-token-0123456789abcdef"
    transfer = ChildProtectionTransfer.objects.create(
        student=student,
        left_on=timezone.localdate(),
        prepared_by=personas["dina"],
        file=ContentFile(b"PK\x05\x06" + b"\0" * 18, name="cp.zip"),
        state=ChildProtectionTransfer.State.SENT,
        recipient_name="Pat Receiver",
        recipient_email="pat@next.example.org",
        recipient_school="Next School",
        token_hash=_hash_token(token),
        link_expires_at=timezone.now() + timezone.timedelta(days=7),
    )
    return {"export_pk": export.pk, "transfer_pk": transfer.pk, "transfer_token": token}
