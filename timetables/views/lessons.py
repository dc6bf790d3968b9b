"""Students' normal timetables: the MIS import (upload, preview, apply), a student's
timetable with lessons entered by hand, and the timetable settings.

Between preview and apply the uploaded files wait in private files named by a token
only this session knows (timetables.mis_import.store); applying reads them back and
checks every row again from scratch: the preview is never trusted.
"""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.db import IntegrityError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from enigma.actor import actor_from
from enigma.capabilities import Capability
from enigma.imports.parsing import max_bytes
from enigma.inputs import parse_int
from enigma.permissions import get_student_for, requires
from enigma.uploads import accepts_uploads
from timetables.forms.lessons import (
    ClassesUploadForm,
    LessonForm,
    LessonsUploadForm,
    TimetableSettingsForm,
)
from timetables.mis_import import services as mis_import
from timetables.mis_import import store
from timetables.mis_import.columns import FILE_KINDS
from timetables.models import TimetableSettings
from timetables.selectors import lessons as selectors
from timetables.services import lessons as services

# Who keeps the timetables: imports, settings and lessons by hand.
editors = requires(Capability.MANAGE_TIMETABLES)
PREVIEW_STUDENTS = 200
SLOT_TAKEN = (
    "Someone has just put another lesson in this period. Reload the timetable to see it, "
    "or choose another period."
)


def _preview_page(request, result, token=None):
    return render(
        request,
        "timetables/lessons/import_preview.html",
        {
            "result": result,
            "files": [(FILE_KINDS[f.kind].label, f) for f in result.files],
            "students": result.students[:PREVIEW_STUDENTS],
            "more_students": max(0, len(result.students) - PREVIEW_STUDENTS),
            "token": token,
        },
    )


@editors
@accepts_uploads(max_bytes, files=2)
def import_upload(request):
    forms = {
        "lessons": LessonsUploadForm(prefix="lessons"),
        "classes": ClassesUploadForm(prefix="classes"),
    }
    if request.method == "POST":
        shape = "classes" if request.POST.get("shape") == "classes" else "lessons"
        form = type(forms[shape])(request.POST, request.FILES, prefix=shape)
        forms[shape] = form
        if form.is_valid():
            files = form.uploaded()
            result = mis_import.preview(shape, files, actor=actor_from(request))
            token = store.keep(request, shape, files) if result.ok else None
            return _preview_page(request, result, token)
    return render(
        request,
        "timetables/lessons/import.html",
        {
            "lessons_form": forms["lessons"],
            "classes_form": forms["classes"],
            "kinds": FILE_KINDS.values(),
            "settings": TimetableSettings.load(),
            "counts": selectors.import_counts(),
        },
    )


@editors
@require_POST
def import_apply(request):
    token = request.POST.get("token", "")
    pending = store.take(request, token)
    if pending is None:
        messages.error(
            request,
            "That preview has expired or has already been applied. Upload the files again.",
        )
        return redirect("timetables:import")
    shape, files = pending
    result = mis_import.apply(shape, files, actor=actor_from(request))
    store.discard(request, token)
    if result.ok:
        messages.success(request, f"Imported {result.filenames}. {result.summary()}")
        return redirect("timetables:import")
    messages.error(request, "Nothing was saved: the files no longer pass their checks.")
    return _preview_page(request, result)


@editors
def import_template(request):
    kind = FILE_KINDS.get(request.GET.get("file", "lessons"))
    if kind is None:
        raise Http404
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(kind.example[0]))
    writer.writeheader()
    writer.writerows(kind.example)
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    name = kind.key.replace("_", "-")
    response["Content-Disposition"] = f'attachment; filename="enigma-timetable-{name}.csv"'
    return response


@editors
def timetable_settings(request):
    form = TimetableSettingsForm(request.POST or None, instance=TimetableSettings.load())
    if request.method == "POST" and form.is_valid():
        services.timetable_settings_update(form=form, by=actor_from(request))
        messages.success(request, "Timetable settings saved.")
        return redirect("timetables:settings")
    settings_row = TimetableSettings.load()
    return render(
        request,
        "timetables/lessons/settings.html",
        {
            "form": form,
            "week_b_students": (
                selectors.students_with_week_b() if settings_row.weeks_in_cycle == 1 else 0
            ),
        },
    )


@requires(Capability.VIEW_STUDENTS)
def student_timetable(request, pk):
    student = get_student_for(request.user, pk)
    settings_row = TimetableSettings.load()
    return render(
        request,
        "timetables/lessons/student_timetable.html",
        {
            "student": student,
            "grids": selectors.timetable_grids(student, settings_row),
            "two_weeks": settings_row.weeks_in_cycle == 2,
        },
    )


def _slot_from_query(request) -> dict:
    """week, day and period for a new lesson from the grid's "Add" link."""
    initial = {}
    for name in ("week", "day", "period"):
        value = parse_int(request.GET.get(name))
        if value is not None:
            initial[name] = value
    return initial


@editors
def lesson_add(request, pk):
    student = get_student_for(request.user, pk)
    two_weeks = TimetableSettings.load().weeks_in_cycle == 2
    form = LessonForm(
        request.POST if request.method == "POST" else None,
        student=student,
        two_weeks=two_weeks,
        initial=_slot_from_query(request),
    )
    if request.method == "POST" and form.is_valid():
        try:
            lesson = services.lesson_create(
                student=student, **form.values(), by=actor_from(request)
            )
        except IntegrityError:
            form.add_error("period", SLOT_TAKEN)
        else:
            messages.success(request, f"Lesson added: {lesson}.")
            return redirect("timetables:student_timetable", pk=student.pk)
    return render(
        request,
        "timetables/lessons/lesson_form.html",
        {"form": form, "student": student, "lesson": None},
    )


@editors
def lesson_edit(request, lesson_pk):
    lesson = selectors.lesson_for(request.user, lesson_pk)
    student = lesson.student
    two_weeks = TimetableSettings.load().weeks_in_cycle == 2
    form = LessonForm(
        request.POST if request.method == "POST" else None,
        student=student,
        two_weeks=two_weeks,
        lesson=lesson,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.lesson_update(lesson=lesson, by=actor_from(request), **form.values())
        except IntegrityError:
            form.add_error("period", SLOT_TAKEN)
        else:
            messages.success(request, f"Lesson saved: {lesson}.")
            return redirect("timetables:student_timetable", pk=student.pk)
    return render(
        request,
        "timetables/lessons/lesson_form.html",
        {"form": form, "student": student, "lesson": lesson},
    )


@editors
@require_POST
def lesson_delete(request, lesson_pk):
    lesson = selectors.lesson_for(request.user, lesson_pk)
    student, label = lesson.student, str(lesson)
    services.lesson_delete(lesson=lesson, by=actor_from(request))
    messages.success(request, f"Lesson removed: {label}.")
    return redirect("timetables:student_timetable", pk=student.pk)
