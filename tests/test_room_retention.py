"""Retention of room records: a referral with its placement, plan, register, work and
reminders falls due by the rules held as data, is disposed of by two people as a whole
(rows and files gone, a tombstone left, audit rows without its words), a legal hold on
the pupil's file stops it, and the chronology's chain still verifies."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from disclosure.models import RoomRecordDecision, RoomRecordDisposal, RoomRecordProposal
from disclosure.retention import selectors, services
from enigma.models import AuditEvent, Student
from enigma.roles import Role
from notifications.models import Kind, Notification
from records.models import Category, Entry, RetentionRule
from records.retention import REFUSED, years_after
from records.selectors.retention import rules_in_force
from records.services import entries as entry_services
from records.services import retention as entry_retention
from records.storage import private_storage
from referrals.models import (
    FollowUp,
    Measure,
    Placement,
    PlacementTransition,
    PriorSupport,
    ProposedTarget,
    Referral,
    ReferralTransition,
    Review,
    Target,
    TargetRating,
)
from tests.conftest import give_totp
from tests.factories import StudentFactory, UserFactory
from tests.referrals_helpers import completed_placement, submitted_referral
from tests.timetable_helpers import school_day_periods
from timetables.models import (
    CalendarFeed,
    ExitOverride,
    Mode,
    PlanCell,
    PlanWeekNote,
    RegisterDay,
    RegisterMark,
    WorkRequest,
)

pytestmark = pytest.mark.django_db

REVIEW = reverse("disclosure:room_retention")
# The words a room record holds, none of which may survive its disposal anywhere.
WORDS = (
    "Struggling in lessons despite support",
    "Attend maths and English lessons",
    "Back in all lessons; a check-in",
    "Tutor said she was calmer",
    "Worksheet on fractions",
    "fractions-sheet.pdf",
    "Quiet in period 2",
    "Art was never attended",
    "Counselling since Year 7",
    "Phoned mum about the plan",
)


def born(years_ago: int) -> dt.date:
    """A date of birth this many years before today (far from any boundary)."""
    return years_after(timezone.localdate(), -years_ago)


def rule(basis) -> RetentionRule:
    return {r.basis: r for r in rules_in_force()}[basis]


def verify() -> str:
    out = io.StringIO()
    call_command("verify_chronology", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def room_record(personas, student) -> Referral:
    """A completed placement with everything that can hang off it, each holding words."""
    p = personas
    placement = completed_placement(
        approver=p["dee"], referrer=p["rita"], coordinator=p["cora"], senco=p["sam"],
        student=student,
    )  # fmt: skip
    referral = placement.referral
    PriorSupport.objects.create(
        referral=referral, team="send", what="Counselling since Year 7", outcome="Some help"
    )
    period = school_day_periods()[1]
    day = placement.start_date
    PlanCell.objects.create(
        placement=placement, date=day, period=period, mode=Mode.ROOM, subject="Maths"
    )
    PlanWeekNote.objects.create(
        placement=placement, week_start=day, note="Tutor said she was calmer",
        written_by=p["cora"],
    )  # fmt: skip
    ExitOverride.objects.create(
        placement=placement, subjects=["Art"], reason="Art was never attended", by=p["sam"]
    )
    Measure.objects.create(
        placement=placement, stage="entry", wellbeing=4, concerns_last_six_weeks=3,
        taken_on=day, taken_by=p["cora"],
    )  # fmt: skip
    entry = entry_services.record_entry(
        author=p["cora"], students=[student], kind=Entry.Kind.CONTACT,
        summary="Phoned mum about the plan",
        category=Category.objects.get(name="Behaviour"),
    )  # fmt: skip
    RegisterMark.objects.create(
        placement=placement, date=day, period=period, status="present",
        note="Quiet in period 2", recorded_by=p["cora"], concern_entry=entry,
    )  # fmt: skip
    RegisterDay.objects.create(placement=placement, date=day, entry=entry)
    work = WorkRequest(
        placement=placement, date=day, period=period, subject="Maths", status="set",
        description="Worksheet on fractions", set_at=timezone.now(), set_by=p["tom"],
        file_name="fractions-sheet.pdf", file_type="application/pdf",
    )  # fmt: skip
    work.file.save("sheet.pdf", ContentFile(b"%PDF-1.4 fractions"), save=False)
    work.save()
    CalendarFeed.objects.create(
        placement=placement, token_hash=f"{placement.pk:064d}", created_by=p["cora"]
    )
    for key in (
        f"referral:{referral.pk}",
        f"placement:{placement.pk}",
        f"placement:{placement.pk}:{placement.planned_exit}",
        f"review:{placement.reviews.first().pk}",
        f"follow_up:{placement.follow_ups.first().pk}",
    ):
        Notification.objects.create(
            kind=Kind.REVIEW_DUE, subject_key=key, due_on=day, recipient=p["cora"],
            title="A reminder", student=student,
        )  # fmt: skip
    return referral


def rows_of(referral_pk: int, placement_pk: int) -> dict[str, int]:
    reviews = Review.objects.filter(placement_id=placement_pk)
    return {
        "referral": Referral.objects.filter(pk=referral_pk).count(),
        "prior support": PriorSupport.objects.filter(referral_id=referral_pk).count(),
        "proposed targets": ProposedTarget.objects.filter(referral_id=referral_pk).count(),
        "referral transitions": ReferralTransition.objects.filter(referral_id=referral_pk).count(),
        "placement": Placement.objects.filter(pk=placement_pk).count(),
        "placement transitions": PlacementTransition.objects.filter(
            placement_id=placement_pk
        ).count(),
        "targets": Target.objects.filter(placement_id=placement_pk).count(),
        "reviews": reviews.count(),
        "ratings": TargetRating.objects.filter(review__placement_id=placement_pk).count(),
        "staff present": Review.staff_present.through.objects.filter(
            review__placement_id=placement_pk
        ).count(),
        "measures": Measure.objects.filter(placement_id=placement_pk).count(),
        "follow-ups": FollowUp.objects.filter(placement_id=placement_pk).count(),
        "plan cells": PlanCell.objects.filter(placement_id=placement_pk).count(),
        "week notes": PlanWeekNote.objects.filter(placement_id=placement_pk).count(),
        "exit override": ExitOverride.objects.filter(placement_id=placement_pk).count(),
        "register marks": RegisterMark.objects.filter(placement_id=placement_pk).count(),
        "register days": RegisterDay.objects.filter(placement_id=placement_pk).count(),
        "work": WorkRequest.objects.filter(placement_id=placement_pk).count(),
        "feeds": CalendarFeed.objects.filter(placement_id=placement_pk).count(),
    }


def dispose(referral, dina, ada):
    proposal = services.propose_room_disposal(referral=referral, by=dina)
    services.decide_room_disposal(proposal=proposal, by=ada, approve=True)
    return proposal


# --- the whole record goes, by two people ---------------------------------------------


def test_a_due_room_record_is_listed_proposed_approved_and_gone_leaving_a_tombstone(
    personas, client_for, django_capture_on_commit_callbacks
):
    dina, ada = personas["dina"], personas["ada"]
    amy = StudentFactory(date_of_birth=born(40))
    referral = room_record(personas, amy)
    placement = referral.placement
    kept = room_record(personas, StudentFactory(date_of_birth=born(40)))  # another pupil's
    unrelated = Notification.objects.create(
        kind=Kind.WORK_WEEK, subject_key="work_week:2026-09-07", due_on=placement.start_date,
        recipient=personas["tom"], title="Your lessons",
    )  # fmt: skip
    work_file = WorkRequest.objects.get(placement=placement).file.name
    before = rows_of(referral.pk, placement.pk)
    assert all(v for k, v in before.items() if k != "staff present"), before  # all to go
    chain_entry = Entry.objects.get(summary="Phoned mum about the plan", links__student=amy)

    page = client_for(dina).get(REVIEW)
    assert referral in page.context["page"].object_list
    client_for(dina).post(reverse("disclosure:room_retention_propose"), {"referral": referral.pk})
    proposal = RoomRecordProposal.objects.get(referral_number=referral.pk)
    assert (proposal.proposed_by, proposal.rule) == (dina, rule("pupil"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(ada).post(
            reverse("disclosure:room_retention_decide"),
            {"proposal": proposal.pk, "decision": "approve"},
        )
    assert response.status_code == 302

    assert set(rows_of(referral.pk, placement.pk).values()) == {0}
    assert not private_storage().exists(work_file)
    assert not Notification.objects.filter(student=amy).exists()
    assert Notification.objects.filter(pk=unrelated.pk).exists()
    assert rows_of(kept.pk, kept.placement.pk) == rows_of(kept.pk, kept.placement.pk) | {
        "referral": 1,
        "placement": 1,
        "work": 1,
        "feeds": 1,
    }  # the other pupil's record stays
    tombstone = RoomRecordDisposal.objects.get(referral_number=referral.pk)
    assert (tombstone.student, tombstone.rule, tombstone.proposed_by, tombstone.approved_by) == (
        amy, rule("pupil"), dina, ada,
    )  # fmt: skip
    assert tombstone.had_placement and tombstone.files_removed == 1
    assert tombstone.rows_removed["referrals_referral"] == 1
    assert tombstone.rows_removed["notifications_notification"] == 5
    assert tombstone.rows_total == sum(before.values()) + 5  # and the reminders
    # The chronology keeps its own entries (they go by their own rule) and verifies.
    assert Entry.objects.filter(pk=chain_entry.pk, summary="Phoned mum about the plan").exists()
    assert verify().startswith("All chronologies intact")

    events = AuditEvent.objects.filter(action__startswith="disclosure.room_disposal")
    assert [e.action for e in events.order_by("pk")] == [
        "disclosure.room_disposal_proposed",
        "disclosure.room_disposal_approved",
    ]
    left = json.dumps(
        [[e.object_repr, e.data] for e in events]
        + [[str(tombstone), tombstone.rows_removed], [str(proposal)]]
    )
    assert not [w for w in WORDS if w in left]
    shown = client_for(ada).get(REVIEW + "?show=disposed").content.decode()
    assert f"Referral {referral.pk} and its placement" in shown
    assert not [w for w in WORDS if w in shown]


def test_the_same_person_cannot_propose_and_approve(personas, client_for):
    both = UserFactory(username="hd", roles=[Role.DSL, Role.DEPUTY_HEAD])
    give_totp(both)
    referral = room_record(personas, StudentFactory(date_of_birth=born(40)))
    proposal = services.propose_room_disposal(referral=referral, by=both)
    with pytest.raises(ValidationError, match="Someone other than who proposed it"):
        services.decide_room_disposal(proposal=proposal, by=both, approve=True)
    response = client_for(both).post(
        reverse("disclosure:room_retention_decide"),
        {"proposal": proposal.pk, "decision": "approve"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Someone other than who proposed it must decide." in response.content.decode()
    assert Referral.objects.filter(pk=referral.pk).exists()
    assert not RoomRecordDecision.objects.exists()
    with pytest.raises(PermissionDenied):
        services.propose_room_disposal(referral=referral, by=personas["ada"])


def test_the_function_refuses_one_person_approving_their_own_proposal(personas):
    dina = personas["dina"]
    referral = room_record(personas, StudentFactory(date_of_birth=born(40)))
    proposal = services.propose_room_disposal(referral=referral, by=dina)
    RoomRecordDecision.objects.create(proposal=proposal, approved=True, decided_by=dina)
    with pytest.raises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as c:
        c.execute("SELECT disclosure_dispose_room_record(%s)", [proposal.pk])
    assert refused.value.__cause__.sqlstate == REFUSED
    assert Referral.objects.filter(pk=referral.pk).exists()


def test_a_legal_hold_on_the_pupil_stops_it_and_its_release_lets_it_go(personas, client_for):
    dina, ada = personas["dina"], personas["ada"]
    amy = StudentFactory(date_of_birth=born(40))
    referral = room_record(personas, amy)
    proposal = services.propose_room_disposal(referral=referral, by=dina)
    hold = entry_retention.place_hold(student=amy, by=ada, reason="Civil claim")
    # Placed after the proposal: the page says so and the function refuses.
    page = client_for(ada).get(REVIEW + "?show=proposed").content.decode()
    assert "A legal hold now stands" in page
    with pytest.raises(ValidationError, match="legal hold"):
        services.decide_room_disposal(proposal=proposal, by=ada, approve=True)
    assert Referral.objects.filter(pk=referral.pk).exists()
    assert not RoomRecordDecision.objects.exists() and not RoomRecordDisposal.objects.exists()
    # A held record is not listed as due, only counted, and cannot be proposed.
    other = room_record(personas, amy)
    due = client_for(dina).get(REVIEW)
    assert other not in due.context["page"].object_list
    assert "1 room record due but kept by a legal hold is not listed" in due.content.decode()
    with pytest.raises(ValidationError, match="legal hold"):
        services.propose_room_disposal(referral=other, by=dina)

    entry_retention.release_hold(hold=hold, by=dina, reason="Claim settled")
    services.decide_room_disposal(proposal=proposal, by=ada, approve=True)
    assert not Referral.objects.filter(pk=referral.pk).exists()
    assert other in client_for(dina).get(REVIEW).context["page"].object_list


def test_a_hold_on_one_chronology_entry_does_not_keep_the_room_record(personas):
    amy = StudentFactory(date_of_birth=born(40))
    referral = room_record(personas, amy)
    entry = Entry.objects.filter(links__student=amy).first()
    entry_retention.place_hold(student=amy, entry=entry, by=personas["dina"], reason="Police")
    assert referral in selectors.due_room_records(timezone.localdate())


# --- dates and rules ---------------------------------------------------------------------

DAY = dt.date(2031, 3, 10)  # the frozen "today" of these tests


def at_noon(day: dt.date):
    return time_machine.travel(
        timezone.make_aware(dt.datetime.combine(day, dt.time(12))), tick=False
    )


def closed_referral(rita, student, **fields) -> Referral:
    referral = submitted_referral(rita, student)
    Referral.objects.filter(pk=referral.pk).update(
        status=Referral.Status.DECLINED, decision_reason="Other support first", **fields
    )
    referral.refresh_from_db()
    return referral


def test_not_yet_due_is_not_listed_nor_proposed_until_its_day(rita, dina):
    with at_noon(DAY):
        # A pupil record: due on the 25th birthday, which is tomorrow.
        amy = StudentFactory(date_of_birth=years_after(DAY + dt.timedelta(days=1), -25))
        referral = closed_referral(rita, amy)
        assert selectors.room_retention_of(referral) == (
            rule("pupil").pk,
            DAY + dt.timedelta(days=1),
        )
        assert referral not in selectors.due_room_records(DAY)
        with pytest.raises(ValidationError, match="not yet due"):
            services.propose_room_disposal(referral=referral, by=dina)
    with at_noon(DAY + dt.timedelta(days=1)):
        assert referral in selectors.due_room_records(timezone.localdate())


def test_the_sen_rule_applies_for_need_areas_or_sen_status_and_the_pupil_rule_otherwise(rita):
    twenty_five = years_after(DAY, -25)
    with at_noon(DAY):
        plain = closed_referral(rita, StudentFactory(date_of_birth=twenty_five))
        needs = closed_referral(
            rita, StudentFactory(date_of_birth=twenty_five), need_areas=["semh"]
        )
        ehcp = closed_referral(
            rita,
            StudentFactory(date_of_birth=twenty_five, sen_status=Student.SenStatus.EHCP),
        )
        support = closed_referral(
            rita,
            StudentFactory(date_of_birth=twenty_five, sen_status=Student.SenStatus.SEN_SUPPORT),
        )
        sen_due = years_after(twenty_five, 31)
        assert selectors.room_retention_of(plain) == (rule("pupil").pk, DAY)
        for referral in (needs, ehcp, support):
            assert selectors.room_retention_of(referral) == (rule("sen").pk, sen_due)
        assert list(selectors.due_room_records(DAY)) == [plain]
        assert rule("sen").source and rule("pupil").source  # each names where it comes from


def test_an_open_referral_is_not_listed(rita):
    amy = StudentFactory(date_of_birth=born(40))
    submitted_referral(rita, amy)
    assert not selectors.due_room_records(timezone.localdate()).exists()


# --- the database keeps to it ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_transition_cannot_be_deleted_while_its_referral_is_there(rita):
    referral = submitted_referral(rita, StudentFactory())
    ReferralTransition.objects.create(referral=referral, to_status="submitted", by=rita)
    from tests.db import owner_refusal, refusal

    sql = "DELETE FROM referrals_referraltransition WHERE referral_id = %s"
    assert refusal(sql, [referral.pk]) is not None  # the application role: no privilege
    assert owner_refusal(sql, [referral.pk]) is not None  # even the owner: the trigger


def test_the_disposal_function_is_executable_only_not_owned_by_the_app_role():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.prosecdef, pg_get_userbyid(p.proowner) <> current_user, "
            "has_function_privilege(current_user, p.oid, 'EXECUTE'), "
            "has_function_privilege('public', p.oid, 'EXECUTE') "
            "FROM pg_proc p WHERE p.proname = 'disclosure_dispose_room_record'"
        )
        assert cursor.fetchone() == (True, True, True, False)


def test_every_table_that_points_at_a_room_record_is_disposed_of_by_the_function():
    """A table added later with a key to a referral, placement, review or target must be
    added to the function (or its rows would block disposal)."""
    from importlib import import_module

    from django.apps import apps

    tables = set(import_module("disclosure.migrations.0004_room_record_functions").TABLES)
    parts = {Referral, Placement, Review, Target}
    pointing = {
        (m._meta.db_table if not f.many_to_many else f.remote_field.through._meta.db_table)
        for m in apps.get_models(include_auto_created=False)
        for f in m._meta.get_fields()
        if (f.many_to_one or f.one_to_one or f.many_to_many)
        and f.concrete
        and f.related_model in parts
        and m not in parts | {RoomRecordProposal}
    }
    pointing |= {Review.staff_present.through._meta.db_table}
    assert pointing <= tables, pointing - tables


# --- the page ------------------------------------------------------------------------------


def test_the_page_runs_the_same_number_of_queries_for_ten_times_the_records(personas, client_for):
    dina = personas["dina"]
    rita = personas["rita"]

    def make(n):
        for _ in range(n):
            closed_referral(rita, StudentFactory(date_of_birth=born(40)))

    def count(show):
        client = client_for(dina)
        client.get(REVIEW + f"?show={show}")  # warm the session and caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(REVIEW + f"?show={show}").status_code == 200
        return len(queries)

    make(2)
    small = count("due")
    make(18)
    assert count("due") == small
    for referral in list(selectors.due_room_records(timezone.localdate())[:2]):
        services.propose_room_disposal(referral=referral, by=dina)
    proposed_small = count("proposed")
    for referral in list(selectors.due_room_records(timezone.localdate())[:18]):
        services.propose_room_disposal(referral=referral, by=dina)
    assert count("proposed") == proposed_small


def test_the_due_list_is_paged(personas, client_for):
    for _ in range(51):
        closed_referral(personas["rita"], StudentFactory(date_of_birth=born(40)))
    response = client_for(personas["dina"]).get(REVIEW)
    assert response.context["page"].paginator.count == 51
    assert len(response.context["page"].object_list) == 50
    assert "Page 1 of 2" in response.content.decode()


def test_bad_input_gets_a_message_not_a_500(personas, client_for):
    dina, ada = personas["dina"], personas["ada"]
    referral = closed_referral(personas["rita"], StudentFactory(date_of_birth=born(40)))
    propose = reverse("disclosure:room_retention_propose")
    decide = reverse("disclosure:room_retention_decide")
    assert client_for(dina).post(propose, {"referral": "x\x00"}).status_code == 404
    client_for(dina).post(propose, {"referral": referral.pk})
    again = client_for(dina).post(propose, {"referral": referral.pk}, follow=True)
    assert "already proposed" in again.content.decode()
    proposal = RoomRecordProposal.objects.get()
    keep = client_for(ada).post(
        decide, {"proposal": proposal.pk, "decision": "reject", "reason": "  "}, follow=True
    )
    assert "Say why the record should be kept." in keep.content.decode()
    too_long = client_for(ada).post(
        decide, {"proposal": proposal.pk, "decision": "reject", "reason": "x" * 301}, follow=True
    )
    assert "Why it should be kept:" in too_long.content.decode()
    client_for(ada).post(decide, {"proposal": proposal.pk, "decision": "reject", "reason": "Case"})
    assert Referral.objects.filter(pk=referral.pk).exists()
    assert RoomRecordDecision.objects.get().approved is False


def test_a_work_file_shared_with_another_pupils_request_is_kept_until_neither_remains(
    personas, django_capture_on_commit_callbacks
):
    """Work set for a whole class shares one file (timetables.services.work_set)."""
    dina, ada = personas["dina"], personas["ada"]
    first = room_record(personas, StudentFactory(date_of_birth=born(40)))
    second = room_record(personas, StudentFactory(date_of_birth=born(40)))
    shared = WorkRequest.objects.get(placement__referral=first).file.name
    own = WorkRequest.objects.get(placement__referral=second)
    WorkRequest.objects.filter(pk=own.pk).update(file=shared)
    with django_capture_on_commit_callbacks(execute=True):
        dispose(first, dina, ada)
    assert private_storage().exists(shared)  # the second pupil's request still uses it
    assert RoomRecordDisposal.objects.get(referral_number=first.pk).files_removed == 0
    with django_capture_on_commit_callbacks(execute=True):
        dispose(second, dina, ada)
    assert not private_storage().exists(shared)
    assert RoomRecordDisposal.objects.get(referral_number=second.pk).files_removed == 1


def test_proposing_a_record_already_disposed_of_says_so(personas, client_for):
    dina, ada = personas["dina"], personas["ada"]
    referral = closed_referral(personas["rita"], StudentFactory(date_of_birth=born(40)))
    number = referral.pk
    dispose(referral, dina, ada)
    response = client_for(dina).post(
        reverse("disclosure:room_retention_propose"), {"referral": number}, follow=True
    )
    assert response.status_code == 200
    assert "This record has already been disposed of." in response.content.decode()


def test_the_disposed_list_runs_the_same_number_of_queries_for_ten_times_the_rows(
    personas, client_for
):
    dina, ada = personas["dina"], personas["ada"]

    def make(n):
        for _ in range(n):
            referral = closed_referral(personas["rita"], StudentFactory(date_of_birth=born(40)))
            dispose(referral, dina, ada)

    def count():
        client = client_for(ada)
        client.get(REVIEW + "?show=disposed")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(REVIEW + "?show=disposed")
        assert response.status_code == 200
        return len(queries), len(response.context["page"].object_list)

    make(2)
    small, shown = count()
    assert shown == 2
    make(18)
    assert count() == (small, 20)


def test_the_rules_for_room_records_say_what_room_records_they_cover(personas, client_for):
    """The rules' own descriptions are about chronology entries ("Entries in a category
    marked as holding SEN records"): under "Rules for room records" they misled."""
    page = client_for(personas["dina"]).get(REVIEW).content.decode()
    rules = page[page.index("Rules for room records") :]
    assert "Entries in a category" not in rules and "entry in a pupil" not in rules
    assert "A referral naming areas of SEND need" in rules
    assert "Every other referral" in rules
