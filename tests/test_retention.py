"""Retention and disposal: rules held as data, dates computed, legal holds, two people,
the disposal function as the one way content leaves, and the chain still verifying."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from records.chain import DISPOSED_SUMMARY
from records.models import (
    Action,
    Attachment,
    Category,
    DisposalDecision,
    DisposalLog,
    Entry,
    RetentionRule,
)
from records.retention import REFUSED, years_after
from records.selectors.retention import due_entries, retention_of, rules_in_force
from records.services import entries as services
from records.services import retention as services_retention
from records.storage import private_storage
from tests.db import INSUFFICIENT_PRIVILEGE, RAISED_BY_TRIGGER, owner_refusal, refusal
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db


def born(years_ago: int) -> dt.date:
    """A date of birth this many years before today (far from any boundary)."""
    return years_after(timezone.localdate(), -years_ago)


def category(name, restricted=False) -> Category:
    return Category.objects.get_or_create(name=name, defaults={"restricted": restricted})[0]


def record(author, *students, name="Behaviour", restricted=False, summary="Upset at break"):
    return services.record_entry(
        author=author,
        students=students,
        kind=Entry.Kind.CONCERN,
        category=category(name, restricted),
        summary=summary,
        account="She said someone took her bag.",
    )


def rule(basis) -> RetentionRule:
    return {r.basis: r for r in rules_in_force()}[basis]


def verify() -> str:
    out = io.StringIO()
    call_command("verify_chronology", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def dispose(entry, dina, ada):
    proposal = services_retention.propose_disposal(entry=entry, by=dina)
    return services_retention.decide_disposal(proposal=proposal, by=ada, approve=True)


# --- rules and dates ------------------------------------------------------------------


def test_the_rules_are_seeded_with_their_sources():
    rules = {r.basis: r for r in rules_in_force()}
    assert {b: r.years_after_birth for b, r in rules.items()} == {
        "child_protection": 25,
        "sen": 31,
        "pupil": 25,
    }
    assert "KCSIE 2025" in rules["child_protection"].source
    assert all("IRMS" in r.source for r in rules.values())
    assert Category.objects.get(name="SEND").sen_record


def test_each_entry_gets_its_date_from_the_rule_that_applies(cora):
    dob = dt.date(2001, 2, 28)
    amy = StudentFactory(date_of_birth=dob)
    cp = record(cora, amy, name="Safeguarding", restricted=True)
    sen = record(cora, amy, name="SEND")
    other = record(cora, amy)
    assert retention_of(cp) == (rule("child_protection").pk, dt.date(2026, 2, 28))
    assert retention_of(sen) == (rule("sen").pk, dt.date(2032, 2, 28))
    assert retention_of(other) == (rule("pupil").pk, dt.date(2026, 2, 28))


def test_an_entry_about_several_pupils_falls_due_with_the_youngest(cora):
    older = StudentFactory(date_of_birth=dt.date(2000, 5, 1))
    younger = StudentFactory(date_of_birth=dt.date(2004, 2, 29))
    both = record(cora, older, younger)
    assert retention_of(both)[1] == dt.date(2029, 2, 28)  # as PostgreSQL adds years
    assert years_after(dt.date(2004, 2, 29), 25) == dt.date(2029, 2, 28)


def test_a_correction_into_a_restricted_category_makes_the_thread_a_cp_record(cora):
    amy = StudentFactory(date_of_birth=dt.date(2001, 9, 1))
    original = record(cora, amy, name="SEND")
    assert retention_of(original)[0] == rule("sen").pk
    services.amend_entry(
        author=cora,
        original=original,
        reason="This was a disclosure.",
        summary="Disclosure",
        account="Reclassified.",
        category=category("Safeguarding", restricted=True),
    )
    # The same thread rule as records.access.restricted_now: the SQL functions agree.
    assert retention_of(original)[0] == rule("child_protection").pk


def test_rules_cannot_be_changed_in_place():
    assert refusal("UPDATE records_retentionrule SET years_after_birth = 18") == (
        INSUFFICIENT_PRIVILEGE
    )


# --- the due list ---------------------------------------------------------------------


def test_the_due_list_holds_what_fell_due_and_leaves_out_held_and_young(cora, dina):
    old, held, young = (StudentFactory(date_of_birth=born(y)) for y in (40, 40, 10))
    due = record(cora, old)
    kept = record(cora, held)
    record(cora, young)
    services_retention.place_hold(student=held, by=dina, reason="Inquiry, letter of 3 March")
    today = timezone.localdate()
    assert list(due_entries(today)) == [due]
    assert kept not in due_entries(today)


# --- two people -----------------------------------------------------------------------


def test_only_the_dsl_proposes_and_someone_else_approves(cora, dina, ada, dee):
    entry = record(cora, StudentFactory(date_of_birth=born(40)))
    with pytest.raises(PermissionDenied):
        services_retention.propose_disposal(entry=entry, by=ada)
    proposal = services_retention.propose_disposal(entry=entry, by=dina)
    with pytest.raises(PermissionDenied):
        services_retention.decide_disposal(proposal=proposal, by=dina, approve=True)
    with pytest.raises(ValidationError, match="already proposed"):
        services_retention.propose_disposal(entry=entry, by=dina)
    services_retention.decide_disposal(proposal=proposal, by=dee, approve=True)
    assert Entry.objects.get(pk=entry.pk).disposed_at is not None


def test_the_function_refuses_one_person_approving_their_own_proposal(cora, dina):
    entry = record(cora, StudentFactory(date_of_birth=born(40)))
    proposal = services_retention.propose_disposal(entry=entry, by=dina)
    DisposalDecision.objects.create(proposal=proposal, approved=True, decided_by=dina)
    with pytest.raises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as c:
        c.execute("SELECT records_dispose(%s)", [proposal.pk])
    assert refused.value.__cause__.sqlstate == REFUSED
    assert Entry.objects.get(pk=entry.pk).summary == "Upset at break"


def test_a_record_not_yet_due_is_not_disposed_of(cora, dina):
    entry = record(cora, StudentFactory(date_of_birth=born(10)))
    with pytest.raises(ValidationError, match="not yet due"):
        services_retention.propose_disposal(entry=entry, by=dina)


# --- legal hold -----------------------------------------------------------------------


def test_a_record_under_legal_hold_is_not_disposed_of(cora, dina, ada):
    amy = StudentFactory(date_of_birth=born(40))
    entry = record(cora, amy)
    proposal = services_retention.propose_disposal(entry=entry, by=dina)
    hold = services_retention.place_hold(student=amy, by=ada, reason="Civil claim")
    # The service does not look at holds when approving: the function refuses.
    with pytest.raises(ValidationError, match="legal hold"):
        services_retention.decide_disposal(proposal=proposal, by=ada, approve=True)
    entry.refresh_from_db()
    assert (entry.summary, entry.disposed_at) == ("Upset at break", None)
    assert not DisposalDecision.objects.filter(proposal=proposal).exists()
    assert not DisposalLog.objects.exists()
    with pytest.raises(ValidationError, match="legal hold"):
        services_retention.propose_disposal(entry=record(cora, amy), by=dina)
    services_retention.release_hold(hold=hold, by=dina, reason="Claim settled")
    services_retention.decide_disposal(proposal=proposal, by=ada, approve=True)
    assert Entry.objects.get(pk=entry.pk).disposed_at is not None


def test_a_hold_on_one_record_keeps_only_that_record(cora, dina, ada):
    amy = StudentFactory(date_of_birth=born(40))
    held, other = record(cora, amy), record(cora, amy, summary="Another")
    services_retention.place_hold(student=amy, entry=held, by=dina, reason="Police request")
    assert list(due_entries(timezone.localdate())) == [other]


def test_holds_and_releases_are_audited_and_need_a_reason(cora, dina, tom):
    from enigma.models import AuditEvent

    amy = StudentFactory()
    with pytest.raises(ValidationError):
        services_retention.place_hold(student=amy, by=dina, reason="  ")
    with pytest.raises(PermissionDenied):
        services_retention.place_hold(student=amy, by=tom, reason="Claim")
    hold = services_retention.place_hold(student=amy, by=dina, reason="Claim")
    services_retention.release_hold(hold=hold, by=dina, reason="Settled")
    with pytest.raises(ValidationError, match="already been released"):
        services_retention.release_hold(hold=hold, by=dina, reason="Again")
    actions = list(AuditEvent.objects.filter(student=amy).values_list("action", flat=True))
    assert "records.legal_hold_placed" in actions and "records.legal_hold_released" in actions


# --- what disposal does ----------------------------------------------------------------


def test_disposal_removes_the_content_keeps_a_tombstone_and_the_chain(cora, dina, ada, tom):
    amy = StudentFactory(date_of_birth=born(40))
    before = record(cora, amy, summary="Before")
    entry = record(cora, amy, name="Safeguarding", restricted=True, summary="Disclosure")
    Action.objects.create(
        entry=entry, description="Ring social care", assignee=tom, due_on=timezone.localdate()
    )
    after = record(cora, amy, summary="After")
    assert verify().startswith("All chronologies intact: 3 links")

    decision = dispose(entry, dina, ada)

    entry.refresh_from_db()
    assert entry.summary == DISPOSED_SUMMARY and entry.account == ""
    assert entry.actions.get().description == ""
    assert (before.summary, after.summary) == ("Before", "After")
    tomb = DisposalLog.objects.get(entry=entry)
    assert (tomb.kind, tomb.was_restricted, tomb.rule) == (
        "concern",
        True,
        rule("child_protection"),
    )
    assert (tomb.proposed_by, tomb.approved_by, tomb.approved_at) == (
        dina,
        ada,
        decision.decided_at,
    )
    assert verify().startswith("All chronologies intact: 3 links")


def test_after_disposal_tampering_is_still_found(cora, dina, ada):
    amy = StudentFactory(date_of_birth=born(40))
    entry = record(cora, amy)
    later = record(cora, amy, summary="Later")
    dispose(entry, dina, ada)
    from records import chain
    from records.models import ChronologyLink
    from records.selectors.chronology import chain_breaks

    links = list(ChronologyLink.objects.filter(student=amy).select_related("entry").order_by("seq"))
    later_entry = links[1].entry
    later_entry.summary = "Rewritten"
    assert chain.first_break(links).entry_id == later.pk
    links[0].entry.account = "Put back"  # content where a disposed entry has none
    assert "holds content" in chain.first_break(links).reason
    assert chain_breaks()[1] == []


def test_the_application_role_cannot_blank_an_entry_itself(cora):
    entry = record(cora, StudentFactory(date_of_birth=born(40)))
    blank = "UPDATE records_entry SET summary = %s, account = '', disposed_at = now() WHERE id = %s"
    assert refusal(blank, [DISPOSED_SUMMARY, entry.pk]) == INSUFFICIENT_PRIVILEGE
    assert refusal("DELETE FROM records_entry WHERE id = %s", [entry.pk]) == (
        INSUFFICIENT_PRIVILEGE
    )
    assert refusal("UPDATE records_disposallog SET id = id") == INSUFFICIENT_PRIVILEGE


@pytest.mark.django_db(transaction=True)
def test_even_the_owner_cannot_blank_an_entry_that_was_not_disposed_of(cora):
    entry = record(cora, StudentFactory(date_of_birth=born(40)))
    blank = (
        "UPDATE records_entry SET summary = %s, account = '', contact_with = '', agreed = '', "
        "disposed_at = now() WHERE id = %s"
    )
    assert owner_refusal(blank, [DISPOSED_SUMMARY, entry.pk]) == RAISED_BY_TRIGGER
    edit = "UPDATE records_entry SET account = 'Edited' WHERE id = %s"
    assert owner_refusal(edit, [entry.pk]) == RAISED_BY_TRIGGER


def test_the_disposal_function_is_executable_only_not_owned_by_the_app_role():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.prosecdef, pg_get_userbyid(p.proowner) <> current_user, "
            "has_function_privilege(current_user, p.oid, 'EXECUTE'), "
            "has_function_privilege('public', p.oid, 'EXECUTE') "
            "FROM pg_proc p WHERE p.proname = 'records_dispose'"
        )
        assert cursor.fetchone() == (True, True, True, False)
    assert refusal("DROP FUNCTION records_dispose(bigint)") == INSUFFICIENT_PRIVILEGE


def test_the_files_of_a_disposed_entry_are_deleted(
    cora, dina, ada, django_capture_on_commit_callbacks
):
    entry = record(cora, StudentFactory(date_of_birth=born(40)))
    attachment = Attachment.objects.create(
        entry=entry,
        file=ContentFile(b"%PDF-1.4 letter", name="letter.pdf"),
        original_name="Letter from social care.pdf",
        content_type="application/pdf",
        size=15,
        sha256="0" * 64,
        uploaded_by=cora,
    )
    name = attachment.file.name
    assert private_storage().exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        dispose(entry, dina, ada)
    assert not private_storage().exists(name)
    attachment.refresh_from_db()
    assert attachment.original_name == ""
    assert DisposalLog.objects.get(entry=entry).files_removed == 1


def test_a_rejected_proposal_keeps_the_record_and_needs_a_reason(cora, dina, ada):
    entry = record(cora, StudentFactory(date_of_birth=born(40)))
    proposal = services_retention.propose_disposal(entry=entry, by=dina)
    with pytest.raises(ValidationError):
        services_retention.decide_disposal(proposal=proposal, by=ada, approve=False)
    services_retention.decide_disposal(
        proposal=proposal, by=ada, approve=False, reason="Linked to an open case"
    )
    assert Entry.objects.get(pk=entry.pk).disposed_at is None
    assert services_retention.propose_disposal(entry=entry, by=dina)  # may come again


def test_the_disposal_function_decides_due_by_the_schools_date_not_the_sessions(cora, dina, ada):
    """The database's clock cannot be frozen, so the session's time zone is moved instead:
    to whichever of UTC+14 and UTC-12 has another date than London now (one always has).
    The function must answer by London's date whatever the session's zone (0010 used
    current_date, the session's date: UTC for Django, so wrong just after midnight BST)."""
    from zoneinfo import ZoneInfo

    from records.models import DisposalProposal

    london = timezone.localdate()
    now = timezone.now()
    zone, other = next(
        (name, now.astimezone(ZoneInfo(name)).date())
        for name in ("Etc/GMT-14", "Etc/GMT+12")  # POSIX signs: these are UTC+14, UTC-12
        if now.astimezone(ZoneInfo(name)).date() != london
    )
    # Due on the later of the two dates: due by the session's date only if it is ahead.
    due = max(london, other)
    entry = record(cora, StudentFactory(date_of_birth=years_after(due, -25)))
    rule_id, due_on = retention_of(entry)
    assert due_on == due
    proposal = DisposalProposal.objects.create(
        entry=entry, rule_id=rule_id, due_on=due_on, proposed_by=dina
    )
    DisposalDecision.objects.create(proposal=proposal, approved=True, decided_by=ada)

    def dispose_in_session_zone():
        with transaction.atomic(), connection.cursor() as c:
            c.execute("SELECT set_config('TimeZone', %s, true)", [zone])
            c.execute("SELECT records_dispose(%s)", [proposal.pk])

    if due == london:  # the session is a day behind London: it must not refuse
        dispose_in_session_zone()
        assert Entry.objects.get(pk=entry.pk).summary == DISPOSED_SUMMARY
    else:  # the session is a day ahead: London's day has not come
        with pytest.raises(DatabaseError, match="not due for disposal"):
            dispose_in_session_zone()
        assert Entry.objects.get(pk=entry.pk).summary == "Upset at break"
