"""The student file: an append-only, hash-chained chronology per student.

An Entry holds what was recorded, once. A ChronologyLink puts it into one student's
chronology (an incident involving three students has three links) and carries that
chronology's hash chain. Follow-up actions and their completion are rows of their own,
so nothing here is ever updated: corrections are new entries that amend the old one.
Every table below refuses UPDATE, DELETE and TRUNCATE in the database, but OpenAction,
OpenActionStudent and FileAuthor: what the database itself keeps of which actions are
still open and who has written in each file.

Write through records.services; read through records.selectors.
"""

from __future__ import annotations

import datetime as dt

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from enigma.db import append_only_triggers
from enigma.models import ImmutableModel
from records.chain import DISPOSED_SUMMARY
from records.disposal_triggers import (
    blankable_triggers,
    deletable_with_pupils_triggers,
    entry_triggers,
    pupil_disposed,
    pupils_disposed,
)
from records.storage import private_storage


class Category(models.Model):
    """What an entry is about. The school admin keeps the list; restricted categories are
    seen only by the DSL team."""

    name = models.CharField(max_length=60, unique=True)
    restricted = models.BooleanField(
        default=False,
        help_text="Entries in a restricted category are seen only by the safeguarding team.",
    )
    active = models.BooleanField(default=True, help_text="Inactive categories are not offered.")
    sen_record = models.BooleanField(
        "SEN record",
        default=False,
        help_text="Entries in it are SEN records: kept until the pupil's 31st birthday, not "
        "the 25th (records.retention).",
    )
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


class Entry(ImmutableModel):
    """One thing recorded: a concern, incident, contact, note, session or lifecycle event."""

    class Kind(models.TextChoices):
        CONCERN = "concern", "Concern"
        INCIDENT = "incident", "Incident"
        OBSERVATION = "observation", "Observation"
        POSITIVE = "positive", "Positive note"
        CONTACT = "contact", "Contact"
        PROGRESS = "progress", "Progress note"
        SESSION = "session", "Intervention session"
        EVENT = "event", "Placement event"
        FORCE = "force", "Use of reasonable force"

    class ContactMethod(models.TextChoices):
        PHONE = "phone", "Phone"
        MEETING = "meeting", "Meeting"
        EMAIL = "email", "Email"
        LETTER = "letter", "Letter"
        VIDEO = "video", "Video call"
        OTHER = "other", "Other"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    restricted = models.BooleanField(
        default=False, help_text="Fixed when recorded: restricted if its category was."
    )
    occurred_at = models.DateTimeField("when it happened")
    recorded_at = models.DateTimeField("when it was recorded", default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="chronology_entries"
    )
    summary = models.CharField(max_length=200)
    account = models.TextField(blank=True, help_text="What happened, in full.")
    contact_with = models.CharField("who", max_length=200, blank=True)
    contact_method = models.CharField("how", max_length=20, choices=ContactMethod, blank=True)
    agreed = models.TextField("what was agreed", blank=True)
    event_code = models.CharField(
        max_length=60, blank=True, help_text='For placement events, e.g. "referral.approved".'
    )
    amends = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="amendments"
    )
    amendment_reason = models.CharField("why it is being corrected", max_length=300, blank=True)
    students = models.ManyToManyField(
        "enigma.Student", through="ChronologyLink", related_name="chronology_entries"
    )
    disposed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Set by the disposal function when the content was removed at the end of "
        "its retention period (records.retention).",
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "entries"
        indexes = [
            models.Index(fields=["author", "-recorded_at"]),
            # The safeguarding queue's recent entries, newest first, over every file,
            # with what says whether each may be restricted (records.selectors.chronology
            # ._recent finds them by an index-only walk; these columns never change).
            models.Index(
                fields=["-recorded_at", "-id"],
                include=["restricted", "category", "amends"],
                name="entry_recent_restriction",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="entry_recorded_after_it_happened",
                condition=Q(occurred_at__lte=models.F("recorded_at")),
            ),
            models.CheckConstraint(name="entry_summary_not_blank", condition=~Q(summary="")),
            models.CheckConstraint(
                name="entry_amendments_say_why",
                condition=Q(amends__isnull=True) | ~Q(amendment_reason=""),
            ),
            models.CheckConstraint(
                name="entry_events_have_a_code",
                condition=~Q(kind="event") | ~Q(event_code=""),
            ),
        ]
        triggers = entry_triggers(DISPOSED_SUMMARY)

    def __str__(self):
        return f"{self.get_kind_display()}: {self.summary}"

    # Entries recorded more than this after they happened are shown as back-dated.
    BACKDATED_AFTER = dt.timedelta(hours=24)

    @property
    def is_disposed(self) -> bool:
        return self.disposed_at is not None

    @property
    def is_backdated(self) -> bool:
        """Recorded well after it happened. A correction is later by nature: not marked."""
        if self.amends_id is not None:
            return False
        return self.recorded_at - self.occurred_at > self.BACKDATED_AFTER


class ChronologyLink(ImmutableModel):
    """An entry's place in one student's chronology, and that chronology's hash chain.

    hash = HMAC-SHA256 under the key named by key_id (kept outside the database) of the
    previous link's hash and the canonical content of the entry and this link; see
    records.chain. (student, seq) is unique, and links are written under a row lock on
    the student, so two entries recorded at once cannot fork a chain.
    """

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="links")
    student = models.ForeignKey(
        "enigma.Student", on_delete=models.PROTECT, related_name="chronology_links"
    )
    seq = models.PositiveIntegerField()
    prev_hash = models.CharField(max_length=64)
    key_id = models.CharField(max_length=32, help_text="The chronology key it is sealed with.")
    content_digest = models.CharField(
        max_length=64,
        blank=True,
        help_text="Keyed digest of the entry's content, which the hash covers (empty on "
        "links of the first format; see records.chain).",
    )
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["student", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["student", "seq"], name="chronology_seq_unique"),
            models.UniqueConstraint(fields=["entry", "student"], name="chronology_entry_once"),
        ]
        triggers = [
            *append_only_triggers("chronology_link"),
            # An entry put into one more pupil's file brings its open actions with it
            # (OpenActionStudent), its author to the file's authors (FileAuthor), and
            # itself to the file's timeline (FileEntry).
            pgtrigger.Trigger(
                name="link_opens_actions",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                func=(
                    "INSERT INTO records_openactionstudent (action_id, student_id, due_on) "
                    "SELECT a.id, NEW.student_id, a.due_on FROM records_action a "
                    "JOIN records_openaction o ON o.action_id = a.id "
                    "WHERE a.entry_id = NEW.entry_id ON CONFLICT DO NOTHING; "
                    "INSERT INTO records_fileauthor (student_id, author_id) "
                    "SELECT NEW.student_id, e.author_id FROM records_entry e "
                    "WHERE e.id = NEW.entry_id ON CONFLICT DO NOTHING; "
                    "INSERT INTO records_fileentry (student_id, entry_id, occurred_at) "
                    "SELECT NEW.student_id, e.id, e.occurred_at FROM records_entry e "
                    "WHERE e.id = NEW.entry_id; RETURN NULL;"
                ),
            ),
        ]

    def __str__(self):
        return f"{self.student_id} #{self.seq}"


class Action(ImmutableModel):
    """A follow-up action set on an entry: what, who, by when."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="actions")
    description = models.CharField("what", max_length=300)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="chronology_actions"
    )
    due_on = models.DateField("due")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["assignee", "due_on"])]
        triggers = [
            *blankable_triggers("action", content=("description",), entry_id_sql="NEW.entry_id"),
            pgtrigger.Trigger(
                name="action_opens",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                func=(
                    "INSERT INTO records_openaction (action_id, due_on, entry_id, "
                    "entry_restricted, entry_category_id, entry_amends_id) "
                    "SELECT NEW.id, NEW.due_on, e.id, e.restricted, e.category_id, e.amends_id "
                    "FROM records_entry e WHERE e.id = NEW.entry_id; "
                    "INSERT INTO records_openactionstudent (action_id, student_id, due_on) "
                    "SELECT NEW.id, l.student_id, NEW.due_on FROM records_chronologylink l "
                    "WHERE l.entry_id = NEW.entry_id ON CONFLICT DO NOTHING; RETURN NULL;"
                ),
            ),
        ]

    def __str__(self):
        return self.description


class ActionCompletion(ImmutableModel):
    """An action marked done, with its outcome. At most one per action."""

    action = models.OneToOneField(Action, on_delete=models.PROTECT, related_name="completion")
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(default=timezone.now)
    outcome = models.TextField()

    class Meta:
        triggers = [
            *blankable_triggers(
                "action_completion",
                content=("outcome",),
                entry_id_sql="(SELECT a.entry_id FROM records_action a WHERE a.id = NEW.action_id)",
            ),
            pgtrigger.Trigger(
                name="action_completion_closes",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                func=(
                    "DELETE FROM records_openaction WHERE action_id = NEW.action_id; "
                    "DELETE FROM records_openactionstudent WHERE action_id = NEW.action_id; "
                    "RETURN NULL;"
                ),
            ),
        ]

    def __str__(self):
        return f"Done: {self.action}"


class OpenAction(models.Model):
    """An action not done yet: one row while it is open.

    Not part of the record, and not append-only: the database keeps it, never the
    application. Inserting an action adds its row, inserting its completion removes it
    (triggers above); neither is ever deleted, so an action once done stays done. The
    pages that list open actions (my actions, the safeguarding queue, the file's sidebar)
    start from these few rows: finding them as "actions without a completion" set every
    action in the school against every completion (72,000 of each on the bench school,
    ~80 ms a page).
    """

    # The application's database role may only read it (enigma.db_roles.grant_app_role):
    # the triggers that keep it run as the owner (records 0015), so nobody holding the
    # app's connection can hide an open action by deleting its marker.
    kept_by_the_database = True

    action = models.OneToOneField(
        Action, primary_key=True, on_delete=models.DO_NOTHING, related_name="open_marker"
    )
    # Copied from the action and its entry when the action is set (neither ever changes:
    # disposal blanks an entry's words, not these), so the safeguarding queue finds the
    # open actions on restricted entries from these few rows alone, rather than looking
    # up each open action and its entry (records.selectors.chronology).
    due_on = models.DateField()
    entry = models.ForeignKey(Entry, on_delete=models.DO_NOTHING, related_name="+", db_index=False)
    entry_restricted = models.BooleanField()
    entry_category = models.ForeignKey(
        Category, on_delete=models.DO_NOTHING, null=True, related_name="+", db_index=False
    )
    entry_amends = models.ForeignKey(
        Entry, on_delete=models.DO_NOTHING, null=True, related_name="+", db_index=False
    )

    class Meta:
        # How many actions are open on each of the queue's recent entries: a probe each.
        indexes = [models.Index(fields=["entry"], name="open_action_by_entry")]

    def __str__(self):
        return f"Open: {self.action_id}"


class OpenActionStudent(models.Model):
    """An open action, once for each pupil whose file holds its entry, soonest due first.

    Kept by the database as OpenAction is, by triggers that run as the owner: inserting
    an action adds a row for each pupil its entry is linked to, linking an entry to one
    more pupil adds that pupil's rows for its open actions, and completing an action
    removes its rows. The application only reads it. A file's sidebar reads its pupil's
    few rows in due order (an index range), where it had probed every open action in the
    school for a link to this pupil (~760 on the bench school, ~5 ms a view).
    """

    kept_by_the_database = True

    action = models.ForeignKey(Action, on_delete=models.DO_NOTHING, related_name="open_students")
    student = models.ForeignKey(
        "enigma.Student", on_delete=models.DO_NOTHING, related_name="+", db_index=False
    )
    # The action's own due date (actions are never changed): the index keeps the pupil's
    # rows in the order the sidebar lists them.
    due_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "due_on", "action"], name="open_action_student_once"
            ),
        ]

    def __str__(self):
        return f"Open: {self.action_id} for {self.student_id}"


class FileAuthor(models.Model):
    """Who has written in a pupil's file: one row for each pupil and author.

    Kept by the database, by the trigger on chronology links above (running as the
    owner; the application only reads it). An entry's author and a link never change
    and links are never removed, so a row, once there, stays true. The student file's
    author filter lists these few rows' people, where it had read the author of each of
    the file's entries (~1,000 on the bench school) on every view.
    """

    kept_by_the_database = True

    student = models.ForeignKey(
        "enigma.Student", on_delete=models.DO_NOTHING, related_name="+", db_index=False
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, related_name="+", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "author"], name="file_author_once"),
        ]

    def __str__(self):
        return f"{self.author_id} wrote in {self.student_id}"


class FileEntry(models.Model):
    """A pupil's file in the order it is read: one row for each entry in it, with the
    entry's time of happening, newest first in the index.

    Kept by the database, by the trigger on chronology links above (running as the
    owner; the application only reads it). A link is never removed and an entry's time
    never changes (disposal blanks its words only), so a row, once there, stays true.
    The student file picks a page of an unfiltered file from this index alone, where it
    read every entry in the file to put them in order (1,000 on the bench school).
    """

    kept_by_the_database = True

    student = models.ForeignKey(
        "enigma.Student", on_delete=models.DO_NOTHING, related_name="+", db_index=False
    )
    entry = models.ForeignKey(Entry, on_delete=models.DO_NOTHING, related_name="+", db_index=False)
    occurred_at = models.DateTimeField()  # the entry's own, copied

    class Meta:
        indexes = [
            models.Index(
                fields=["student", "-occurred_at", "-entry"], name="file_entry_newest_first"
            ),
        ]

    def __str__(self):
        return f"{self.entry_id} in {self.student_id}"


# What the database keeps from the chronology links, and why it stays when a pupil's
# record is disposed of: the links stay (disclosure's disposal function keeps them for
# the chain of the blanked entries), and these hold nothing the links do not.
# tests/test_pupil_record_retention.py checks every table that points at a pupil is
# disposed of, or kept for a reason: these are the reasons.
KEPT_WITH_THE_LINKS = {
    "records_openactionstudent": "kept by the database from the links: an open action "
    "on an entry in the pupil's file, as long as the action is open",
    "records_fileauthor": "kept by the database from the links: who wrote an entry "
    "linked to the pupil",
    "records_fileentry": "kept by the database from the links: which entries are in "
    "the pupil's file and when each happened",
}


class EntryShare(ImmutableModel):
    """A DSL lets one named colleague read one restricted entry (and its attachments)."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="shares")
    shared_with = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="entries_shared_with_me"
    )
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    shared_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField("why they need to see it", max_length=300)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "shared_with"], name="entry_shared_once"),
        ]
        triggers = blankable_triggers(
            "entry_share", content=("reason",), entry_id_sql="NEW.entry_id"
        )

    def __str__(self):
        return f"{self.entry_id} shared with {self.shared_with}"


def _attachment_path(instance, filename) -> str:
    """Stored under a random name: the original name is kept in the row, not on disk."""
    import uuid

    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Attachment(ImmutableModel):
    """A file on an entry (letter, plan, report), kept in private storage, never deleted."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(storage=private_storage, upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        triggers = blankable_triggers(
            "attachment", content=("original_name",), entry_id_sql="NEW.entry_id"
        )

    def __str__(self):
        return self.original_name


class Intervention(models.Model):
    """A planned run of one-to-one or small-group sessions with a measured outcome.

    The plan (lead, schedule, targets) may be edited; what happened in each session is
    recorded once, as a chronology entry per student.
    """

    class Focus(models.TextChoices):
        LITERACY = "literacy", "Literacy"
        NUMERACY = "numeracy", "Numeracy"
        EMOTIONAL_REGULATION = "emotional_regulation", "Emotional regulation"
        SOCIAL_SKILLS = "social_skills", "Social skills"
        RESTORATIVE = "restorative", "Restorative"
        ATTENDANCE = "attendance", "Attendance"
        OTHER = "other", "Other"

    title = models.CharField(max_length=120)
    focus = models.CharField(max_length=30, choices=Focus.choices)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="interventions_led"
    )
    planned_sessions = models.PositiveSmallIntegerField()
    schedule = models.CharField(
        max_length=200, help_text='When sessions happen, e.g. "Tuesdays and Thursdays, period 2".'
    )
    starts_on = models.DateField()
    targets = models.TextField(help_text="What the students should be able to do by the end.")
    measure_name = models.CharField(
        "measure",
        max_length=100,
        help_text='What the entry and exit scores measure, e.g. "Reading age (months)".',
    )
    scale_min = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    scale_max = models.DecimalField(max_digits=7, decimal_places=2, default=10)
    higher_is_better = models.BooleanField(default=True)
    closed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    students = models.ManyToManyField(
        "enigma.Student", through="InterventionStudent", related_name="interventions"
    )

    class Meta:
        ordering = ["-starts_on", "title"]
        constraints = [
            models.CheckConstraint(
                name="intervention_scale_is_a_range",
                condition=Q(scale_min__lt=models.F("scale_max")),
            ),
            models.CheckConstraint(
                name="intervention_plans_sessions", condition=Q(planned_sessions__gte=1)
            ),
        ]

    def __str__(self):
        return self.title


class InterventionStudent(models.Model):
    """A student on an intervention, with their entry and exit scores on its measure."""

    intervention = models.ForeignKey(
        Intervention, on_delete=models.PROTECT, related_name="memberships"
    )
    student = models.ForeignKey(
        "enigma.Student", on_delete=models.PROTECT, related_name="intervention_memberships"
    )
    entry_score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    exit_score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["intervention", "student__legal_surname", "student__legal_forename"]
        constraints = [
            models.UniqueConstraint(
                fields=["intervention", "student"], name="intervention_student_once"
            ),
        ]

    def __str__(self):
        return f"{self.student} on {self.intervention}"


class InterventionSession(ImmutableModel):
    """One session as it happened. Each student's attendance row points to their own
    chronology entry, so no student's file holds another child's attendance or note."""

    intervention = models.ForeignKey(
        Intervention, on_delete=models.PROTECT, related_name="sessions"
    )
    number = models.PositiveSmallIntegerField()
    held_on = models.DateField()
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["intervention", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["intervention", "number"], name="intervention_session_number_once"
            ),
        ]
        triggers = append_only_triggers("intervention_session")

    def __str__(self):
        return f"{self.intervention}: session {self.number}"


class SessionAttendance(ImmutableModel):
    """Whether each student on the intervention came to a session, and the entry in that
    student's chronology (their attendance, their note and the session notes, nothing
    about anyone else)."""

    class Status(models.TextChoices):
        ATTENDED = "attended", "Attended"
        LATE = "late", "Attended, late"
        ABSENT = "absent", "Absent"

    session = models.ForeignKey(
        InterventionSession, on_delete=models.PROTECT, related_name="attendance"
    )
    student = models.ForeignKey("enigma.Student", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices)
    note = models.CharField(max_length=300, blank=True)
    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="session_attendance")

    class Meta:
        ordering = ["session", "student__legal_surname", "student__legal_forename"]
        constraints = [
            models.UniqueConstraint(fields=["session", "student"], name="attendance_once"),
        ]
        triggers = blankable_triggers(
            "session_attendance",
            content=("note",),
            entry_id_sql="NEW.entry_id",
            # Goes with the pupil's remaining record (records/disposal_triggers.py).
            deletable=pupil_disposed("OLD.entry_id", "OLD.student_id"),
        )

    def __str__(self):
        return f"{self.student}: {self.get_status_display()}"


class ForceRecord(ImmutableModel):
    """The structured part of a record of a significant use of reasonable force.

    Its entry (kind FORCE, always restricted) sits in each involved pupil's chronology and
    carries the narrative (where, what happened before, what was done, injuries, how
    parents were told, the debrief) in its account, so the hash chain seals it, disposal
    blanks it and every export shows it only to those who may read it. This row holds
    what is counted and listed, and no words: a correction or the debrief is a new entry
    amending the old, with a ForceRecord of its own. The latest of a thread is current.
    """

    class Place(models.TextChoices):
        ROOM = "room", "In the room"
        CORRIDOR = "corridor", "Corridor or doorway by the room"
        OUTSIDE = "outside", "Outside, near the room"
        ELSEWHERE = "elsewhere", "Elsewhere in school"

    class ParentsTold(models.TextChoices):
        PHONE = "phone", "Phone"
        MEETING = "meeting", "In person"
        EMAIL = "email", "Email"
        LETTER = "letter", "Letter"
        NOT_YET = "not_yet", "Not yet told"

    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="force_record")
    place = models.CharField("where", max_length=20, choices=Place.choices)
    duration_minutes = models.PositiveSmallIntegerField("for how long (minutes)")
    pupil_injured = models.BooleanField("a pupil was injured")
    staff_injured = models.BooleanField("a member of staff was injured")
    parents_told = models.CharField(
        "how parents were told", max_length=20, choices=ParentsTold.choices
    )
    parents_told_at = models.DateTimeField("when parents were told", null=True, blank=True)
    debrief_at = models.DateTimeField("when the debrief was held", null=True, blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ForceRecordStaff", related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="force_lasts_a_minute", condition=Q(duration_minutes__gte=1)
            ),
            models.CheckConstraint(
                name="force_parents_told_when",
                condition=Q(parents_told="not_yet", parents_told_at__isnull=True)
                | (~Q(parents_told="not_yet") & Q(parents_told_at__isnull=False)),
            ),
        ]
        # Goes once every pupil it concerns has had their record disposed of.
        triggers = deletable_with_pupils_triggers(
            "force_record", allowed=pupils_disposed("OLD.entry_id")
        )

    def __str__(self):
        return f"Use of force, entry {self.entry_id}"


class ForceRecordStaff(ImmutableModel):
    """A member of staff involved in a use of force."""

    force_record = models.ForeignKey(
        ForceRecord, on_delete=models.PROTECT, related_name="staff_links"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["force_record", "user"], name="force_staff_once"),
        ]
        # Goes with its use of force: first (while its record still says why it may go)
        # or once the record is gone.
        triggers = deletable_with_pupils_triggers(
            "force_record_staff",
            allowed=(
                "NOT EXISTS (SELECT 1 FROM records_forcerecord f WHERE f.id = OLD.force_record_id) "  # noqa: S608
                "OR EXISTS (SELECT 1 FROM records_forcerecord f WHERE f.id = OLD.force_record_id "
                f"AND {pupils_disposed('f.entry_id')})"
            ),
        )

    def __str__(self):
        return f"{self.user_id} in {self.force_record_id}"


from records.models_retention import (  # noqa: E402  (models of the retention schedule)
    DisposalDecision,
    DisposalLog,
    DisposalProposal,
    LegalHold,
    LegalHoldRelease,
    RetentionRule,
)

__all__ = [
    "Action",
    "ActionCompletion",
    "Attachment",
    "Category",
    "ChronologyLink",
    "DisposalDecision",
    "DisposalLog",
    "DisposalProposal",
    "Entry",
    "EntryShare",
    "FileAuthor",
    "ForceRecord",
    "ForceRecordStaff",
    "Intervention",
    "InterventionSession",
    "InterventionStudent",
    "LegalHold",
    "LegalHoldRelease",
    "OpenAction",
    "OpenActionStudent",
    "RetentionRule",
    "SessionAttendance",
]
