"""Work for room lessons: the class teacher's My students page and setting work; the
room team's outstanding work, its CSV and the Today panel; completing and returning work;
the work's file.

A class teacher sees only their own students and their own requests: anyone else's
request is a 404, never a 403, so its existence is not revealed. Reads go through
timetables.selectors.work, writes through timetables.services.work.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from enigma import audit
from enigma.actor import actor_from
from enigma.capabilities import Capability
from enigma.csv_export import csv_response
from enigma.formatting import day_text
from enigma.forms.common import add_service_errors
from enigma.models import SchoolSettings
from enigma.permissions import requires
from enigma.uploads import accepts_uploads
from records import attachments
from timetables.forms.work import (
    FreshWorkSetForm,
    WorkCompleteForm,
    WorkSetForm,
    WorkSetManyForm,
)
from timetables.models import WorkRequest
from timetables.selectors import work as selectors
from timetables.services import work as services

log = logging.getLogger(__name__)

teachers_only = requires(Capability.SET_WORK)
room_readers = requires(Capability.OVERSEE_ROOM)
coordinator_only = requires(Capability.RUN_ROOM)
# Its teacher (checked per work request below) or the room team.
file_readers = requires(Capability.SET_WORK, Capability.READ_ROOM_WORK)


def _teacher_work(request, work_pk):
    work = selectors.work_for_teacher(request.user, work_pk)
    if work is None:
        raise Http404
    return work


def _room_work(work_pk):
    work = selectors.work_for_room(work_pk)
    if work is None:
        raise Http404
    return work


def _to_outstanding():
    return redirect("timetables:work_outstanding")


# --- the class teacher ---------------------------------------------------------------


@teachers_only
def my_students(request):
    return _my_students_page(request, WorkSetManyForm(requests=WorkRequest.objects.none()))


def _my_students_page(request, many_form):
    page = selectors.my_students(request.user, timezone.localdate())
    for student in page.students:
        for week in student.weeks:
            for row in week.rows:
                if row.work is not None and row.work.status in selectors.CHANGEABLE:
                    # WorkSetForm(work=..., same_class_count=..., auto_id="w<pk>_%s"),
                    # written by the work_lesson tag without building the form.
                    row.form = FreshWorkSetForm(row.work, row.work.same_class_count)
    chosen = {str(pk) for pk in many_form.data.getlist("works")} if many_form.is_bound else set()
    return render(
        request,
        "timetables/work/my_students.html",
        {"page": page, "many_form": many_form, "chosen": chosen},
    )


@teachers_only
@require_POST
@accepts_uploads(attachments.max_bytes)
def work_set_many(request):
    """The same work for the lessons ticked on My students: one service call, one
    transaction."""
    form = WorkSetManyForm(
        request.POST,
        request.FILES,
        requests=selectors.changeable_for_teacher(request.user),
        auto_id="many_%s",
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            changed = services.work_set_many(
                works=list(data["works"]),
                by=actor_from(request),
                description=data["description"],
                link=data["link"],
                upload=data.get("file"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            students = len({w.placement_id for w in changed})
            messages.success(
                request,
                f"Work set for {len(changed)} lesson{'s' if len(changed) != 1 else ''}"
                f"{f' of {students} students' if students > 1 else ''}. The "
                f"{SchoolSettings.load().room_name} can see it now.",
            )
            return redirect("timetables:my_students")
    return _my_students_page(request, form)


@teachers_only
@accepts_uploads(attachments.max_bytes)
def work_set(request, work_pk):
    work = _teacher_work(request, work_pk)
    back = reverse("timetables:my_students") + f"#work-{work.pk}"
    if refusal := services.set_refusal(work):
        messages.info(request, refusal)
        return redirect(back)
    count = selectors.same_class_count(work)
    posted = request.method == "POST"
    form = WorkSetForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        work=work,
        same_class_count=count,
    )
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            changed = services.work_set(
                work=work,
                by=actor_from(request),
                description=data["description"],
                link=data["link"],
                upload=data.get("file"),
                remove_file=data.get("remove_file", False),
                same_for_class=data.get("same_for_class", False),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            lessons = f"{len(changed)} lessons" if len(changed) > 1 else "the lesson"
            messages.success(
                request,
                f"Work set for {lessons}. The {SchoolSettings.load().room_name} can see it now.",
            )
            return redirect(back)
    return render(
        request,
        "timetables/work/set.html",
        {"form": form, "work": work, "student": work.placement.student, "back_url": back},
    )


@file_readers
def work_file(request, work_pk):
    """The work's file, for its teacher and the room team only (404 for anyone else)."""
    work = _room_work(work_pk)
    is_teacher = work.teacher_id == request.user.pk
    if not (is_teacher or request.user.can(Capability.READ_ROOM_WORK)):
        raise Http404
    if not work.file:
        messages.info(request, "No file is attached to this work.")
        return redirect(reverse("timetables:my_students") if is_teacher else reverse("home"))
    try:
        handle = work.file.open("rb")
    except FileNotFoundError:
        log.error("The file of work request %s is missing from private storage", work.pk)
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=work.file_name or "work",
        content_type=work.file_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


# --- the room team ----------------------------------------------------------------


@room_readers
def work_outstanding(request):
    by = request.GET.get("by", "teacher")
    board = selectors.work_board(timezone.localdate(), by, request.GET.get("page"))
    return render(
        request,
        "timetables/work/outstanding.html",
        {"board": board, "query_string": f"by={board.by}", "nudge_gap_hours": 24},
    )


@coordinator_only
@require_POST
def work_nudge(request, teacher_pk):
    """One click: remind a teacher, through the outbox, of the work still to set."""
    teacher = selectors.teacher_to_nudge(teacher_pk)
    if teacher is None:
        messages.info(request, "That teacher has no room lessons waiting for work now.")
        return _to_outstanding()
    try:
        count = services.work_nudge(teacher=teacher, by=actor_from(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        lessons = f"{count} lesson{'s' if count != 1 else ''}"
        messages.success(
            request,
            f"Reminder sent to {selectors.teacher_name(teacher)} about {lessons} waiting for "
            "work. They can be reminded again in 24 hours.",
        )
    return _to_outstanding()


@room_readers
def work_outstanding_csv(request):
    today = timezone.localdate()
    rows = selectors.outstanding_rows(today)
    audit.read(services.WorkAction.EXPORTED, actor_from(request), data={"rows": len(rows)})
    return csv_response(
        f"outstanding-work-{today:%Y-%m-%d}.csv",
        [
            "Lesson date",
            "Period",
            "Subject",
            "Class",
            "Teacher",
            "Student",
            "Tutor group",
            "Requested",
            "Work due by",
            "Overdue",
        ],
        (
            [
                w.date.isoformat(),
                w.period.name,
                w.subject,
                w.class_code,
                w.teacher_label,
                w.placement.student.name,
                w.placement.student.tutor_group,
                timezone.localtime(w.requested_at).date().isoformat(),
                w.due_by.isoformat(),
                "yes" if w.overdue else "no",
            ]
            for w in rows
        ),
    )


@room_readers
def work_panel(request):
    return render(
        request,
        "timetables/work/_panel.html",
        {"panel": selectors.work_panel(timezone.localdate())},
    )


@coordinator_only
def work_complete(request, work_pk):
    work = _room_work(work_pk)
    if refusal := services.complete_refusal(work):
        messages.info(request, refusal)
        return _to_outstanding()
    form = WorkCompleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.work_complete(
                work=work, by=actor_from(request), note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Recorded: {work.subject} work of {day_text(work.date)} completed. "
                "Return it to the teacher when you are ready.",
            )
            return _to_outstanding()
    return render(
        request,
        "timetables/work/complete.html",
        {"form": form, "work": work, "student": work.placement.student},
    )


@coordinator_only
@require_POST
def work_return(request, work_pk):
    work = _room_work(work_pk)
    try:
        services.work_return(work=work, by=actor_from(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Returned to {work.teacher_label}: they can now see how the work went.",
        )
    return _to_outstanding()
