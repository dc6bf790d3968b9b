"""Attachments on chronology entries: who may add and open them, and adding one.

The rule for an attachment is the rule for its entry: the person must be able to see one
of the entry's students, and if the entry is restricted they must also be allowed to
read restricted content (the DSL team, or a colleague the entry was shared with) and
have passed a second-factor check recently. Attachments are never changed or deleted.
"""

from __future__ import annotations

import enum

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from enigma.actor import Actor
from enigma.models import Student
from records import access as rules
from records import attachments
from records.access import may_read_restricted, second_factor_is_fresh
from records.models import Attachment, Entry


class Access(enum.Enum):
    ALLOWED = "allowed"
    NEEDS_SECOND_FACTOR = "needs second factor"  # may read, once 2FA is checked again
    HIDDEN = "hidden"  # answer 404: do not reveal that it exists


def is_restricted(entry: Entry) -> bool:
    """Restricted now: see records.access.is_restricted."""
    return rules.is_restricted(entry)


def visible_student(user, entry: Entry) -> Student | None:
    """The first of the entry's students that `user` may see (None: the entry is hidden
    from them). The same rule as records.access.may_see_entry, returning the student so
    the audit log can name them."""
    student = (
        Student.objects.visible_to(user)
        .filter(chronology_links__entry=entry)
        .order_by("pk")
        .first()
    )
    if student is None and entry.shares.filter(shared_with=user).exists():
        # A colleague a DSL shared this entry with reads it (and its files) even if the
        # student is not otherwise theirs, as on the entry's own page.
        student = entry.students.order_by("pk").first()
    return student


def may_attach(user, entry: Entry) -> bool:
    """Whether `user` may add files to `entry` (the view also asks for fresh 2FA when
    the entry is restricted)."""
    if visible_student(user, entry) is None:
        return False
    return not is_restricted(entry) or may_read_restricted(user, entry)


def access(request, entry: Entry) -> tuple[Access, Student | None]:
    """May this request open (or add to) the entry's attachments, and as which student?"""
    student = visible_student(request.user, entry)
    if student is None:
        return Access.HIDDEN, None
    if is_restricted(entry):
        if not may_read_restricted(request.user, entry):
            return Access.HIDDEN, None
        if not second_factor_is_fresh(request):
            return Access.NEEDS_SECOND_FACTOR, student
    return Access.ALLOWED, student


def attachments_on(entry: Entry):
    """An entry's attachments, oldest first, with who uploaded them."""
    return entry.attachments.select_related("uploaded_by").order_by("uploaded_at", "id")


def attach_file(*, entry: Entry, upload, user: Actor, recording: bool = False) -> Attachment:
    """Check an uploaded file and keep it on `entry`.

    recording=True: the file comes with the entry its author is recording now (the
    entry form). A teacher may attach the photo of a note to the safeguarding concern
    they are recording, though once it is recorded they cannot read either.

    Raises ValidationError({"file": why}) when the file is refused, and PermissionDenied
    when `user` may not add to this entry. The file is written under a random name in
    private storage and its row inserted in one transaction; if the database refuses the
    row, the file just written is removed again (nothing else ever deletes a file). A
    caller's own enclosing transaction that later rolls back would leave the file behind,
    so call this outside one, as the upload view does.
    """
    user = Actor.of(user).user
    just_recorded = recording and entry.author_id == user.pk
    if not (may_attach(user, entry) or (just_recorded and visible_student(user, entry))):
        raise PermissionDenied("You cannot add files to this entry.")
    try:
        checked = attachments.check(upload)
    except attachments.Refused as refused:
        raise ValidationError({"file": str(refused)}) from None

    attachment = Attachment(
        entry=entry,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=user,
    )
    written = None
    try:
        with transaction.atomic():
            # save=False: the row is inserted once, below, with the stored name.
            attachment.file.save(checked.name, ContentFile(checked.data), save=False)
            written = attachment.file.name
            attachment.save()
    except BaseException:  # whatever stopped the insert: remove the file, then re-raise
        attachments.discard_unsaved(attachment.file.storage, written, "attachment")
        raise
    return attachment
