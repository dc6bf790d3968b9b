"""The work loop for room lessons: the class teacher sets the work, the room completes it
(the coordinator notes how it went), and the coordinator returns it to the teacher.

    requested -> set -> completed -> returned
       (cancelled by the plan when the lesson goes back to class)

Each move locks the request (select_for_update) and checks its status again under the
lock, so two people acting at once cannot both move it; an impossible move raises a
ValidationError saying what the person can do instead. Each writes one audit event.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from enigma import audit
from enigma.actor import Actor
from enigma.formatting import day_text
from enigma.models import AuditEvent
from records import attachments
from timetables.hooks import work_nudged, work_settled
from timetables.models import WorkRequest
from timetables.selectors.work import (
    CHANGEABLE,
    NUDGE_GAP,
    NUDGED,
    open_work_of,
    same_class_filter,
    teacher_name,
)

S = WorkRequest.Status


class WorkAction:
    SET = "timetables.work_set"
    COMPLETED = "timetables.work_completed"
    RETURNED = "timetables.work_returned"
    EXPORTED = "timetables.work_exported"
    NUDGED = NUDGED


AUDIT_LABELS = {
    WorkAction.SET: "Set work for a room lesson",
    WorkAction.COMPLETED: "Recorded work completed in the room",
    WorkAction.RETURNED: "Returned completed work to the teacher",
    WorkAction.EXPORTED: "Downloaded the outstanding work list",
    WorkAction.NUDGED: "Reminded a teacher of work still to set",
}
AUDIT_GROUPS = {"timetables.work_": "Work for room lessons"}


def _locked(pk: int) -> WorkRequest:
    return (
        WorkRequest.objects.select_for_update(of=("self",))
        .select_related("placement__student")
        .get(pk=pk)
    )


def set_refusal(work: WorkRequest) -> str:
    """Why the teacher can no longer set or change this work ("" if they can)."""
    if work.status in CHANGEABLE:
        return ""
    if work.status == S.CANCELLED:
        return "This lesson is back in class, so the room no longer needs work for it."
    return (
        "This work has already been done in the room, so it can no longer be changed. "
        "Speak to the room coordinator if something needs to change."
    )


def complete_refusal(work: WorkRequest, today=None) -> str:
    """Why the room cannot record this work as completed ("" if it can)."""
    today = today or timezone.localdate()
    if work.status == S.SET and work.date > today:
        return (
            f"This lesson is on {day_text(work.date)}: record how the work went once the "
            "lesson has happened."
        )
    return {
        S.SET: "",
        S.REQUESTED: f"{work.teacher_label} has not set the work for this lesson yet. Ask "
        "them to set it in Enigma (My students), then record how it went.",
        S.COMPLETED: "This work is already recorded as completed.",
        S.RETURNED: "This work has already been completed and returned.",
        S.CANCELLED: "This lesson went back to class, so there is no work to complete.",
    }[work.status]


def return_refusal(work: WorkRequest) -> str:
    """Why this work cannot go back to the teacher ("" if it can)."""
    return {
        S.COMPLETED: "",
        S.REQUESTED: "The work has not been set yet, so there is nothing to return.",
        S.SET: "Record how the work went in the room first, then return it.",
        S.RETURNED: "This work has already been returned to the teacher.",
        S.CANCELLED: "This lesson went back to class, so there is no work to return.",
    }[work.status]


def _nothing_set() -> ValidationError:
    return ValidationError(
        "Describe the work, give a link to it or attach a file (any or all of these)."
    )


def _checked(upload):
    """The upload checked by records.attachments (by its content), None without one;
    a refused file is an error on the file field."""
    if upload is None:
        return None
    try:
        return attachments.check(upload)
    except attachments.Refused as refused:
        raise ValidationError({"file": str(refused)}) from None


def _write(work: WorkRequest, checked) -> str:
    """Keep a checked file in private storage, named as `work`'s; its name, or "" if
    there is none. Written before the rows: the caller discards it if they fail."""
    if not checked:
        return ""
    name = WorkRequest._meta.get_field("file").generate_filename(work, checked.name)
    return work.file.storage.save(name, ContentFile(checked.data))


def work_set(
    *,
    work: WorkRequest,
    by: Actor,
    description: str = "",
    link: str = "",
    upload=None,
    remove_file: bool = False,
    same_for_class: bool = False,
) -> list[WorkRequest]:
    """Set (or change) the work for a room lesson; returns the requests changed.

    Only the lesson's teacher may, and only until the room has completed it. With
    same_for_class, the same work goes to every one of the teacher's lessons of this
    class this school week that is still open or set. An uploaded file is checked by
    records.attachments (by its content) and kept in private storage; it is written
    before the rows and removed again if they cannot be saved.
    """
    acting = Actor.of(by)
    by = acting.user
    if work.teacher_id is None or work.teacher_id != by.pk:
        raise PermissionDenied("Only the lesson's teacher can set its work.")
    description = (description or "").strip()
    link = (link or "").strip()
    checked = _checked(upload)
    if not (description or link or checked or (work.file and not remove_file)):
        raise _nothing_set()

    written = _write(work, checked)
    try:
        with transaction.atomic():
            locked = _locked(work.pk)
            if refusal := set_refusal(locked):
                raise ValidationError(refusal)
            keeps_file = bool(locked.file) and not remove_file and not checked
            if not (description or link or checked or keeps_file):
                raise _nothing_set()
            targets = [locked]
            if same_for_class:
                others = (
                    WorkRequest.objects.select_for_update(of=("self",))
                    .filter(same_class_filter(locked))
                    .exclude(pk=locked.pk)
                    .select_related("placement__student")
                    .order_by("pk")
                )
                targets += list(others)
            if checked:
                file_name, file_type, file_path = checked.name, checked.content_type, written
            elif keeps_file:
                file_name, file_type, file_path = (
                    locked.file_name,
                    locked.file_type,
                    locked.file.name,
                )
            else:
                file_name = file_type = file_path = ""
            _set_all(
                targets,
                acting=acting,
                description=description,
                link=link,
                file=(file_path, file_name, file_type),
                data=lambda target: {"with": locked.pk if target is not locked else None},
            )
            # What asked the teacher for this work (notifications) can clear with it.
            work_settled.send(sender=WorkRequest, teacher_ids={by.pk})
    except BaseException:  # whatever stopped the write: remove the file, then re-raise
        attachments.discard_unsaved(work.file.storage, written, "work")
        raise
    # Old files are left in place (another request of the class may share them), as
    # records never deletes a file either.
    return targets


def _set_all(targets, *, acting: Actor, description, link, file, data) -> None:
    """Write the work on each locked request and audit it. `file` is (path, name, type),
    or None to keep each request's own file; data(target) adds to what its audit row says."""
    now = timezone.now()
    for target in targets:
        changing = target.status == S.SET
        target.description = description
        target.link = link
        if file is not None:
            target.file.name, target.file_name, target.file_type = file
        target.status = S.SET
        target.set_by = acting.user
        target.set_at = now
        target.save(
            update_fields=[
                "description", "link", "file", "file_name", "file_type", "status", "set_by",
                "set_at",
            ]
        )  # fmt: skip
        audit.record(
            WorkAction.SET,
            actor=acting,
            obj=target,
            student=target.placement.student,
            data={
                "changed": changing,
                "file": bool(target.file.name),
                "link": bool(link),
                **data(target),
            },
        )


def work_set_many(
    *, works: list[WorkRequest], by, description: str = "", link: str = "", upload=None
) -> list[WorkRequest]:
    """Set the same work for several of the teacher's room lessons at once (e.g. a week's
    lessons of one class, or of several students): one transaction, so either every lesson
    has it or none does; each request is set and audited as work_set does one.

    Refused as a whole, naming the lesson, if any of them is not the teacher's or can no
    longer be changed.
    """
    acting = Actor.of(by)
    by = acting.user
    if not works:
        raise ValidationError({"works": "Choose at least one lesson."})
    if any(w.teacher_id is None or w.teacher_id != by.pk for w in works):
        raise PermissionDenied("Only the lessons' teacher can set their work.")
    description = (description or "").strip()
    link = (link or "").strip()
    checked = _checked(upload)
    if not (description or link or checked):
        raise _nothing_set()
    written = _write(works[0], checked)
    try:
        with transaction.atomic():
            locked = list(
                WorkRequest.objects.select_for_update(of=("self",))
                .filter(pk__in=[w.pk for w in works])
                .select_related("placement__student", "period")
                .order_by("date", "period__starts_at", "pk")
            )
            for target in locked:
                if refusal := set_refusal(target):
                    raise ValidationError(
                        f"{target.subject}, {day_text(target.date)} {target.period.name} "
                        f"({target.placement.student.name}): {refusal}"
                    )
            _set_all(
                locked,
                acting=acting,
                description=description,
                link=link,
                file=(written, checked.name, checked.content_type) if checked else None,
                data=lambda _target: {"together": len(locked)},
            )
            # What asked the teacher for this work (notifications) can clear with it.
            work_settled.send(sender=WorkRequest, teacher_ids={by.pk})
    except BaseException:  # whatever stopped the write: remove the file, then re-raise
        attachments.discard_unsaved(works[0].file.storage, written, "work")
        raise
    return locked


def work_complete(*, work: WorkRequest, by: Actor, note: str) -> WorkRequest:
    """The room has done the set work: the coordinator notes how it went."""
    acting = Actor.of(by)
    by = acting.user
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Say how the work went, for the teacher."})
    with transaction.atomic():
        locked = _locked(work.pk)
        if refusal := complete_refusal(locked):
            raise ValidationError(refusal)
        locked.status = S.COMPLETED
        locked.completed_note = note
        locked.completed_by = by
        locked.completed_at = timezone.now()
        locked.save(update_fields=["status", "completed_note", "completed_by", "completed_at"])
        audit.record(
            WorkAction.COMPLETED, actor=acting, obj=locked, student=locked.placement.student
        )
    return locked


def work_return(*, work: WorkRequest, by: Actor) -> WorkRequest:
    """Completed work goes back to its teacher, who then sees the room's note."""
    acting = Actor.of(by)
    by = acting.user
    with transaction.atomic():
        locked = _locked(work.pk)
        if refusal := return_refusal(locked):
            raise ValidationError(refusal)
        locked.status = S.RETURNED
        locked.returned_at = timezone.now()
        locked.save(update_fields=["status", "returned_at"])
        audit.record(
            WorkAction.RETURNED, actor=acting, obj=locked, student=locked.placement.student
        )
    return locked


def work_nudge(*, teacher, by: Actor, today=None) -> int:
    """Remind `teacher` of the room lessons still waiting for their work: one reminder
    through the outbox (notifications, listening to timetables.hooks.work_nudged), at
    most once in NUDGE_GAP (24 hours). Returns how many lessons it is about.

    The teacher's row is locked while the last nudge is checked, so two people pressing
    at once send one reminder; the refusal says when the next one may go.
    """
    acting = Actor.of(by)
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=teacher.pk)
        name = teacher_name(locked)
        last = (
            AuditEvent.objects.filter(
                action=WorkAction.NUDGED,
                object_type=locked._meta.label,
                object_id=str(locked.pk),
                occurred_at__gt=timezone.now() - NUDGE_GAP,
            )
            .order_by("-occurred_at")
            .values_list("occurred_at", flat=True)
            .first()
        )
        if last is not None:
            at = timezone.localtime(last)
            again = timezone.localtime(last + NUDGE_GAP)
            raise ValidationError(
                f"{name} was already reminded at {at:%H:%M} on {day_text(at.date())}. "
                f"A teacher is reminded at most once a day: the next reminder can go from "
                f"{again:%H:%M} on {day_text(again.date())}."
            )
        waiting = open_work_of(locked, today)
        if not waiting:
            raise ValidationError(f"{name} has no room lessons waiting for work.")
        overdue = sum(1 for w in waiting if w.overdue)
        audit.record(
            WorkAction.NUDGED,
            actor=acting,
            obj=locked,
            data={"open": len(waiting), "overdue": overdue},
        )
        work_nudged.send(
            sender=WorkRequest,
            teacher=locked,
            by=acting.user,
            today=today,
            open=len(waiting),
            overdue=overdue,
        )
    return len(waiting)
