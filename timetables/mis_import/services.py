"""The two entry points: a dry run that writes nothing but its audit event, and an
all-or-nothing apply that reads and checks the files again inside one transaction."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from psycopg import sql

from enigma import audit
from enigma.actor import Actor
from enigma.imports.result import ImportResult
from enigma.models import StudentStaffLink
from timetables.models import Lesson
from timetables.services.lessons import LessonsAction

from .columns import SHAPES
from .plan import TimetableImport, build

# One timetable import at a time, whoever starts it (the core's imports use their own key).
_LOCK_KEY = 0x454E49544D54


def _audit_data(result: TimetableImport) -> dict:
    return {
        "shape": result.shape,
        "files": [{"name": f.filename[:200], "sha256": f.sha256} for f in result.files],
        "students": len(result.students),
        "lessons": result.lessons,
        "added": result.added,
        "changed": result.changed,
        "removed": result.removed,
        "unchanged": result.unchanged,
        "hand_replaced": result.hand_replaced,
        "links": result.links,
    }


def preview(shape: str, files: list[tuple[str, bytes]], *, actor: Actor | None = None):
    """Read and check the files and plan every change; write nothing but the audit event."""
    result = build(shape, files)
    audit.record(
        LessonsAction.IMPORT_PREVIEWED,
        actor=Actor.of(actor),
        data={
            **_audit_data(result),
            "errors": result.error_count + len(result.file_errors),
        },
    )
    return result


class _Refused(Exception):
    def __init__(self, result: TimetableImport):
        self.result = result


def _write(result: TimetableImport) -> None:
    """Delete the replaced lessons, COPY the new ones in, add the new class-teacher links:
    a constant number of statements however many rows the files have."""
    Lesson.objects.filter(pk__in=result.deletes).delete()
    now = timezone.now()
    columns = [Lesson._meta.get_field(f).column for f in _LESSON_COLUMNS]
    with connection.cursor() as cursor:
        copy_in = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(Lesson._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        with cursor.copy(copy_in) as copy:
            for new in result.creates:
                taught = new.taught
                copy.write_row(
                    (
                        new.student.pk,
                        taught.week,
                        taught.day,
                        taught.period.pk,
                        taught.subject,
                        taught.class_code,
                        taught.teacher.pk if taught.teacher else None,
                        taught.teacher_code,
                        taught.room,
                        Lesson.Source.IMPORT.value,
                        now,
                    )
                )
        if result.new_links:
            # Links are only ever added, never removed; one made meanwhile is kept as it is.
            link = StudentStaffLink._meta
            names = [link.get_field(f).column for f in _LINK_COLUMNS]
            cursor.execute(
                sql.SQL(
                    "INSERT INTO {} ({}) SELECT s, t, %s, %s "
                    "FROM unnest(%s::bigint[], %s::bigint[]) AS l(s, t) ON CONFLICT DO NOTHING"
                ).format(
                    sql.Identifier(link.db_table), sql.SQL(", ").join(map(sql.Identifier, names))
                ),
                [
                    StudentStaffLink.Relationship.CLASS_TEACHER.value,
                    now,
                    [student_id for student_id, _ in result.new_links],
                    [staff_id for _, staff_id in result.new_links],
                ],
            )
    _fill_plans({new.student.pk for new in result.creates})


_LINK_COLUMNS = ("student", "staff", "relationship", "created_at")
_LESSON_COLUMNS = (
    "student",
    "week",
    "day",
    "period",
    "subject",
    "class_code",
    "teacher",
    "teacher_code",
    "room",
    "source",
    "updated_at",
)


def _fill_plans(student_ids: set[int]) -> None:
    """A live placement whose student had no timetable gets its plan's missing lessons
    now (lessons already planned are left as they are)."""
    from referrals.models import Placement
    from timetables import occupancy
    from timetables.services import plans

    for placement in Placement.objects.filter(student_id__in=student_ids, state__in=occupancy.LIVE):
        plans.generate_plan(placement)


def apply(shape: str, files: list[tuple[str, bytes]], *, actor: Actor | None = None):
    """Check the files again from scratch and write all of them, or (on any error) none."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
            result = build(shape, files)
            if not result.ok:
                raise _Refused(result)
            _write(result)
            result.applied = True
            audit.record(
                LessonsAction.IMPORT_APPLIED,
                actor=Actor.of(actor),
                data=_audit_data(result),
            )
    except _Refused as refused:
        return refused.result
    except IntegrityError:
        result = TimetableImport(shape=shape)
        for kind, (filename, _) in zip(SHAPES[shape], files, strict=True):
            result.files.append(ImportResult(kind=kind.key, filename=filename, sha256=""))
        result.files[0].file_errors.append(
            "The database refused the import because the timetable changed while it ran (a "
            "lesson added by hand, perhaps), so nothing was saved. Preview the files again "
            "and re-apply them."
        )
        return result
    return result
