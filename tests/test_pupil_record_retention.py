"""Retention of a leaver's remaining record: what is left once their chronology entries and
room records have gone (contacts, staff links, normal timetable, intervention places and
scores, reminders, subject access exports, child-protection transfers, and their own row)
falls due at the latest of the rules that apply, held as data; two people dispose of it;
a legal hold stops it; nothing of its words survives in its tables, its tombstone or the
audit rows; the chronology still verifies."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from importlib import import_module

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from disclosure.models import (
    ChildProtectionTransfer,
    LeavingClosed,
    PupilRecordDecision,
    PupilRecordDisposal,
    PupilRecordProposal,
    SubjectAccessExport,
)
from disclosure.retention import selectors, services
from enigma import audit
from enigma.models import AuditEvent, Contact, Student, StudentStaffLink
from enigma.roles import Role
from notifications.models import Kind, Notification
from records.models import (
    Category,
    Entry,
    ForceRecord,
    ForceRecordStaff,
    InterventionStudent,
    RetentionRule,
    SessionAttendance,
)
from records.retention import REFUSED, years_after
from records.selectors.retention import rules_in_force
from records.services import entries as entry_services
from records.services import retention as entry_retention
from records.services.force import ForceDetails, record_force
from records.services.interventions import record_session
from records.storage import private_storage
from tests.conftest import give_totp
from tests.factories import (
    ContactFactory,
    InterventionFactory,
    LinkFactory,
    StudentFactory,
    UserFactory,
)
from tests.referrals_helpers import submitted_referral
from tests.timetable_helpers import school_day_periods
from timetables.models import Lesson

pytestmark = pytest.mark.django_db

PAGE = reverse("disclosure:pupil_retention")
PROPOSE = reverse("disclosure:pupil_retention_propose")
DECIDE = reverse("disclosure:pupil_retention_decide")
FUNCTIONS = import_module("disclosure.migrations.0006_pupil_record_takes_attendance_and_force")

# The words the remaining record holds, none of which may survive its disposal.
WORDS = (
    "Zebedee",
    "Quillfeather",
    "ZQ-ADM-7731",
    "14 Larkspur Row",
    "07700 900555",
    "Ms Thistlewood",
    "Harbourview Academy",
    "Sent by courier to Harbourview",
    "Reminder about Zebedee",
    "Astronomy club",
    "10Q/Ph",
)


def born(years_ago: int) -> dt.date:
    return years_after(timezone.localdate(), -years_ago)


def rule(basis) -> RetentionRule:
    return {r.basis: r for r in rules_in_force()}[basis]


def verify() -> str:
    out = io.StringIO()
    call_command("verify_chronology", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def leaver(**fields) -> Student:
    fields.setdefault("date_of_birth", born(40))
    return StudentFactory(on_roll=False, left_on=born(20), **fields)


def remaining_record(personas, student) -> dict[str, object]:
    """Every kind of row the remaining record holds, each with words."""
    p = personas
    ContactFactory(
        student=student, forename="Ms", surname="Thistlewood", address="14 Larkspur Row",
        mobile_phone="07700 900555",
    )  # fmt: skip
    LinkFactory(student=student, staff=p["tom"])
    Lesson.objects.create(
        student=student, day=1, period=school_day_periods()[1], subject="Astronomy club",
        class_code="10Q/Ph", teacher=p["tom"],
    )  # fmt: skip
    intervention = InterventionFactory(students=[student], lead=p["cora"], created_by=p["cora"])
    InterventionStudent.objects.filter(student=student).update(
        entry_score=Decimal("72"), exit_score=Decimal("90")
    )
    Notification.objects.create(
        kind=Kind.REVIEW_DUE, subject_key=f"student:{student.pk}", due_on=born(21),
        recipient=p["dina"], title="Reminder about Zebedee", student=student,
    )  # fmt: skip
    export = SubjectAccessExport.objects.create(
        student=student, requested_by=p["dina"], status=SubjectAccessExport.Status.DOWNLOADED
    )
    export.file.save("x.zip", ContentFile(b"PK export of Zebedee"), save=True)
    transfer = ChildProtectionTransfer.objects.create(
        student=student, left_on=student.left_on, prepared_by=p["dina"],
        state=ChildProtectionTransfer.State.CONFIRMED, recipient_name="Ms Thistlewood",
        recipient_email="dsl@harbourview.example.org", recipient_school="Harbourview Academy",
        confirmed_by_name="Ms Thistlewood",
    )  # fmt: skip
    transfer.file.save("y.zip", ContentFile(b"PK transfer of Zebedee"), save=True)
    LeavingClosed.objects.create(
        student=student, left_on=student.left_on, reason="sent_another_way",
        detail="Sent by courier to Harbourview", closed_by=p["dina"],
    )  # fmt: skip
    return {
        "files": [export.file.name, transfer.file.name],
        "intervention": intervention,
    }


def rows_of(student) -> dict[str, int]:
    return {
        "contacts": Contact.objects.filter(student=student).count(),
        "staff links": StudentStaffLink.objects.filter(student=student).count(),
        "lessons": Lesson.objects.filter(student=student).count(),
        "interventions": InterventionStudent.objects.filter(student=student).count(),
        "notifications": Notification.objects.filter(student=student).count(),
        "exports": SubjectAccessExport.objects.filter(student=student).count(),
        "transfers": ChildProtectionTransfer.objects.filter(student=student).count(),
        "leavings closed": LeavingClosed.objects.filter(student=student).count(),
    }


def dispose(student, dina, ada):
    proposal = services.propose_pupil_disposal(student=student, by=dina)
    services.decide_pupil_disposal(proposal=proposal, by=ada, approve=True)
    return proposal


def dispose_entries(student, dina, ada):
    for entry in Entry.objects.filter(links__student=student, disposed_at__isnull=True):
        proposal = entry_retention.propose_disposal(entry=entry, by=dina)
        entry_retention.decide_disposal(proposal=proposal, by=ada, approve=True)


# --- the whole remaining record goes, by two people ------------------------------------


def test_a_leavers_remaining_record_is_listed_proposed_approved_and_gone(
    personas, client_for, django_capture_on_commit_callbacks
):
    dina, ada = personas["dina"], personas["ada"]
    amy = leaver(
        legal_forename="Zebedee", legal_surname="Quillfeather", mis_id="ZQ-ADM-7731",
        sen_status=Student.SenStatus.SEN_SUPPORT, date_of_birth=born(40),
    )  # fmt: skip
    upn = amy.upn
    made = remaining_record(personas, amy)
    other = leaver(legal_forename="Kept", legal_surname="Other")
    remaining_record(personas, other)
    # A restricted entry: the child-protection rule applies too, once it has gone itself.
    entry = entry_services.record_entry(
        author=personas["cora"], students=[amy], kind=Entry.Kind.CONCERN,
        summary="Zebedee said something worrying",
        category=Category.objects.get(name="Safeguarding"),
    )  # fmt: skip
    assert amy not in selectors.due_pupil_records(timezone.localdate())  # an entry remains
    with pytest.raises(ValidationError, match="chronology entries have not been disposed"):
        services.propose_pupil_disposal(student=amy, by=dina)
    dispose_entries(amy, dina, ada)
    audit.record(audit.Action.STUDENT_VIEWED, actor=personas["cora"], obj=amy)
    audit.record(audit.Action.DIRECTORY_EXPORTED, actor=dina, student=amy, data={"who": "Zebedee"})
    others_view = audit.record(audit.Action.STUDENT_VIEWED, actor=dina, obj=other)
    assert AuditEvent.objects.filter(student=amy, object_repr__contains="Zebedee").exists()
    before = rows_of(amy)
    assert all(before.values()), before

    page = client_for(dina).get(PAGE)
    assert amy in page.context["page"].object_list
    assert "attendance at intervention sessions, the facts of any use of" in page.content.decode()
    client_for(dina).post(PROPOSE, {"student": amy.pk})
    proposal = PupilRecordProposal.objects.get(student=amy)
    # SEN support and a child-protection entry: the latest of the rules is the SEN one.
    assert (proposal.proposed_by, proposal.rule) == (dina, rule("sen"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(ada).post(DECIDE, {"proposal": proposal.pk, "decision": "approve"})
    assert response.status_code == 302

    assert set(rows_of(amy).values()) == {0}
    assert not [f for f in made["files"] if private_storage().exists(f)]
    assert all(rows_of(other).values())  # the other pupil's stays
    amy.refresh_from_db()
    assert (amy.legal_forename, amy.legal_surname, amy.mis_id, amy.upn) == (
        "", "", None, f"GONE-{amy.pk}",
    )  # fmt: skip
    assert amy.date_of_birth == dt.date(born(40).year, 1, 1) and amy.left_on is None
    assert amy.sen_status == Student.SenStatus.NONE
    tombstone = PupilRecordDisposal.objects.get(student=amy)
    assert (tombstone.rule, tombstone.proposed_by, tombstone.approved_by) == (
        rule("sen"),
        dina,
        ada,
    )
    assert tombstone.files_removed == 2
    # The reminders include the DSL's alert about the entry (keyed to the pupil).
    assert before["notifications"] == 2
    tables = (  # as rows_of counts them
        "enigma_contact",
        "enigma_studentstafflink",
        "timetables_lesson",
        "records_interventionstudent",
        "notifications_notification",
        "disclosure_subjectaccessexport",
        "disclosure_childprotectiontransfer",
        "disclosure_leavingclosed",
    )
    assert tombstone.rows_removed == dict(zip(tables, before.values(), strict=True)) | {
        "records_sessionattendance": 0,
        "records_forcerecordstaff": 0,
        "records_forcerecord": 0,
    }
    assert Entry.objects.filter(pk=entry.pk, disposed_at__isnull=False).exists()
    assert verify().startswith("All chronologies intact")

    events = AuditEvent.objects.filter(action__startswith="disclosure.pupil_disposal")
    assert [e.action for e in events.order_by("pk")] == [
        "disclosure.pupil_disposal_proposed",
        "disclosure.pupil_disposal_approved",
    ]
    student_row = Student.objects.filter(pk=amy.pk).values().get()
    assert student_row["record_disposed_at"] is not None
    # Every audit row about the pupil keeps who, what kind, which id and when: no words.
    about_amy = AuditEvent.objects.filter(student=amy)
    assert about_amy.filter(action=audit.Action.STUDENT_VIEWED, actor=personas["cora"]).exists()
    assert not about_amy.filter(object_repr__contains="Zebedee").exists()
    assert AuditEvent.objects.get(pk=others_view.pk).object_repr == "Kept Other"
    left = json.dumps(
        [[e.object_repr, e.data] for e in about_amy]
        + [[str(tombstone), tombstone.rows_removed], [str(proposal)]]
        + [student_row],
        default=str,
    )
    assert not [w for w in (*WORDS, upn) if w in left]
    shown = client_for(ada).get(PAGE + "?show=disposed").content.decode()
    assert f"Pupil {amy.pk}" in shown and "9 rows, 2 files deleted" in shown
    assert not [w for w in (*WORDS, upn) if w in shown]
    # Once disposed of, it is not listed nor proposed again.
    assert amy not in selectors.due_pupil_records(timezone.localdate())
    again = client_for(dina).post(PROPOSE, {"student": amy.pk}, follow=True)
    assert "already been disposed of" in again.content.decode()


def test_the_same_person_cannot_propose_and_approve(personas, client_for):
    both = UserFactory(username="hd", roles=[Role.DSL, Role.DEPUTY_HEAD])
    give_totp(both)
    amy = leaver()
    remaining_record(personas, amy)
    proposal = services.propose_pupil_disposal(student=amy, by=both)
    with pytest.raises(ValidationError, match="Someone other than who proposed it"):
        services.decide_pupil_disposal(proposal=proposal, by=both, approve=True)
    response = client_for(both).post(
        DECIDE, {"proposal": proposal.pk, "decision": "approve"}, follow=True
    )
    assert response.status_code == 200
    assert "Someone other than who proposed it must decide." in response.content.decode()
    assert all(rows_of(amy).values())
    assert not PupilRecordDecision.objects.exists()
    with pytest.raises(PermissionDenied):
        services.propose_pupil_disposal(student=amy, by=personas["ada"])


def test_the_function_refuses_one_person_approving_their_own_proposal(personas):
    dina = personas["dina"]
    amy = leaver()
    remaining_record(personas, amy)
    proposal = services.propose_pupil_disposal(student=amy, by=dina)
    PupilRecordDecision.objects.create(proposal=proposal, approved=True, decided_by=dina)
    with pytest.raises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as c:
        c.execute("SELECT disclosure_dispose_pupil_record(%s)", [proposal.pk])
    assert refused.value.__cause__.sqlstate == REFUSED
    assert all(rows_of(amy).values())


def test_a_legal_hold_stops_it_and_its_release_lets_it_go(personas, client_for):
    dina, ada = personas["dina"], personas["ada"]
    amy = leaver()
    remaining_record(personas, amy)
    proposal = services.propose_pupil_disposal(student=amy, by=dina)
    hold = entry_retention.place_hold(student=amy, by=ada, reason="Civil claim")
    page = client_for(ada).get(PAGE + "?show=proposed").content.decode()
    assert "A legal hold now stands" in page
    with pytest.raises(ValidationError, match="legal hold"):
        services.decide_pupil_disposal(proposal=proposal, by=ada, approve=True)
    assert all(rows_of(amy).values())
    assert not PupilRecordDecision.objects.exists() and not PupilRecordDisposal.objects.exists()
    # A held record is not listed as due, only counted, and cannot be proposed.
    ben = leaver()
    entry_retention.place_hold(student=ben, by=ada, reason="Police inquiry")
    due = client_for(dina).get(PAGE)
    assert ben not in due.context["page"].object_list
    assert "due but kept by a legal hold is not listed" in due.content.decode()
    with pytest.raises(ValidationError, match="legal hold"):
        services.propose_pupil_disposal(student=ben, by=dina)

    entry_retention.release_hold(hold=hold, by=dina, reason="Claim settled")
    services.decide_pupil_disposal(proposal=proposal, by=ada, approve=True)
    assert set(rows_of(amy).values()) == {0}


def test_a_pupil_on_roll_or_with_a_room_record_or_a_live_transfer_is_not_disposed_of(personas):
    dina = personas["dina"]
    on_roll = StudentFactory(date_of_birth=born(40))
    with_referral = leaver()
    submitted_referral(personas["rita"], with_referral)
    today = timezone.localdate()
    due = set(selectors.due_pupil_records(today))
    assert on_roll not in due and with_referral not in due
    with pytest.raises(ValidationError, match="still on roll"):
        services.propose_pupil_disposal(student=on_roll, by=dina)
    with pytest.raises(ValidationError, match="room records have not been disposed"):
        services.propose_pupil_disposal(student=with_referral, by=dina)
    # A transfer still under way: the function refuses, and nothing goes.
    sending = leaver()
    proposal = services.propose_pupil_disposal(student=sending, by=dina)
    ChildProtectionTransfer.objects.create(
        student=sending, left_on=sending.left_on, prepared_by=dina
    )
    with pytest.raises(ValidationError, match="under way"):
        services.decide_pupil_disposal(proposal=proposal, by=personas["ada"], approve=True)
    assert ChildProtectionTransfer.objects.filter(student=sending).exists()


# --- dates and rules ---------------------------------------------------------------------

DAY = dt.date(2031, 3, 10)  # the frozen "today" of these tests


def at_noon(day: dt.date):
    return time_machine.travel(
        timezone.make_aware(dt.datetime.combine(day, dt.time(12))), tick=False
    )


def test_not_yet_due_is_not_listed_nor_proposed_until_its_day(dina):
    with at_noon(DAY):
        amy = leaver(date_of_birth=years_after(DAY + dt.timedelta(days=1), -25))
        assert selectors.pupil_retention_of(amy) == (rule("pupil").pk, DAY + dt.timedelta(days=1))
        assert amy not in selectors.due_pupil_records(DAY)
        with pytest.raises(ValidationError, match="not yet due"):
            services.propose_pupil_disposal(student=amy, by=dina)
    with at_noon(DAY + dt.timedelta(days=1)):
        assert amy in selectors.due_pupil_records(timezone.localdate())


def test_the_latest_rule_that_applies_gives_the_date(personas):
    dina = personas["dina"]
    twenty_five = years_after(DAY, -25)
    with at_noon(DAY):
        plain = leaver(date_of_birth=twenty_five)
        ehcp = leaver(date_of_birth=twenty_five, sen_status=Student.SenStatus.EHCP)
        send_entry = leaver(date_of_birth=twenty_five)
        cp = leaver(date_of_birth=twenty_five)
        for student, category in ((send_entry, "SEND"), (cp, "Safeguarding")):
            entry_services.record_entry(
                author=personas["cora"], students=[student], kind=Entry.Kind.CONCERN,
                summary="A note", category=Category.objects.get(name=category),
            )  # fmt: skip
        transferred = leaver(date_of_birth=twenty_five)
        ChildProtectionTransfer.objects.create(
            student=transferred, left_on=transferred.left_on, prepared_by=dina,
            state=ChildProtectionTransfer.State.CONFIRMED, recipient_email="a@b.example.org",
        )  # fmt: skip
        sen_due = years_after(twenty_five, rule("sen").years_after_birth)
        cp_due = years_after(twenty_five, rule("child_protection").years_after_birth)
        assert selectors.pupil_retention_of(plain) == (rule("pupil").pk, DAY)
        for student in (ehcp, send_entry):
            assert selectors.pupil_retention_of(student) == (rule("sen").pk, sen_due)
        for student in (cp, transferred):  # on the pupil rule's day: the CP rule is named
            assert selectors.pupil_retention_of(student) == (rule("child_protection").pk, cp_due)
        # cp's entry has not gone yet, so its remaining record is not listed.
        assert set(selectors.due_pupil_records(DAY)) == {plain, transferred}
        assert all(r.source for r in rules_in_force())  # each names where it comes from
    with at_noon(sen_due - dt.timedelta(days=1)):
        assert ehcp not in selectors.due_pupil_records(timezone.localdate())
    with at_noon(sen_due):
        assert ehcp in selectors.due_pupil_records(timezone.localdate())


def test_a_child_protection_leaver_goes_under_the_child_protection_rule(personas):
    """The database's clock cannot be frozen: this one is dated from today."""
    dina, ada = personas["dina"], personas["ada"]
    cp = leaver(date_of_birth=born(40))
    entry_services.record_entry(
        author=personas["cora"], students=[cp], kind=Entry.Kind.CONCERN,
        summary="A disclosure", category=Category.objects.get(name="Safeguarding"),
    )  # fmt: skip
    assert cp not in selectors.due_pupil_records(timezone.localdate())
    dispose_entries(cp, dina, ada)
    assert cp in selectors.due_pupil_records(timezone.localdate())
    dispose(cp, dina, ada)
    assert PupilRecordDisposal.objects.get(student=cp).rule == rule("child_protection")
    assert verify().startswith("All chronologies intact")


# --- the database keeps to it ------------------------------------------------------------


def test_the_disposal_function_is_executable_only_not_owned_by_the_app_role():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.prosecdef, pg_get_userbyid(p.proowner) <> current_user, "
            "has_function_privilege(current_user, p.oid, 'EXECUTE'), "
            "has_function_privilege('public', p.oid, 'EXECUTE') "
            "FROM pg_proc p WHERE p.proname = 'disclosure_dispose_pupil_record'"
        )
        assert cursor.fetchone() == (True, True, True, False)


def test_every_table_that_points_at_a_pupil_is_disposed_of_or_kept_for_a_reason():
    """A table added later with a key to enigma.Student must be added to the function's
    PARTS (its rows go) or to KEPT (with why they stay); or, for what the database keeps
    from the chronology links, which stay, to records.models.KEPT_WITH_THE_LINKS."""
    pointing = {
        (m._meta.db_table if not f.many_to_many else f.remote_field.through._meta.db_table)
        for m in apps.get_models(include_auto_created=True)
        for f in m._meta.get_fields()
        if (f.many_to_one or f.one_to_one or f.many_to_many)
        and f.concrete
        and f.related_model is Student
    }
    from records.models import KEPT_WITH_THE_LINKS

    covered = set(FUNCTIONS.TABLES) | set(FUNCTIONS.KEPT) | set(KEPT_WITH_THE_LINKS)
    assert pointing <= covered, pointing - covered
    # Those kept with the links are the database's own, filled only from the links.
    kept_by_the_database = {
        m._meta.db_table for m in apps.get_models() if getattr(m, "kept_by_the_database", False)
    }
    assert set(KEPT_WITH_THE_LINKS) <= kept_by_the_database
    assert "records_chronologylink" in FUNCTIONS.KEPT
    assert "enigma_contact" in pointing  # the check sees the tables it should
    assert not set(FUNCTIONS.TABLES) & set(FUNCTIONS.KEPT)
    # A use of force points at a pupil through its entry's chronology links: it goes too.
    assert {"records_sessionattendance", "records_forcerecord", "records_forcerecordstaff"} <= (
        set(FUNCTIONS.TABLES)
    )


@pytest.mark.django_db(transaction=True)
def test_audit_words_are_blanked_only_for_a_disposed_pupil_and_only_by_the_owner(cora):
    from tests.db import owner_refusal, refusal

    amy = leaver()
    event = audit.record(audit.Action.STUDENT_VIEWED, actor=cora, obj=amy)
    blank = "UPDATE enigma_auditevent SET object_repr = '', data = '{}' WHERE id = %s"
    assert refusal(blank, [event.pk]) is not None  # the application role: no privilege
    assert owner_refusal(blank, [event.pk]) is not None  # the owner: not disposed of
    Student.objects.filter(pk=amy.pk).update(record_disposed_at=timezone.now())
    assert owner_refusal(blank, [event.pk]) is None  # now the owner may blank it
    assert refusal(blank, [event.pk]) is not None  # and the application role still not
    other = "UPDATE enigma_auditevent SET action = 'x', object_repr = '' WHERE id = %s"
    assert owner_refusal(other, [event.pk]) is not None  # nothing else changes


def test_the_tombstone_tables_are_append_only():
    with pytest.raises(DatabaseError), transaction.atomic():
        PupilRecordDisposal.objects.all().delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE disclosure_pupilrecordproposal SET due_on = now()")


# --- the page ------------------------------------------------------------------------------


def _count(client, show):
    client.get(PAGE + f"?show={show}")  # warm the session and caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PAGE + f"?show={show}")
    assert response.status_code == 200
    return len(queries), len(response.context["page"].object_list)


def test_the_page_runs_the_same_number_of_queries_for_ten_times_the_records(personas, client_for):
    dina, ada = personas["dina"], personas["ada"]
    client = client_for(ada)
    for _ in range(2):
        leaver()
    small = _count(client, "due")
    assert small[1] == 2
    for _ in range(18):
        leaver()
    assert _count(client, "due") == (small[0], 20)
    due = list(selectors.due_pupil_records(timezone.localdate()))
    for student in due[:2]:
        services.propose_pupil_disposal(student=student, by=dina)
    proposed = _count(client, "proposed")
    for student in due[2:]:
        services.propose_pupil_disposal(student=student, by=dina)
    assert _count(client, "proposed") == (proposed[0], 20)
    proposals = list(PupilRecordProposal.objects.order_by("pk"))
    for proposal in proposals[:2]:
        services.decide_pupil_disposal(proposal=proposal, by=ada, approve=True)
    disposed = _count(client, "disposed")
    for proposal in proposals[2:]:
        services.decide_pupil_disposal(proposal=proposal, by=ada, approve=True)
    assert _count(client, "disposed") == (disposed[0], 20)


def test_bad_input_gets_a_message_not_a_500(personas, client_for):
    dina, ada = personas["dina"], personas["ada"]
    amy = leaver()
    assert client_for(dina).post(PROPOSE, {"student": "x\x00"}).status_code == 404
    assert client_for(ada).post(DECIDE, {"proposal": "nope"}).status_code == 404
    client_for(dina).post(PROPOSE, {"student": amy.pk})
    again = client_for(dina).post(PROPOSE, {"student": amy.pk}, follow=True)
    assert "already proposed" in again.content.decode()
    proposal = PupilRecordProposal.objects.get()
    keep = client_for(ada).post(
        DECIDE, {"proposal": proposal.pk, "decision": "reject", "reason": "  "}, follow=True
    )
    assert "Say why the record should be kept." in keep.content.decode()
    too_long = client_for(ada).post(
        DECIDE, {"proposal": proposal.pk, "decision": "reject", "reason": "x" * 301}, follow=True
    )
    assert "Why it should be kept:" in too_long.content.decode()
    client_for(ada).post(DECIDE, {"proposal": proposal.pk, "decision": "reject", "reason": "Case"})
    assert PupilRecordDecision.objects.get().approved is False
    assert Student.objects.get(pk=amy.pk).legal_surname == amy.legal_surname
    # Rejected: it is due again and may be proposed again.
    assert amy in selectors.due_pupil_records(timezone.localdate())


def test_who_may_use_the_page(personas, client_for):
    assert client_for(personas["tom"]).get(PAGE).status_code == 403
    assert client_for(personas["tom"]).post(PROPOSE, {"student": 1}).status_code == 403
    assert client_for(personas["dina"]).post(DECIDE, {"proposal": 1}).status_code == 403
    assert client_for(personas["ada"]).get(PAGE).status_code == 200


def test_each_pupils_records_requests_tab_shows_when_what_remains_goes(personas, client_for):
    """Every pupil's remaining record has a date, shown before it is due: on roll, with
    entries still kept, or already disposed of."""
    dina, ada = personas["dina"], personas["ada"]
    on_roll = StudentFactory(date_of_birth=born(12), sen_status=Student.SenStatus.EHCP)
    tab = reverse("disclosure:student", args=[on_roll.pk])
    page = client_for(dina).get(tab).content.decode()
    due = years_after(born(12), rule("sen").years_after_birth)
    assert "Retention of what remains" in page
    assert f"{due:%a} {due.day} {due:%b %Y}" in page and rule("sen").source in page
    assert "the pupil is on roll" in page
    gone = leaver()
    dispose(gone, dina, ada)
    # Afterwards the tab is gone (no export or transfer of an anonymised row can be asked
    # for); the pupil's page says when the record was disposed of.
    assert client_for(dina).get(reverse("disclosure:student", args=[gone.pk])).status_code == 404
    page = client_for(ada).get(reverse("student_detail", args=[gone.pk])).content.decode()
    assert "This pupil's record was disposed of on" in page


# --- attendance and uses of force go with the last of their pupils -----------------------


def _force_details(staff) -> ForceDetails:
    happened = timezone.now() - dt.timedelta(days=3)
    return ForceDetails(
        occurred_at=happened, place=ForceRecord.Place.CORRIDOR, place_detail="",
        summary="Held apart in the corridor", before="Zebedee pushed", what_was_done="Held",
        duration_minutes=2, staff=staff, pupil_injured=False, pupil_injuries="",
        staff_injured=False, parents_told=ForceRecord.ParentsTold.PHONE,
        parents_told_at=happened + dt.timedelta(hours=1), parents_told_detail="",
    )  # fmt: skip


def attendance_and_force(personas, pupils):
    """A session of an intervention both pupils were on, and a use of force involving both."""
    cora = personas["cora"]
    starts = timezone.localdate() - dt.timedelta(days=7)
    intervention = InterventionFactory(
        students=pupils, lead=cora, created_by=cora, starts_on=starts
    )
    record_session(
        intervention=intervention, user=cora, held_on=starts,
        attendance={p.pk: "attended" for p in pupils}, student_notes={pupils[0].pk: "Zebedee"},
    )  # fmt: skip
    return record_force(by=cora, students=pupils, details=_force_details([cora, personas["dee"]]))


def attendance_force_rows(student) -> tuple[int, int, int]:
    forces = ForceRecord.objects.filter(entry__links__student=student)
    return (
        SessionAttendance.objects.filter(student=student).count(),
        forces.count(),
        ForceRecordStaff.objects.filter(force_record__in=forces).count(),
    )


def test_attendance_goes_with_its_pupil_and_a_use_of_force_with_the_last_of_its_pupils(
    personas,
):
    dina, ada = personas["dina"], personas["ada"]
    amy, bob = leaver(), leaver()
    force = attendance_and_force(personas, [amy, bob])
    assert attendance_force_rows(amy) == attendance_force_rows(bob) == (1, 1, 2)
    dispose_entries(amy, dina, ada)  # the use of force's entry is bob's too: disposed of
    dispose(amy, dina, ada)

    # Amy's attendance went; the use of force stays while Bob's record remains.
    assert attendance_force_rows(amy) == (0, 1, 2)
    assert attendance_force_rows(bob) == (1, 1, 2)
    rows = PupilRecordDisposal.objects.get(student=amy).rows_removed
    assert (
        rows["records_sessionattendance"], rows["records_forcerecord"],
        rows["records_forcerecordstaff"],
    ) == (1, 0, 0)  # fmt: skip

    dispose_entries(bob, dina, ada)
    dispose(bob, dina, ada)
    assert attendance_force_rows(bob) == (0, 0, 0)
    assert not ForceRecord.objects.filter(pk=force.pk).exists()
    rows = PupilRecordDisposal.objects.get(student=bob).rows_removed
    assert (
        rows["records_sessionattendance"], rows["records_forcerecord"],
        rows["records_forcerecordstaff"],
    ) == (1, 1, 2)  # fmt: skip
    # The entries stay, blanked, and the chain still verifies.
    assert Entry.objects.filter(pk=force.entry_id, disposed_at__isnull=False).exists()
    assert verify().startswith("All chronologies intact")


def test_another_pupils_attendance_and_use_of_force_stay(personas):
    dina, ada = personas["dina"], personas["ada"]
    amy, other = leaver(), leaver()
    attendance_and_force(personas, [amy])
    theirs = attendance_and_force(personas, [other])
    dispose_entries(amy, dina, ada)
    dispose(amy, dina, ada)
    assert attendance_force_rows(amy) == (0, 0, 0)
    assert attendance_force_rows(other) == (1, 1, 2)
    assert ForceRecord.objects.filter(pk=theirs.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_attendance_and_force_rows_go_only_in_a_disposal_and_never_by_the_app_role(personas):
    """The application's role holds no DELETE on them; the owner's DELETE is refused by the
    triggers until the entry is disposed of and every pupil it concerns is marked disposed."""
    from tests.db import INSUFFICIENT_PRIVILEGE, RAISED_BY_TRIGGER, owner_refusal, refusal

    if not RetentionRule.objects.exists():  # a flush after another such test emptied them
        import_module("records.migrations.0008_retention_rules").add_rules(apps, None)
    dina, ada = personas["dina"], personas["ada"]
    amy, bob = leaver(), leaver()
    force = attendance_and_force(personas, [amy, bob])
    attendance = SessionAttendance.objects.get(student=amy)
    deletes = {
        "attendance": ("DELETE FROM records_sessionattendance WHERE id = %s", [attendance.pk]),
        "force": ("DELETE FROM records_forcerecord WHERE id = %s", [force.pk]),
        "staff": ("DELETE FROM records_forcerecordstaff WHERE force_record_id = %s", [force.pk]),
    }

    def owner_refused():
        return {k: owner_refusal(*sql) == RAISED_BY_TRIGGER for k, sql in deletes.items()}

    every = {"attendance": True, "force": True, "staff": True}
    assert {k: refusal(*sql) for k, sql in deletes.items()} == dict.fromkeys(
        deletes, INSUFFICIENT_PRIVILEGE
    )
    assert owner_refused() == every
    dispose_entries(amy, dina, ada)  # entries disposed of, pupils not
    assert owner_refused() == every
    Student.objects.filter(pk=amy.pk).update(record_disposed_at=timezone.now())
    # Amy's attendance may go now; the use of force is Bob's too.
    assert owner_refused() == {"attendance": False, "force": True, "staff": True}
    Student.objects.filter(pk=bob.pk).update(record_disposed_at=timezone.now())
    assert owner_refused() == {"attendance": False, "force": False, "staff": False}
    # And still never by the application's role.
    assert {k: refusal(*sql) for k, sql in deletes.items()} == dict.fromkeys(
        deletes, INSUFFICIENT_PRIVILEGE
    )
    assert attendance_force_rows(amy) == (1, 1, 2)
