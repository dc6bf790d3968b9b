"""Writes for students' normal timetables: lessons entered by hand and the timetable
settings, each with its audit event in the same transaction. (The MIS import writes in
timetables.mis_import.services.)"""

from __future__ import annotations

from django.db import transaction
from django.forms import ModelForm

from enigma import audit
from enigma.actor import Actor
from enigma.models import Period, Student, StudentStaffLink, User
from enigma.services.school import write_form
from timetables.models import Lesson, TimetableSettings


class LessonsAction:
    IMPORT_PREVIEWED = "timetables.import_previewed"
    IMPORT_APPLIED = "timetables.import_applied"
    LESSON_ADDED = "timetables.lesson_added"
    LESSON_CHANGED = "timetables.lesson_changed"
    LESSON_DELETED = "timetables.lesson_deleted"
    SETTINGS_CHANGED = "timetables.settings_changed"


LABELS = {
    LessonsAction.IMPORT_PREVIEWED: "Checked a timetable import",
    LessonsAction.IMPORT_APPLIED: "Imported timetables from the MIS",
    LessonsAction.LESSON_ADDED: "Added a lesson to a timetable",
    LessonsAction.LESSON_CHANGED: "Changed a lesson in a timetable",
    LessonsAction.LESSON_DELETED: "Removed a lesson from a timetable",
    LessonsAction.SETTINGS_CHANGED: "Changed the timetable settings",
}
GROUPS = {"timetables.": "Timetables"}

LESSON_FIELDS = (
    "week",
    "day",
    "period",
    "subject",
    "class_code",
    "teacher",
    "teacher_code",
    "room",
)


def _plain(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return str(value)


def _link_teacher(lesson: Lesson) -> None:
    """A class teacher may see the student's file (never removed when the lesson goes)."""
    if lesson.teacher_id:
        StudentStaffLink.objects.get_or_create(
            student_id=lesson.student_id,
            staff_id=lesson.teacher_id,
            relationship=StudentStaffLink.Relationship.CLASS_TEACHER,
        )


@transaction.atomic
def lesson_create(
    *,
    student: Student,
    week: int,
    day: int,
    period: Period,
    subject: str,
    class_code: str = "",
    teacher: User | None = None,
    teacher_code: str = "",
    room: str = "",
    by: Actor,
) -> Lesson:
    """A lesson entered by hand. Raises IntegrityError if the period is already taken."""
    lesson = Lesson.objects.create(
        student=student,
        week=week,
        day=day,
        period=period,
        subject=subject,
        class_code=class_code,
        teacher=teacher,
        teacher_code=teacher_code,
        room=room,
        source=Lesson.Source.HAND,
    )
    _link_teacher(lesson)
    audit.record(
        LessonsAction.LESSON_ADDED,
        actor=Actor.of(by),
        obj=lesson,
        student=student,
        data={name: _plain(getattr(lesson, name)) for name in LESSON_FIELDS},
    )
    return lesson


@transaction.atomic
def lesson_update(*, lesson: Lesson, by: Actor, **values) -> Lesson:
    """Change a lesson by hand; it counts as entered by hand from then on (an MIS import
    replaces it only if the file has a lesson in the same period)."""
    unknown = set(values) - set(LESSON_FIELDS)
    if unknown:
        raise TypeError(f"Not a lesson field: {', '.join(sorted(unknown))}")
    changes = {}
    for name, new in values.items():
        old = getattr(lesson, name)
        if old != new:
            changes[name] = {"old": _plain(old), "new": _plain(new)}
            setattr(lesson, name, new)
    if not changes:
        return lesson
    was = lesson.source
    lesson.source = Lesson.Source.HAND
    lesson.save(update_fields=[*changes, "source", "updated_at"])
    _link_teacher(lesson)
    audit.record(
        LessonsAction.LESSON_CHANGED,
        actor=Actor.of(by),
        obj=lesson,
        student=lesson.student,
        data={"changes": changes, "was": was},
    )
    return lesson


@transaction.atomic
def lesson_delete(*, lesson: Lesson, by: Actor) -> None:
    student, label, pk = lesson.student, str(lesson), lesson.pk
    data = {name: _plain(getattr(lesson, name)) for name in LESSON_FIELDS}
    lesson.delete()
    audit.record(
        LessonsAction.LESSON_DELETED,
        actor=Actor.of(by),
        student=student,
        data={"lesson": label, "id": pk, "source": lesson.source, **data},
    )


@transaction.atomic
def timetable_settings_update(*, form: ModelForm, by: Actor) -> TimetableSettings:
    """Save the settings form (validated): the fields it changed, each recorded."""
    before = TimetableSettings.objects.select_for_update().get(pk=form.instance.pk)
    settings_row = write_form(form)
    changes = {
        name: {"old": _plain(getattr(before, name)), "new": _plain(getattr(settings_row, name))}
        for name in form.changed_data
        if getattr(before, name) != getattr(settings_row, name)
    }
    if changes:
        audit.record(
            LessonsAction.SETTINGS_CHANGED,
            actor=Actor.of(by),
            obj=settings_row,
            data={"changes": changes},
        )
    return settings_row
