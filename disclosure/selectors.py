"""Reading everything held about one pupil, for a subject access export or a
child-protection file. Reads only: the services write the ZIP and the rows.

gather() returns a Gathered: the pupil's facts, one Table per kind of record (each a CSV
and a section of the document), the chronology as entries, and the files to include,
with every piece of free text passed through the Redactor. Restricted entries (and their
actions, corrections, files, and the audit rows and reminders that would reveal them) are
left out unless include_restricted, which only the DSL team with a fresh second factor
may ask for (disclosure.services).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.formats import date_format

from disclosure.models import ChildProtectionTransfer, LeavingClosed, SubjectAccessExport
from disclosure.redaction import Redactor
from enigma import audit
from enigma.models import AuditEvent, Contact, Student
from notifications.models import Notification
from records import access
from records.attachments import clean_name
from records.models import Attachment, ChronologyLink, Entry, InterventionStudent, SessionAttendance
from referrals.models import FollowUp, Measure, Placement, Referral, Review, TargetRating
from timetables.models import Lesson, PlanCell, PlanWeekNote, RegisterMark, WorkRequest


def text(value) -> str | int | Decimal:
    """A value as the document and the CSVs show it (dates in the house style)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value), "D j M Y, H:i")
    if isinstance(value, dt.date):
        return date_format(value, "D j M Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, int | Decimal):
        return value
    return str(value)


@dataclass
class Table:
    name: str  # the CSV's file name, without .csv
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)


@dataclass
class EntryItem:
    pk: int
    seq: int | None
    kind: str
    category: str
    restricted: bool
    occurred: str
    recorded: str
    author: str
    summary: str
    account: str
    contact: str
    agreed: str
    amends: int | None
    amendment_reason: str
    others: str  # who else is on the entry
    actions: list[str]
    files: list[str]


@dataclass
class Gathered:
    student: Student
    facts: list[tuple[str, object]]
    tables: list[Table]
    entries: list[EntryItem]
    files: list[tuple[str, object]]  # (name in the ZIP, FieldFile)
    withheld_files: list[tuple[str, str]]  # (entry, why), for the reviewer
    redactor: Redactor
    chain: dict | None = None


Step = Callable[[str, int], None]


def _noop(stage: str, percent: int) -> None:
    return None


def chronology_entries(student, *, include_restricted: bool, restricted_only: bool = False):
    entries = (
        Entry.objects.filter(links__student=student)
        .annotate(
            is_restricted=access.restricted_now(),
            student_count=Subquery(
                ChronologyLink.objects.filter(entry=OuterRef("pk"))
                .values("entry")
                .annotate(n=Count("pk"))
                .values("n")[:1],
                output_field=IntegerField(),
            ),
        )
        .select_related("author", "category")
        .prefetch_related("actions__assignee", "actions__completion__done_by", "attachments")
        .order_by("occurred_at", "id")
    )
    if restricted_only:
        return entries.filter(is_restricted=True)
    if not include_restricted:
        entries = entries.filter(is_restricted=False)
    return entries


def involved_pupils(student) -> QuerySet[Student]:
    """The other pupils on this pupil's entries and interventions."""
    shared = ChronologyLink.objects.filter(entry__links__student=student).values("student_id")
    grouped = InterventionStudent.objects.filter(intervention__memberships__student=student).values(
        "student_id"
    )
    return Student.objects.filter(Q(pk__in=shared) | Q(pk__in=grouped)).exclude(pk=student.pk)


def redactor_for(student, *, name_others: bool) -> Redactor:
    school = Student.objects.exclude(pk=student.pk).values_list(
        "pk", "legal_forename", "legal_surname", "preferred_forename", "preferred_surname"
    )
    return Redactor(
        student,
        involved_pupils(student),
        school.iterator(chunk_size=5000) if not name_others else (),
        enabled=not name_others,
    )


def _facts(student) -> list[tuple[str, object]]:
    return [
        ("Legal name", student.legal_name),
        ("Preferred name", student.name if student.uses_preferred_name else ""),
        ("UPN", student.upn),
        ("Date of birth", text(student.date_of_birth)),
        ("Year group", f"Year {student.year_group}"),
        ("Tutor group", student.tutor_group),
        ("Gender", student.get_gender_display()),
        ("SEN status", student.get_sen_status_display()),
        ("Pupil premium", text(student.pupil_premium)),
        ("Free school meals", text(student.free_school_meals)),
        ("Looked after", text(student.looked_after)),
        ("English as an additional language", text(student.eal)),
        ("On roll", text(student.on_roll)),
        ("Left on", text(student.left_on)),
    ]


class _Writer:
    """Builds the tables, redacting every free-text cell."""

    def __init__(self, redact: Redactor):
        self.redact = redact

    def free(self, value, *, section: str, record: str, column: str):
        return self.redact(text(value), section=section, record=record, field=column)

    def table(
        self, name: str, title: str, rows: Iterable, columns: list[tuple[str, Callable, bool]]
    ) -> Table:
        """columns: (heading, value of a row, free text?)."""
        out = Table(name, title, [c[0] for c in columns])
        for i, obj in enumerate(rows, 1):
            record = f"{title} {getattr(obj, 'pk', i)}"
            out.rows.append(
                [
                    self.free(get(obj), section=title, record=record, column=heading)
                    if free
                    else text(get(obj))
                    for heading, get, free in columns
                ]
            )
        return out


def _display(name):
    return lambda o: getattr(o, f"get_{name}_display")()


def gather(
    student,
    *,
    include_restricted: bool,
    name_others: bool = False,
    step: Step = _noop,
) -> Gathered:
    """Everything held about `student` for a subject access export."""
    redact = redactor_for(student, name_others=name_others)
    w = _Writer(redact)
    tables: list[Table] = []

    step("Contacts and referrals", 5)
    tables.append(
        w.table(
            "contacts",
            "Contacts",
            Contact.objects.filter(student=student).order_by("priority", "surname"),
            [
                ("Name", str, False),
                ("Relationship", _display("relationship"), False),
                ("Parental responsibility", lambda c: c.parental_responsibility, False),
                ("Lives with the pupil", lambda c: c.lives_with_student, False),
                ("Priority", lambda c: c.priority, False),
                ("Mobile", lambda c: c.mobile_phone, False),
                ("Home phone", lambda c: c.home_phone, False),
                ("Work phone", lambda c: c.work_phone, False),
                ("Email", lambda c: c.email, False),
                ("Address", lambda c: c.address, False),
            ],
        )
    )
    referrals = list(
        Referral.objects.filter(student=student)
        .select_related("referrer", "decided_by")
        .prefetch_related("prior_support", "proposed_targets", "transitions__by")
        .order_by("created_at", "pk")
    )
    tables.append(
        w.table(
            "referrals",
            "Referrals",
            referrals,
            [
                ("Referral", lambda r: r.pk, False),
                ("Made", lambda r: r.created_at, False),
                ("Referred by", lambda r: r.referrer, False),
                ("Status", _display("status"), False),
                ("Reasons", lambda r: r.reasons, True),
                ("Current concerns", lambda r: r.concerns, True),
                ("Attendance (%)", lambda r: r.attendance_percent, False),
                ("About attendance", lambda r: r.attendance_note, True),
                ("Parents or carers consulted", lambda r: r.parents_consulted, False),
                ("Their view", lambda r: r.parent_view, True),
                ("Consent given", lambda r: r.consent_given, False),
                ("Date of consent", lambda r: r.consent_date, False),
                ("Consent given by", lambda r: r.consent_given_by, True),
                ("The pupil's own view", lambda r: r.student_view, True),
                ("Proposed start", lambda r: r.proposed_start, False),
                ("Information asked for", lambda r: r.info_request, True),
                ("Decision", lambda r: r.decision_reason, True),
                ("Decided by", lambda r: r.decided_by, False),
                ("Decided", lambda r: r.decided_at, False),
            ],
        )
    )
    tables.append(
        w.table(
            "referral_support",
            "Support given before referral",
            [s for r in referrals for s in r.prior_support.all()],
            [
                ("Referral", lambda s: s.referral_id, False),
                ("Team", _display("team"), False),
                ("What", lambda s: s.what, True),
                ("Since", lambda s: s.since, False),
                ("Outcome", lambda s: s.outcome, True),
            ],
        )
    )
    tables.append(
        w.table(
            "referral_targets",
            "Proposed targets",
            [t for r in referrals for t in r.proposed_targets.all()],
            [
                ("Referral", lambda t: t.referral_id, False),
                ("Area", _display("area"), False),
                ("Target", lambda t: t.description, True),
            ],
        )
    )
    tables.append(
        w.table(
            "referral_history",
            "Referral history",
            [t for r in referrals for t in r.transitions.all()],
            [
                ("Referral", lambda t: t.referral_id, False),
                ("When", lambda t: t.at, False),
                ("From", lambda t: t.from_status, False),
                ("To", lambda t: t.to_status, False),
                ("By", lambda t: t.by, False),
                ("Why", lambda t: t.reason, True),
            ],
        )
    )

    step("Placements and reviews", 20)
    placements = list(
        Placement.objects.filter(student=student)
        .select_related("approved_by")
        .prefetch_related("transitions__by", "targets")
        .order_by("created_at", "pk")
    )
    tables.append(
        w.table(
            "placements",
            "Placements",
            placements,
            [
                ("Placement", lambda p: p.pk, False),
                ("State", _display("state"), False),
                ("Approved by", lambda p: p.approved_by, False),
                ("Approved", lambda p: p.approved_at, False),
                ("Start", lambda p: p.start_date, False),
                ("Planned exit", lambda p: p.planned_exit, False),
                ("Actual exit", lambda p: p.actual_exit, False),
                ("Ended early because", _display("end_reason"), False),
                ("Outcome", _display("outcome"), False),
                ("Exit summary", lambda p: p.exit_summary, True),
            ],
        )
    )
    tables.append(
        w.table(
            "placement_history",
            "Placement history",
            [t for p in placements for t in p.transitions.all()],
            [
                ("Placement", lambda t: t.placement_id, False),
                ("When", lambda t: t.at, False),
                ("From", lambda t: t.from_state, False),
                ("To", lambda t: t.to_state, False),
                ("By", lambda t: t.by, False),
                ("Why", lambda t: t.reason, True),
            ],
        )
    )
    tables.append(
        w.table(
            "targets",
            "Targets",
            [t for p in placements for t in p.targets.all()],
            [
                ("Placement", lambda t: t.placement_id, False),
                ("Area", _display("area"), False),
                ("Target", lambda t: t.description, True),
                ("Still a target", lambda t: t.active, False),
            ],
        )
    )
    reviews = Review.objects.filter(placement__student=student).select_related(
        "held_by", "signed_off_by"
    )
    tables.append(
        w.table(
            "reviews",
            "Reviews",
            reviews.order_by("placement_id", "number"),
            [
                ("Placement", lambda r: r.placement_id, False),
                ("Review", lambda r: r.number, False),
                ("Kind", _display("kind"), False),
                ("Due", lambda r: r.due_on, False),
                ("Held", lambda r: r.held_on, False),
                ("Held by", lambda r: r.held_by, False),
                ("Pupil present", lambda r: r.student_present, False),
                ("Parent or carer present", lambda r: r.parent_present, False),
                ("Others present", lambda r: r.others_present, True),
                ("Attendance in the room", lambda r: r.room_attendance, True),
                ("Engagement", _display("engagement"), False),
                ("The pupil's view", lambda r: r.student_view, True),
                ("Parents' or carers' view", lambda r: r.parent_view, True),
                ("Next step", lambda r: r.next_step, True),
                ("Signed off by", lambda r: r.signed_off_by, False),
                ("Signed off", lambda r: r.signed_off_at, False),
                ("Sign-off note", lambda r: r.sign_off_note, True),
            ],
        )
    )
    tables.append(
        w.table(
            "review_ratings",
            "Progress against targets",
            TargetRating.objects.filter(review__placement__student=student)
            .select_related("review", "target")
            .order_by("review__placement_id", "review__number", "target__position"),
            [
                ("Placement", lambda r: r.review.placement_id, False),
                ("Review", lambda r: r.review.number, False),
                ("Target", lambda r: r.target.description, True),
                ("Rating", _display("rating"), False),
                ("Comment", lambda r: r.comment, True),
            ],
        )
    )
    tables.append(
        w.table(
            "measures",
            "Measures",
            Measure.objects.filter(placement__student=student)
            .select_related("taken_by")
            .order_by("placement_id", "taken_on"),
            [
                ("Placement", lambda m: m.placement_id, False),
                ("Stage", _display("stage"), False),
                ("Wellbeing (0 to 10)", lambda m: m.wellbeing, False),
                ("Concerns in the last six weeks", lambda m: m.concerns_last_six_weeks, False),
                ("Lessons in class per week", lambda m: m.lessons_in_class_per_week, False),
                ("Taken", lambda m: m.taken_on, False),
                ("Taken by", lambda m: m.taken_by, False),
            ],
        )
    )
    tables.append(
        w.table(
            "follow_ups",
            "Follow-up checks",
            FollowUp.objects.filter(placement__student=student)
            .select_related("recorded_by")
            .order_by("placement_id", "due_on"),
            [
                ("Placement", lambda f: f.placement_id, False),
                ("Weeks after", lambda f: f.weeks_after, False),
                ("Due", lambda f: f.due_on, False),
                ("Result", _display("result"), False),
                ("Note", lambda f: f.note, True),
                ("Recorded by", lambda f: f.recorded_by, False),
            ],
        )
    )

    step("Timetable, register and work", 35)
    tables += _timetable_tables(w, student)

    step("Chronology", 50)
    entries, files, withheld = _chronology(
        w, student, include_restricted=include_restricted, name_others=name_others
    )
    tables.append(_entries_table(entries))
    tables.append(
        Table(
            "actions",
            "Follow-up actions",
            ["Entry", "Action"],
            [[e.pk, a] for e in entries for a in e.actions],
        )
    )

    step("Interventions", 70)
    tables += _intervention_tables(w, student, include_restricted=include_restricted)

    step("Notifications and audit", 80)
    tables.append(_notifications_table(w, student, include_restricted=include_restricted))
    tables.append(_audit_table(w, student, include_restricted=include_restricted))
    return Gathered(
        student=student,
        facts=_facts(student),
        tables=tables,
        entries=entries,
        files=files,
        withheld_files=withheld,
        redactor=redact,
    )


def _timetable_tables(w: _Writer, student) -> list[Table]:
    return [
        w.table(
            "timetable",
            "Normal timetable",
            Lesson.objects.filter(student=student)
            .select_related("period", "teacher")
            .order_by("week", "day", "period__starts_at"),
            [
                ("Week", lambda x: x.week, False),
                ("Day", _display("day"), False),
                ("Period", lambda x: x.period.name, False),
                ("Subject", lambda x: x.subject, False),
                ("Class", lambda x: x.class_code, False),
                ("Teacher", lambda x: x.teacher or x.teacher_code, False),
                ("Room", lambda x: x.room, False),
            ],
        ),
        w.table(
            "reintegration_plan",
            "Reintegration plan",
            PlanCell.objects.filter(placement__student=student)
            .select_related("period", "teacher")
            .order_by("date", "period__starts_at"),
            [
                ("Placement", lambda x: x.placement_id, False),
                ("Date", lambda x: x.date, False),
                ("Period", lambda x: x.period.name, False),
                ("Where", _display("mode"), False),
                ("Subject", lambda x: x.subject, False),
                ("Class", lambda x: x.class_code, False),
                ("Teacher", lambda x: x.teacher or x.teacher_code, False),
            ],
        ),
        w.table(
            "plan_notes",
            "Plan notes by week",
            PlanWeekNote.objects.filter(placement__student=student)
            .select_related("written_by")
            .order_by("week_start"),
            [
                ("Placement", lambda x: x.placement_id, False),
                ("Week of", lambda x: x.week_start, False),
                ("Note", lambda x: x.note, True),
                ("Written by", lambda x: x.written_by, False),
            ],
        ),
        w.table(
            "register",
            "Room register",
            RegisterMark.objects.filter(placement__student=student)
            .select_related("period", "recorded_by")
            .order_by("date", "period__starts_at"),
            [
                ("Date", lambda x: x.date, False),
                ("Period", lambda x: x.period.name, False),
                ("Attendance", _display("status"), False),
                ("Engagement", lambda x: x.engagement, False),
                ("Work completed", _display("work_completed"), False),
                ("Note", lambda x: x.note, True),
                ("Recorded by", lambda x: x.recorded_by, False),
            ],
        ),
        w.table(
            "work",
            "Work set for room lessons",
            WorkRequest.objects.filter(placement__student=student)
            .select_related("period", "teacher", "set_by", "completed_by")
            .order_by("date", "period__starts_at"),
            [
                ("Date", lambda x: x.date, False),
                ("Period", lambda x: x.period.name, False),
                ("Subject", lambda x: x.subject, False),
                ("Teacher", lambda x: x.teacher or x.teacher_code, False),
                ("Status", _display("status"), False),
                ("The work", lambda x: x.description, True),
                ("Link", lambda x: x.link, False),
                ("File", lambda x: x.file_name, True),
                ("Set by", lambda x: x.set_by, False),
                ("How it went", lambda x: x.completed_note, True),
            ],
        ),
    ]


def _chronology(w: _Writer, student, *, include_restricted: bool, name_others: bool):
    seqs = dict(ChronologyLink.objects.filter(student=student).values_list("entry_id", "seq"))
    items, files, withheld = [], [], []
    for e in chronology_entries(student, include_restricted=include_restricted):
        record = f"Entry {e.pk}"

        def free(value, column, record=record):
            return w.free(value, section="Chronology", record=record, column=column)

        others = e.student_count - 1
        shared = others > 0
        if shared and name_others:
            names = [s.name for s in e.students.exclude(pk=student.pk)]
            others_text = ", ".join(names)
        elif shared:
            others_text = f"{others} other pupil{'s' if others != 1 else ''}"
        else:
            others_text = ""
        actions = []
        for a in e.actions.all():
            done = getattr(a, "completion", None)
            line = f"{free(a.description, 'Action')} ({a.assignee}, due {text(a.due_on)})"
            if done is not None:
                line += f"; done {text(done.done_at)} by {done.done_by}: "
                line += free(done.outcome, "Action outcome")
            else:
                line += "; open"
            actions.append(line)
        entry_files = []
        for f in e.attachments.all():
            shown = free(f.original_name, "File name")
            if shared and not name_others:
                withheld.append((record, "attached to an entry shared with another pupil"))
                continue
            arcname = f"attachments/{e.pk}-{f.pk}-{clean_name(shown) or 'file'}"
            files.append((arcname, f.file))
            entry_files.append(arcname)
        items.append(
            EntryItem(
                pk=e.pk,
                seq=seqs.get(e.pk),
                kind=e.get_kind_display(),
                category=str(e.category or ""),
                restricted=bool(e.is_restricted),
                occurred=text(e.occurred_at),
                recorded=text(e.recorded_at),
                author=str(e.author),
                summary=free(e.summary, "Summary"),
                account=free(e.account, "Account"),
                contact=(
                    f"{free(e.contact_with, 'Who')} ({e.get_contact_method_display()})"
                    if e.contact_with or e.contact_method
                    else ""
                ),
                agreed=free(e.agreed, "What was agreed"),
                amends=e.amends_id,
                amendment_reason=free(e.amendment_reason, "Why it was corrected"),
                others=others_text,
                actions=actions,
                files=entry_files,
            )
        )
    return items, files, withheld


def _entries_table(entries: list[EntryItem]) -> Table:
    columns = [
        "Entry", "Link", "Happened", "Recorded", "By", "Kind", "Category", "Restricted",
        "Summary", "Account", "Contact", "Agreed", "Corrects entry", "Why corrected",
        "Others involved", "Files",
    ]  # fmt: skip
    return Table(
        "chronology",
        "Chronology",
        columns,
        [
            [
                e.pk,
                e.seq,
                e.occurred,
                e.recorded,
                e.author,
                e.kind,
                e.category,
                text(e.restricted),
                e.summary,
                e.account,
                e.contact,
                e.agreed,
                e.amends or "",
                e.amendment_reason,
                e.others,
                " ".join(e.files),
            ]
            for e in entries
        ],
    )


def _intervention_tables(w: _Writer, student, *, include_restricted: bool) -> list[Table]:
    memberships = InterventionStudent.objects.filter(student=student).select_related(
        "intervention", "intervention__lead"
    )
    attendance = (
        SessionAttendance.objects.filter(student=student)
        .select_related("session", "session__intervention")
        .annotate(entry_restricted=access.restricted_now("entry_id"))
        .order_by("session__held_on", "session__number")
    )
    if not include_restricted:
        attendance = attendance.filter(entry_restricted=False)
    return [
        w.table(
            "interventions",
            "Interventions",
            memberships,
            [
                ("Intervention", lambda m: m.intervention.title, True),
                ("Focus", lambda m: m.intervention.get_focus_display(), False),
                ("Lead", lambda m: m.intervention.lead, False),
                ("Starts", lambda m: m.intervention.starts_on, False),
                ("Schedule", lambda m: m.intervention.schedule, True),
                ("Targets", lambda m: m.intervention.targets, True),
                ("Measure", lambda m: m.intervention.measure_name, True),
                ("Entry score", lambda m: m.entry_score, False),
                ("Exit score", lambda m: m.exit_score, False),
                ("Closed", lambda m: m.intervention.closed_on, False),
            ],
        ),
        w.table(
            "intervention_sessions",
            "Intervention sessions",
            attendance,
            [
                ("Intervention", lambda a: a.session.intervention.title, True),
                ("Session", lambda a: a.session.number, False),
                ("Held", lambda a: a.session.held_on, False),
                ("Attendance", _display("status"), False),
                ("Note", lambda a: a.note, True),
                ("Session notes", lambda a: a.session.notes, True),
            ],
        ),
    ]


def notifications_about(student, *, include_restricted: bool) -> QuerySet[Notification]:
    """The reminders Enigma made about this pupil (by what they are about)."""
    entries = chronology_entries(student, include_restricted=include_restricted)
    placements = list(Placement.objects.filter(student=student).values_list("pk", flat=True))
    keys = [f"placement:{pk}" for pk in placements]
    keys += [
        f"review:{pk}"
        for pk in Review.objects.filter(placement__student=student).values_list("pk", flat=True)
    ]
    keys += [
        f"follow_up:{pk}"
        for pk in FollowUp.objects.filter(placement__student=student).values_list("pk", flat=True)
    ]
    keys += [f"entry:{pk}" for pk in entries.values_list("pk", flat=True)]
    about = Q(subject_key__in=keys)
    for pk in placements:
        about |= Q(subject_key__startswith=f"placement:{pk}:")
    return (
        Notification.objects.filter(about).select_related("recipient").order_by("created_at", "pk")
    )


def _notifications_table(w: _Writer, student, *, include_restricted: bool) -> Table:
    return w.table(
        "notifications",
        "Notifications about the pupil",
        notifications_about(student, include_restricted=include_restricted),
        [
            ("Made", lambda n: n.created_at, False),
            ("Kind", _display("kind"), False),
            ("Due", lambda n: n.due_on, False),
            ("To", lambda n: n.recipient, False),
            ("Title", lambda n: n.title, True),
            ("Message", lambda n: n.body, True),
            ("Read", lambda n: n.read_at, False),
            ("Email", _display("email_status"), False),
        ],
    )


def audit_about(student, *, include_restricted: bool) -> QuerySet[AuditEvent]:
    """Who read or changed this pupil's file, oldest first. Without restricted content,
    the rows that would reveal a restricted entry (reading, sharing or opening one, and
    the child-protection file's transfer) are left out."""
    events = AuditEvent.objects.filter(student=student).select_related("actor")
    if include_restricted:
        return events.order_by("occurred_at", "pk")
    restricted_entries = Entry.objects.filter(
        links__student=student, pk__in=Entry.objects.filter(access.restricted_now()).values("pk")
    ).values_list("pk", flat=True)
    restricted_ids = [str(pk) for pk in restricted_entries]
    restricted_files = [
        str(pk)
        for pk in Attachment.objects.filter(entry_id__in=restricted_entries).values_list(
            "pk", flat=True
        )
    ]
    hide = (
        Q(action__in=["records.restricted_read", "records.entry_shared"])
        | Q(action__startswith="disclosure.transfer")
        | Q(action__startswith="disclosure.export", data__include_restricted=True)
        | Q(object_type="records.Entry", object_id__in=restricted_ids)
        | Q(object_type="records.Attachment", object_id__in=restricted_files)
        | Q(object_type__in=["records.Action", "records.ActionCompletion", "records.EntryShare"])
    )
    return events.exclude(hide).order_by("occurred_at", "pk")


def _audit_table(w: _Writer, student, *, include_restricted: bool) -> Table:
    return w.table(
        "audit",
        "Who opened or changed the record",
        audit_about(student, include_restricted=include_restricted),
        [
            ("When", lambda e: e.occurred_at, False),
            ("Who", lambda e: e.actor or e.actor_label, False),
            ("What", lambda e: audit.label(e.action), False),
            ("Which record", audit.object_label, True),
        ],
    )


# --- the child-protection file ------------------------------------------------------------


def gather_cp_file(student) -> Gathered:
    """The child-protection file: every restricted entry of the pupil's chronology, with
    its corrections, actions and files, and the proof that the chronology verifies. Sent
    DSL to DSL: other pupils stay named (the receiving DSL needs the whole picture)."""
    redact = Redactor(student, (), enabled=False)
    w = _Writer(redact)
    entries = []
    files = []
    seqs = dict(ChronologyLink.objects.filter(student=student).values_list("entry_id", "seq"))
    for e in chronology_entries(student, include_restricted=True, restricted_only=True):
        names = ", ".join(s.name for s in e.students.exclude(pk=student.pk))
        entry_files = []
        for f in e.attachments.all():
            arcname = f"attachments/{e.pk}-{f.pk}-{clean_name(f.original_name) or 'file'}"
            files.append((arcname, f.file))
            entry_files.append(f"{arcname} (sha256 {f.sha256})")
        entries.append(
            EntryItem(
                pk=e.pk,
                seq=seqs.get(e.pk),
                kind=e.get_kind_display(),
                category=str(e.category or ""),
                restricted=True,
                occurred=text(e.occurred_at),
                recorded=text(e.recorded_at),
                author=str(e.author),
                summary=e.summary,
                account=e.account,
                contact=(
                    f"{e.contact_with} ({e.get_contact_method_display()})"
                    if e.contact_with or e.contact_method
                    else ""
                ),
                agreed=e.agreed,
                amends=e.amends_id,
                amendment_reason=e.amendment_reason,
                others=names,
                actions=[
                    f"{a.description} ({a.assignee}, due {text(a.due_on)})"
                    + (
                        f"; done {text(a.completion.done_at)} by {a.completion.done_by}: "
                        f"{a.completion.outcome}"
                        if getattr(a, "completion", None) is not None
                        else "; open"
                    )
                    for a in e.actions.all()
                ],
                files=entry_files,
            )
        )
    tables = [
        _entries_table(entries),
        Table(
            "actions",
            "Follow-up actions",
            ["Entry", "Action"],
            [[e.pk, a] for e in entries for a in e.actions],
        ),
        w.table(
            "contacts",
            "Contacts",
            Contact.objects.filter(student=student).order_by("priority", "surname"),
            [
                ("Name", str, False),
                ("Relationship", _display("relationship"), False),
                ("Parental responsibility", lambda c: c.parental_responsibility, False),
                ("Mobile", lambda c: c.mobile_phone, False),
                ("Email", lambda c: c.email, False),
                ("Address", lambda c: c.address, False),
            ],
        ),
    ]
    gathered = Gathered(
        student=student,
        facts=_facts(student),
        tables=tables,
        entries=entries,
        files=files,
        withheld_files=[],
        redactor=redact,
    )
    gathered.chain = chain_proof(student, [e.pk for e in entries])
    return gathered


def chain_proof(student, entry_ids: list[int]) -> dict:
    """What shows the chronology verifies: its length and head (the last link's hash),
    whether every link checks under the school's keys now, and each sent entry's link."""
    from records import chain

    links = list(
        ChronologyLink.objects.filter(student=student).select_related("entry").order_by("seq")
    )
    broken = chain.first_break(links)
    wanted = set(entry_ids)
    return {
        "student_upn": student.upn,
        "checked_at": timezone.now().isoformat(timespec="seconds"),
        "algorithm": "HMAC-SHA256 over the previous link's hash and the entry (records/chain.py)",
        "genesis": chain.GENESIS,
        "length": len(links),
        "head": links[-1].hash if links else chain.GENESIS,
        "verifies": broken is None,
        "first_break": str(broken) if broken else "",
        "links": [
            {
                "seq": link.seq,
                "entry": link.entry_id,
                "prev_hash": link.prev_hash,
                "hash": link.hash,
                "key_id": link.key_id,
            }
            for link in links
            if link.entry_id in wanted
        ],
    }


# --- pages -----------------------------------------------------------------------------


def exports_for_student(student) -> QuerySet[SubjectAccessExport]:
    return SubjectAccessExport.objects.filter(student=student).select_related("requested_by")[:20]


def export_for(pk) -> SubjectAccessExport:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        SubjectAccessExport.objects.select_related("student", "requested_by"), pk=pk
    )


def transfers(*, page: int | str | None = 1):
    from django.core.paginator import Paginator

    qs = ChildProtectionTransfer.objects.select_related("student", "prepared_by", "sent_by")
    return Paginator(qs, 25).get_page(page)


def transfer_for(pk) -> ChildProtectionTransfer:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        ChildProtectionTransfer.objects.select_related("student", "prepared_by", "sent_by"), pk=pk
    )


def open_transfer_of(student) -> ChildProtectionTransfer | None:
    return ChildProtectionTransfer.objects.filter(
        student=student, state__in=ChildProtectionTransfer.LIVE
    ).first()


def closed_leaving_of(student) -> LeavingClosed | None:
    """Why this pupil's latest leaving has no transfer through Enigma, if the DSL said."""
    if student.left_on is None:
        return None
    return (
        LeavingClosed.objects.filter(student=student, left_on=student.left_on)
        .select_related("closed_by")
        .first()
    )


# KCSIE: the file reaches the next school within 5 school days of the pupil leaving.
DUE_BY_SCHOOL_DAY = 5


def has_cp_file(student_ref="pk") -> Exists:
    """Whether the pupil has a child-protection file: any entry restricted now."""
    return Exists(
        Entry.objects.filter(links__student=OuterRef(student_ref))
        .annotate(is_restricted=access.restricted_now())
        .filter(is_restricted=True)
    )
