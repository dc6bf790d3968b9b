"""Subject access exports and child-protection file transfers: every write, each audited.

Exports. A holder of EXPORT_SUBJECT_ACCESS asks (export_request); a Celery task builds
the ZIP (export_build) and reports its progress on the row as it goes; the maker alone
downloads it, once (export_claim_download: a conditional update, so two clicks cannot
both win), within EXPORT_HOURS; the file is deleted when it has been sent or has expired
(exports_tidy). Restricted entries go in only when the maker reads them (the DSL team) and
passed a second-factor check within the window records.access allows: the request
decides, as the task has no session to ask.

Transfers. The DSL team prepares the child-protection file of a leaver (transfer_prepare:
the restricted entries and the chain's proof), then sends it to the receiving school's
DSL (transfer_send): a link by email and a code, shown once to the sender to give by
phone; only the hashes of both are kept, and the email carries nothing about the pupil.
The receiving DSL opens the link, gives the code (MAX_WRONG_CODES wrong codes fail the
transfer), downloads the file once, and confirms receipt on the same page.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import smtplib
import tempfile
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from disclosure import bundle, selectors
from disclosure.audit_actions import DisclosureAction as A
from disclosure.models import (
    ChildProtectionTransfer,
    LeavingClosed,
    SubjectAccessExport,
    _file_path,
)
from enigma import audit
from enigma.actor import Actor
from enigma.after_response import after_response
from enigma.capabilities import Capability
from enigma.models import SchoolSettings

log = logging.getLogger(__name__)

EXPORT_HOURS = 24
# Two weeks: long enough to outlast a half-term before the receiving DSL is back.
LINK_DAYS = 14
MAX_WRONG_CODES = 5
# Long enough not to be guessed in MAX_WRONG_CODES tries, short enough to read out.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
# An export still queued this long after it was asked for was not handed to a worker
# (Redis down): the housekeeping queues it again. One running longer than the task's
# hard time limit was stopped: it is marked failed.
REQUEUE_AFTER = timezone.timedelta(minutes=10)
STUCK_AFTER = timezone.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)

Status = SubjectAccessExport.Status
State = ChildProtectionTransfer.State


# --- subject access exports ------------------------------------------------------------


def export_request(
    *,
    student,
    by: Actor,
    include_restricted: bool = False,
    second_factor_fresh: bool = False,
    name_other_pupils: bool = False,
    legal_reason: str = "",
) -> SubjectAccessExport:
    """Ask for a subject access export of `student`; the build is queued after commit."""
    acting = Actor.of(by)
    by = acting.user
    if not by.can(Capability.EXPORT_SUBJECT_ACCESS):
        raise PermissionDenied
    legal_reason = legal_reason.strip()
    errors = {}
    if include_restricted and not by.can(Capability.READ_RESTRICTED):
        errors["include_restricted"] = "Only the safeguarding team may include restricted entries."
    elif include_restricted and not second_factor_fresh:
        errors["include_restricted"] = (
            "Check your second factor again to include restricted entries."
        )
    if name_other_pupils and not legal_reason:
        errors["legal_reason"] = "Say why other pupils must be named (the legal reason)."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        export = SubjectAccessExport.objects.create(
            student=student,
            requested_by=by,
            include_restricted=include_restricted,
            name_other_pupils=name_other_pupils,
            legal_reason=legal_reason if name_other_pupils else "",
        )
        audit.record(
            A.EXPORT_REQUESTED,
            actor=acting,
            obj=export,
            student=student,
            data={
                "include_restricted": include_restricted,
                "name_other_pupils": name_other_pupils,
                "legal_reason": export.legal_reason,
            },
        )
        pk = export.pk
        transaction.on_commit(lambda: after_response(lambda: queue_build(pk)))
    return export


def queue_build(export_id: int) -> None:
    """Hand the build to a worker (or run it, without a broker). A broker outage is
    logged: the housekeeping queues the export again."""
    from kombu.exceptions import KombuError

    from disclosure import tasks

    try:
        tasks.build_export.delay(export_id)
    except KombuError as error:
        log.warning("Could not queue export %s (%s); the housekeeping will", export_id, error)


def _progress(export_id: int, stage: str, percent: int) -> None:
    # Outside any transaction: the page polling the row sees each step as it happens.
    SubjectAccessExport.objects.filter(pk=export_id, status=Status.RUNNING).update(
        stage=stage[:100], progress=min(max(percent, 1), 99)
    )


def export_build(export_id: int) -> SubjectAccessExport | None:
    """Build the export's ZIP into private storage. Claims the row first (queued ->
    running), so a task delivered twice builds once."""
    claimed = SubjectAccessExport.objects.filter(pk=export_id, status=Status.QUEUED).update(
        status=Status.RUNNING, stage="Starting", progress=1
    )
    if claimed != 1:
        return None
    export = SubjectAccessExport.objects.select_related("student", "requested_by").get(pk=export_id)

    def step(stage, percent):
        _progress(export_id, stage, percent)

    name = ""
    try:
        gathered = selectors.gather(
            export.student,
            include_restricted=export.include_restricted,
            name_others=export.name_other_pupils,
            step=step,
        )
        step("Writing the document", 85)
        name, size, digest = _store(
            gathered,
            export,
            title="Everything held about a pupil",
            context={
                "made_by": export.requested_by,
                "include_restricted": export.include_restricted,
                "legal_reason": export.legal_reason,
                "redacts": not export.name_other_pupils,
                "purpose": "Prepared for a subject access request.",
            },
            step=step,
        )
        with transaction.atomic():
            now = timezone.now()
            done = SubjectAccessExport.objects.filter(pk=export_id, status=Status.RUNNING).update(
                status=Status.READY,
                file=name,
                size=size,
                sha256=digest,
                progress=100,
                stage="Ready",
                finished_at=now,
                expires_at=now + timezone.timedelta(hours=EXPORT_HOURS),
                redaction_count=sum(r.times for r in gathered.redactor.redactions),
                redaction_key=gathered.redactor.key(),
            )
            if done != 1:
                raise RuntimeError("The export was changed while it was being prepared.")
            audit.record(
                A.EXPORT_READY,
                actor_label="Enigma",
                obj=export,
                student=export.student,
                data={"include_restricted": export.include_restricted, "bytes": size},
            )
    # The export runs unattended in the worker: whatever goes wrong (the database, the
    # storage, a bug) must leave it marked failed, with the traceback logged, so the DSL
    # sees it and can ask again; nothing is half written.
    except Exception as error:
        log.exception("Subject access export %s failed", export_id)
        if name:
            export.file.storage.delete(name)
        with transaction.atomic():
            SubjectAccessExport.objects.filter(pk=export_id).update(
                status=Status.FAILED, error=str(error)[:300], stage="Failed"
            )
            audit.record(
                A.EXPORT_FAILED,
                actor_label="Enigma",
                obj=export,
                student=export.student,
                data={"include_restricted": export.include_restricted},
            )
        return None
    export.refresh_from_db()
    return export


def _store(gathered, instance, *, title: str, context: dict, step=None) -> tuple[str, int, str]:
    """Write the ZIP into private storage: (name, bytes, SHA-256)."""
    school = SchoolSettings.load()
    with tempfile.TemporaryFile() as tmp:
        bundle.write(
            gathered,
            tmp,
            title=title,
            context={"school_name": school.school_name, **context},
            step=step,
        )
        size = tmp.tell()
        tmp.seek(0)
        digest = hashlib.sha256()
        while chunk := tmp.read(bundle.CHUNK):
            digest.update(chunk)
        tmp.seek(0)
        name = instance.file.storage.save(_file_path(instance, ""), File(tmp))
    return name, size, digest.hexdigest()


def export_claim_download(*, export_id: int, by: Actor) -> SubjectAccessExport | None:
    """Take the one download of a ready export, for its maker, before it expires; None if
    there is none to take (someone else's, already downloaded, expired)."""
    acting = Actor.of(by)
    now = timezone.now()
    with transaction.atomic():
        taken = SubjectAccessExport.objects.filter(
            pk=export_id, requested_by=acting.user, status=Status.READY, expires_at__gt=now
        ).update(status=Status.DOWNLOADED, downloaded_at=now)
        if taken != 1:
            return None
        export = SubjectAccessExport.objects.select_related("student").get(pk=export_id)
        audit.record(
            A.EXPORT_DOWNLOADED,
            actor=acting,
            obj=export,
            student=export.student,
            data={"include_restricted": export.include_restricted},
        )
    return export


def forget_file(instance) -> None:
    """Delete a sent or expired file from private storage and forget its name."""
    name = instance.file.name
    if name:
        instance.file.storage.delete(name)
        type(instance).objects.filter(pk=instance.pk, file=name).update(file="")


def exports_tidy(now=None) -> dict:
    """Expire ready exports past their time, delete every file no longer wanted, queue
    again what a broker outage left queued and fail what a dead worker left running."""
    now = now or timezone.now()
    expired = 0
    for export in SubjectAccessExport.objects.filter(
        status=Status.READY, expires_at__lte=now
    ).select_related("student"):
        with transaction.atomic():
            if SubjectAccessExport.objects.filter(pk=export.pk, status=Status.READY).update(
                status=Status.EXPIRED
            ):
                audit.record(
                    A.EXPORT_EXPIRED,
                    actor_label="Enigma",
                    obj=export,
                    student=export.student,
                    data={"include_restricted": export.include_restricted},
                )
                expired += 1
    for export in SubjectAccessExport.objects.exclude(file="").exclude(
        status__in=[Status.READY, Status.RUNNING]
    ):
        forget_file(export)
    stuck = SubjectAccessExport.objects.filter(
        status=Status.RUNNING, requested_at__lt=now - STUCK_AFTER
    ).update(status=Status.FAILED, stage="Failed", error="Stopped before it finished.")
    waiting = list(
        SubjectAccessExport.objects.filter(
            status=Status.QUEUED, requested_at__lt=now - REQUEUE_AFTER
        ).values_list("pk", flat=True)
    )
    for pk in waiting:
        queue_build(pk)
    return {"expired": expired, "stuck": stuck, "queued_again": len(waiting)}


# --- child-protection file transfers ---------------------------------------------------


def _may_transfer(by, second_factor_fresh: bool) -> None:
    if not (by.can(Capability.TRANSFER_CP_FILE) and by.can(Capability.READ_RESTRICTED)):
        raise PermissionDenied
    if not second_factor_fresh:
        raise ValidationError("Check your second factor again to work with the file.")


def transfer_prepare(
    *, student, by: Actor, left_on, second_factor_fresh: bool
) -> ChildProtectionTransfer:
    """Prepare a leaver's child-protection file: its restricted entries, their actions,
    corrections and files, and the proof that the chronology verifies."""
    acting = Actor.of(by)
    by = acting.user
    _may_transfer(by, second_factor_fresh)
    if left_on is None:
        raise ValidationError({"left_on": "Give the date the pupil left."})
    if selectors.open_transfer_of(student) is not None:
        raise ValidationError("This pupil's file is already being transferred: see below.")
    gathered = selectors.gather_cp_file(student)
    if not gathered.entries:
        raise ValidationError(
            "There are no restricted entries in this pupil's file: there is no "
            "child-protection file to send."
        )
    transfer = ChildProtectionTransfer(student=student, left_on=left_on, prepared_by=by)
    name, size, digest = _store(
        gathered,
        transfer,
        title="Child-protection file",
        context={
            "made_by": by,
            "include_restricted": True,
            "redacts": False,
            "purpose": "Sent to the pupil's next school, DSL to DSL (KCSIE). Keep it "
            "separately from the pupil's main file.",
        },
    )
    try:
        with transaction.atomic():
            transfer.file.name = name
            transfer.size, transfer.sha256 = size, digest
            transfer.entry_count = len(gathered.entries)
            transfer.chain_length = gathered.chain["length"]
            transfer.chain_head = gathered.chain["head"]
            transfer.save()
            audit.record(
                A.TRANSFER_PREPARED,
                actor=acting,
                obj=transfer,
                student=student,
                data={
                    "entries": transfer.entry_count,
                    "chain_head": transfer.chain_head,
                    "verifies": gathered.chain["verifies"],
                },
            )
    except IntegrityError:
        transfer.file.storage.delete(name)
        raise ValidationError("This pupil's file is already being transferred.") from None
    return transfer


def leaving_close(*, student, left_on, reason: str, detail: str, by: Actor) -> LeavingClosed:
    """Record that a leaver's child-protection file will not go through Enigma, and why:
    the reminders for that leaving stop. A leaving whose file is being transferred here
    cannot be closed (confirm or fail the transfer instead)."""
    acting = Actor.of(by)
    by = acting.user
    if not by.can(Capability.TRANSFER_CP_FILE):
        raise PermissionDenied
    if reason not in (LeavingClosed.Reason.SENT_ANOTHER_WAY, LeavingClosed.Reason.NO_NEXT_SCHOOL):
        raise ValidationError({"reason": "Choose why the file is not sent through Enigma."})
    if left_on is None:
        raise ValidationError({"left_on": "Give the date the pupil left."})
    if not detail.strip():
        raise ValidationError(
            {"detail": "Say how and to whom the file went, or who at the local authority was told."}
        )
    if selectors.open_transfer_of(student) is not None:
        raise ValidationError(
            "This pupil's file is being transferred through Enigma: follow the transfer instead."
        )
    try:
        with transaction.atomic():
            closed = LeavingClosed.objects.create(
                student=student, left_on=left_on, reason=reason, detail=detail.strip(), closed_by=by
            )
            audit.record(
                A.LEAVING_CLOSED,
                actor=acting,
                obj=closed,
                student=student,
                data={"left_on": left_on.isoformat(), "reason": reason},
            )
    except IntegrityError:
        raise ValidationError("This leaving has already been closed.") from None
    return closed


@dataclass(frozen=True)
class Sent:
    transfer: ChildProtectionTransfer
    token: str  # the link's secret: in the email only
    code: str  # shown once to the sender, to give by phone


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def transfer_send(
    *,
    transfer,
    by: Actor,
    name: str,
    email: str,
    school: str,
    second_factor_fresh: bool,
    link_for,
) -> Sent:
    """Send a prepared file to the receiving school's DSL. link_for(token) makes the
    absolute address of the link page."""
    acting = Actor.of(by)
    by = acting.user
    _may_transfer(by, second_factor_fresh)
    token, code = secrets.token_urlsafe(32), new_code()
    now = timezone.now()
    with transaction.atomic():
        locked = ChildProtectionTransfer.objects.select_for_update().get(pk=transfer.pk)
        if locked.state != State.PREPARED or not locked.file:
            raise ValidationError("Only a prepared file can be sent.")
        locked.recipient_name, locked.recipient_email = name.strip(), email.strip()
        locked.recipient_school = school.strip()
        locked.state, locked.sent_by, locked.sent_at = State.SENT, by, now
        locked.token_hash = _hash_token(token)
        locked.code_hash = make_password(code)
        locked.link_expires_at = now + timezone.timedelta(days=LINK_DAYS)
        locked.save(
            update_fields=[
                "recipient_name", "recipient_email", "recipient_school", "state", "sent_by",
                "sent_at", "token_hash", "code_hash", "link_expires_at",
            ]
        )  # fmt: skip
        audit.record(
            A.TRANSFER_SENT,
            actor=acting,
            obj=locked,
            student=locked.student,
            data={"to": locked.recipient_name, "school": locked.recipient_school, "email": email},
        )
        link = link_for(token)
        pk = locked.pk
        transaction.on_commit(lambda: after_response(lambda: _email_link(pk, link)))
    return Sent(locked, token, code)


def _email_link(transfer_id: int, link: str) -> None:
    """The email to the receiving DSL: where, until when, from whom. Nothing about the
    pupil, and never the code."""
    transfer = ChildProtectionTransfer.objects.select_related("sent_by").get(pk=transfer_id)
    school = SchoolSettings.load()
    body = render_to_string(
        "disclosure/email_transfer.txt",
        {"transfer": transfer, "link": link, "school_name": school.school_name},
    )
    message = EmailMessage(
        subject=f"A child-protection file from {school.school_name}",
        body=body,
        to=[transfer.recipient_email],
    )
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:  # refused, or not reachable
        log.warning("Could not email the transfer link %s: %s", transfer_id, error)
        transfer_fail(transfer=transfer, reason="The email with the link could not be sent.")


def transfer_for_token(token: str) -> ChildProtectionTransfer | None:
    """The live transfer a link's token opens, or None (unknown, used up, failed or
    expired: the same answer)."""
    if not token or len(token) > 100:
        return None
    transfer = (
        ChildProtectionTransfer.objects.select_related("student", "sent_by")
        .filter(token_hash=_hash_token(token), state__in=[State.SENT, State.DOWNLOADED])
        .first()
    )
    if transfer is None:
        return None
    if transfer.link_expires_at <= timezone.now():
        transfer_expire(transfer)
        return None
    return transfer


def transfer_check_code(*, transfer, code: str, by: Actor) -> bool:
    """Whether `code` is the transfer's. Every wrong code is counted and audited;
    MAX_WRONG_CODES of them fail the transfer (the sender sends it again).

    `by` on the receiving school's pages is whoever opened the link: nobody signed in
    (user None) with the address and browser they came from."""
    acting = Actor.of(by)
    code = "".join(code.split()).upper().replace("-", "")
    if code and check_password(code, transfer.code_hash):
        return True
    with transaction.atomic():
        locked = ChildProtectionTransfer.objects.select_for_update().get(pk=transfer.pk)
        locked.wrong_codes += 1
        locked.save(update_fields=["wrong_codes"])
        audit.record(
            A.TRANSFER_CODE_REFUSED,
            actor=acting,
            actor_label="Receiving school",
            obj=locked,
            student=locked.student,
            data={"wrong_codes": locked.wrong_codes},
        )
    if locked.wrong_codes >= MAX_WRONG_CODES:
        transfer_fail(transfer=locked, reason="Too many wrong codes were given for the link.")
    return False


def transfer_claim_download(*, transfer, by: Actor) -> ChildProtectionTransfer | None:
    """Take the one download of a sent file, for whoever opened the link (see
    transfer_check_code); None if it was taken already."""
    acting = Actor.of(by)
    now = timezone.now()
    with transaction.atomic():
        taken = ChildProtectionTransfer.objects.filter(
            pk=transfer.pk, state=State.SENT, link_expires_at__gt=now
        ).update(state=State.DOWNLOADED, downloaded_at=now)
        if taken != 1:
            return None
        audit.record(
            A.TRANSFER_DOWNLOADED,
            actor=acting,
            actor_label=f"Receiving DSL: {transfer.recipient_name}"[:254],
            obj=transfer,
            student=transfer.student,
        )
    transfer.refresh_from_db()
    return transfer


def transfer_confirm(*, transfer, name: str, by: Actor) -> ChildProtectionTransfer:
    """The receiving DSL confirms they have the file (after downloading it)."""
    acting = Actor.of(by)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give your name."})
    now = timezone.now()
    with transaction.atomic():
        done = ChildProtectionTransfer.objects.filter(
            pk=transfer.pk, state=State.DOWNLOADED
        ).update(state=State.CONFIRMED, confirmed_at=now, confirmed_by_name=name[:120])
        if done != 1:
            raise ValidationError("Download the file before confirming that you have it.")
        audit.record(
            A.TRANSFER_CONFIRMED,
            actor=acting,
            actor_label=f"Receiving DSL: {name}"[:254],
            obj=transfer,
            student=transfer.student,
            data={"school": transfer.recipient_school},
        )
    transfer.refresh_from_db()
    forget_file(transfer)
    return transfer


def transfer_fail(*, transfer, reason: str, by: Actor | None = None) -> bool:
    """Mark a transfer failed (the sender, the email, or too many wrong codes): its link
    stops working and its file is deleted. The DSL prepares it again. Without `by`,
    Enigma itself failed it."""
    acting = Actor.of(by)
    with transaction.atomic():
        done = ChildProtectionTransfer.objects.filter(
            pk=transfer.pk, state__in=[State.PREPARED, State.SENT, State.DOWNLOADED]
        ).update(state=State.FAILED, failed_at=timezone.now(), failure_reason=reason[:300])
        if done:
            audit.record(
                A.TRANSFER_FAILED,
                actor=acting,
                actor_label="" if acting.user else "Enigma",
                obj=transfer,
                student=transfer.student,
                data={"reason": reason},
            )
    if done:
        forget_file(transfer)
    return bool(done)


def transfer_expire(transfer) -> bool:
    with transaction.atomic():
        done = ChildProtectionTransfer.objects.filter(
            pk=transfer.pk,
            state__in=[State.SENT, State.DOWNLOADED],
            link_expires_at__lte=timezone.now(),
        ).update(state=State.EXPIRED)
        if done:
            audit.record(
                A.TRANSFER_EXPIRED, actor_label="Enigma", obj=transfer, student=transfer.student
            )
    if done:
        forget_file(transfer)
    return bool(done)


def transfers_tidy() -> int:
    """Expire the links past their time (deleting their files)."""
    late = ChildProtectionTransfer.objects.filter(
        Q(state__in=[State.SENT, State.DOWNLOADED]), link_expires_at__lte=timezone.now()
    ).select_related("student")
    return sum(transfer_expire(t) for t in late)
