"""Adding files to a chronology entry and opening them.

Both views answer 404 to anyone who may not see the entry (including a restricted
entry's attachments for someone who may not read it): they never reveal that an entry
or file exists. Someone who may read a restricted entry but has not checked their second
factor recently is sent to do so, then back. The rules live in
records.services.attachments.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from enigma import audit
from enigma.actor import actor_from
from enigma.capabilities import Capability
from enigma.permissions import requires
from enigma.uploads import accepts_uploads
from records import attachments
from records.access import reauthentication_url
from records.audit_actions import RecordsAction
from records.forms.attachments import AttachmentForm
from records.models import Attachment, Entry
from records.services.attachments import (
    Access,
    access,
    attach_file,
    attachments_on,
    is_restricted,
)

log = logging.getLogger(__name__)


@requires(Capability.RECORD_ENTRY)
@accepts_uploads(attachments.max_bytes)
def attachment_add(request, entry_pk):
    entry = get_object_or_404(Entry.objects.select_related("category"), pk=entry_pk)
    allowed, student = access(request, entry)
    if allowed is Access.HIDDEN:
        raise Http404
    if allowed is Access.NEEDS_SECOND_FACTOR:
        return redirect(reauthentication_url(request))
    posted = request.method == "POST"
    form = AttachmentForm(request.POST, request.FILES) if posted else AttachmentForm()
    if posted and form.is_valid():
        try:
            attachment = attach_file(
                entry=entry, upload=form.cleaned_data["file"], user=actor_from(request)
            )
        except ValidationError as error:
            for message in error.message_dict.get("file", error.messages):
                form.add_error("file", message)
        else:
            messages.success(request, f"Attached {attachment.original_name}.")
            return redirect("records:entry_detail", entry_pk=entry.pk)
    return render(
        request,
        "records/attachments/add.html",
        {
            "form": form,
            "entry": entry,
            "student": student,
            "back_url": reverse("records:entry_detail", args=[entry.pk]),
            "attachments": attachments_on(entry),
        },
    )


@requires(Capability.VIEW_STUDENTS)
def attachment_download(request, attachment_pk):
    attachment = get_object_or_404(
        Attachment.objects.select_related("entry", "entry__category"), pk=attachment_pk
    )
    entry = attachment.entry
    allowed, student = access(request, entry)
    if allowed is Access.HIDDEN:
        raise Http404
    if allowed is Access.NEEDS_SECOND_FACTOR:
        return redirect(reauthentication_url(request))
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        log.error("Attachment %s is missing from private storage", attachment.pk)
        raise Http404 from None
    audit.read(
        RecordsAction.ATTACHMENT_DOWNLOADED,
        actor_from(request),
        obj=attachment,
        student=student,
        data={"entry": entry.pk, "restricted": is_restricted(entry)},
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
