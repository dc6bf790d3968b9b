"""Child-protection file transfer: prepared by the DSL, sent as a one-time, expiring link
with a code given separately, downloaded once and confirmed by the receiving DSL; the
DSL team reminded each school day from the 4th after the leaving date until then."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from disclosure import reminders, services
from disclosure.audit_actions import DisclosureAction
from disclosure.models import ChildProtectionTransfer
from enigma.models import AuditEvent
from notifications.models import Kind, Notification
from records.models import Attachment, Category
from records.services.entries import NewAction, amend_entry, record_entry
from tests.conftest import pass_second_factor
from tests.factories import StudentFactory, TermFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
State = ChildProtectionTransfer.State
# Autumn 2026 (TermFactory): half-term Mon 26 to Fri 30 Oct.
LEFT_ON = dt.date(2026, 10, 21)  # a Wednesday: school days 22, 23 Oct, then 2, 3, 4 Nov


@pytest.fixture(autouse=True)
def leaving_day():
    """The pupil's last day, after school: every test starts there (any real date)."""
    with time_machine.travel(dt.datetime(2026, 10, 21, 16, 0, tzinfo=LONDON), tick=True):
        yield


@pytest.fixture
def leaver(cora, dina):
    TermFactory()
    pupil = StudentFactory(legal_forename="Lily", legal_surname="Doyle", on_roll=False)
    pupil.left_on = LEFT_ON
    pupil.save()
    record_entry(author=cora, students=[pupil], kind="concern", summary="Ordinary note")
    concern = record_entry(
        author=dina,
        students=[pupil],
        kind="concern",
        category=Category.objects.get(name="Safeguarding"),
        summary="Disclosure at break",
        account="What Lily said, in her words.",
        actions=[NewAction("Refer to children's services", dina, LEFT_ON)],
    )
    amend_entry(
        author=dina, original=concern, reason="Wrong time", summary="Disclosure at lunch",
        account="What Lily said, in her words.",
    )  # fmt: skip
    Attachment.objects.create(
        entry=concern,
        file=ContentFile(b"%PDF-1.4 body map", name="b.pdf"),
        original_name="body-map.pdf",
        content_type="application/pdf",
        size=17,
        sha256="ab" * 32,
        uploaded_by=dina,
    )
    return pupil


def _dsl_client(client_for, dina) -> Client:
    client = client_for(dina)
    pass_second_factor(client)
    return client


def _prepare(client, pupil) -> ChildProtectionTransfer:
    response = client.post(
        reverse("disclosure:transfer_prepare", args=[pupil.pk]), {"left_on": LEFT_ON.isoformat()}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return ChildProtectionTransfer.objects.get(student=pupil, state=State.PREPARED)


def _send(client, transfer, capture) -> tuple[str, str]:
    """Send it; (the link from the email, the code shown to the sender)."""
    with capture(execute=True):
        response = client.post(
            reverse("disclosure:transfer_send", args=[transfer.pk]),
            {"name": "Pat Reed", "email": "pat.reed@next.example.org", "school": "Next High"},
        )
    assert response.status_code == 200
    code = re.search(r'data-testid="transfer-code"><strong>(\w+)<', response.content.decode())[1]
    link = re.search(r"https?://\S+/disclosure/receive/\S+/", mail.outbox[-1].body)[0]
    return link.split("testserver", 1)[1], code


@pytest.fixture
def sent(leaver, dina, client_for, django_capture_on_commit_callbacks):
    client = _dsl_client(client_for, dina)
    transfer = _prepare(client, leaver)
    path, code = _send(client, transfer, django_capture_on_commit_callbacks)
    transfer.refresh_from_db()
    return transfer, path, code


def test_preparing_needs_the_dsl_and_a_fresh_second_factor(leaver, dina, client_for):
    client = client_for(dina)
    pass_second_factor(client, seconds_ago=60 * 60)
    url = reverse("disclosure:transfer_prepare", args=[leaver.pk])
    stale = client.post(url, {"left_on": LEFT_ON.isoformat()})
    assert stale.status_code == 400 and "Check your second factor again" in stale.content.decode()
    assert not ChildProtectionTransfer.objects.exists()


def test_the_file_holds_the_restricted_entries_and_the_chains_proof(leaver, dina, client_for):
    transfer = _prepare(_dsl_client(client_for, dina), leaver)
    with transfer.file.open("rb") as f:
        archive = zipfile.ZipFile(io.BytesIO(f.read()))
    html = archive.read("index.html").decode()
    assert "Disclosure at break" in html and "Disclosure at lunch" in html and "Wrong time" in html
    assert "Refer to children&#x27;s services" in html
    assert "Ordinary note" not in html
    assert any(n.endswith("body-map.pdf") for n in archive.namelist())
    proof = json.loads(archive.read("chain-proof.json"))
    assert proof["verifies"] is True and proof["length"] == 3
    assert proof["head"] == transfer.chain_head and len(proof["links"]) == 2
    assert f"<code>{transfer.chain_head}</code>" in html


def test_the_email_holds_a_link_and_nothing_about_the_pupil_and_the_code_is_kept_hashed(
    sent,
):
    transfer, path, code = sent
    email = mail.outbox[-1]
    assert email.to == ["pat.reed@next.example.org"]
    for words in ("Lily", "Doyle", leaver_upn(transfer), code, "Disclosure"):
        assert words not in email.body and words not in email.subject
    assert transfer.state == State.SENT
    assert code not in transfer.code_hash and path.split("/")[-2] not in transfer.token_hash
    page = _dsl_client_for_page(transfer)
    assert code not in page


def leaver_upn(transfer) -> str:
    return transfer.student.upn


def _dsl_client_for_page(transfer) -> str:
    client = Client()
    client.force_login(transfer.prepared_by)
    return client.get(reverse("disclosure:transfer_detail", args=[transfer.pk])).content.decode()


def test_the_receiving_dsl_enters_the_code_downloads_once_and_confirms(sent):
    transfer, path, code = sent
    them = Client()
    assert "Enter the code" in them.get(path).content.decode()
    download = path + "download/"
    assert them.post(download).status_code == 404  # no code yet
    assert them.post(path, {"code": code.lower()[:5] + " " + code.lower()[5:]}).status_code == 302
    response = them.post(download)
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert "index.html" in archive.namelist()
    assert them.post(download).status_code == 409  # once only
    other = Client()  # the link alone, without the code, opens nothing
    other.get(path)
    assert other.post(download).status_code == 404
    refused = them.post(path + "confirm/", {"name": "Pat Reed"})
    assert refused.status_code == 400
    done = them.post(path + "confirm/", {"name": "Pat Reed", "confirm": "on"})
    assert done.status_code == 200 and "Receipt confirmed" in done.content.decode()
    transfer.refresh_from_db()
    assert transfer.state == State.CONFIRMED and transfer.confirmed_by_name == "Pat Reed"
    assert transfer.file.name == ""
    assert them.get(path).status_code == 404  # used up
    actions = set(
        AuditEvent.objects.filter(student=transfer.student).values_list("action", flat=True)
    )
    assert {
        DisclosureAction.TRANSFER_PREPARED,
        DisclosureAction.TRANSFER_SENT,
        DisclosureAction.TRANSFER_DOWNLOADED,
        DisclosureAction.TRANSFER_CONFIRMED,
    } <= actions


def test_a_wrong_code_is_refused_and_five_stop_the_link(sent):
    transfer, path, code = sent
    them = Client()
    for left in (4, 3, 2, 1):
        response = them.post(path, {"code": "WRONGCODE1"})
        assert response.status_code == 400
        assert f"{left} more tr" in response.content.decode()
    assert them.post(path, {"code": "WRONGCODE1"}).status_code == 404
    transfer.refresh_from_db()
    assert transfer.state == State.FAILED and transfer.wrong_codes == 5
    assert transfer.file.name == ""
    assert them.post(path, {"code": code}).status_code == 404  # even the right one, now
    assert AuditEvent.objects.filter(action=DisclosureAction.TRANSFER_CODE_REFUSED).count() == 5


def test_the_receiving_schools_rows_name_nobody_but_keep_the_address_and_browser(sent, dina):
    """The receiving pages have no signed-in person: their services are given an Actor
    with no user and the visitor's address and browser, and say who acted in the label."""
    _, path, code = sent
    them = Client(REMOTE_ADDR="192.0.2.44", HTTP_USER_AGENT="NextHigh/1.0")
    them.post(path, {"code": "WRONGCODE1"})
    them.post(path, {"code": code})
    assert them.post(path + "download/").status_code == 200
    them.post(path + "confirm/", {"name": "Pat Reed", "confirm": "on"})
    rows = AuditEvent.objects.filter(
        action__in=[
            DisclosureAction.TRANSFER_CODE_REFUSED,
            DisclosureAction.TRANSFER_DOWNLOADED,
            DisclosureAction.TRANSFER_CONFIRMED,
        ]
    ).order_by("pk")
    assert [(r.actor, r.actor_label, r.ip_address, r.user_agent) for r in rows] == [
        (None, "Receiving school", "192.0.2.44", "NextHigh/1.0"),
        (None, "Receiving DSL: Pat Reed", "192.0.2.44", "NextHigh/1.0"),
        (None, "Receiving DSL: Pat Reed", "192.0.2.44", "NextHigh/1.0"),
    ]
    sent_row = AuditEvent.objects.get(action=DisclosureAction.TRANSFER_SENT)
    assert (sent_row.actor, sent_row.ip_address) == (dina, "127.0.0.1")


def test_wrong_codes_from_one_address_are_limited_across_links(sent, settings):
    from disclosure import views

    transfer, path, code = sent
    them = Client()
    for _ in range(views.ADDRESS_LIMIT):
        ChildProtectionTransfer.objects.filter(pk=transfer.pk).update(wrong_codes=0)
        them.post(path, {"code": "WRONGCODE1"})
    limited = them.post(path, {"code": code})
    assert limited.status_code == 429


def test_the_link_expires_and_its_file_is_deleted(sent):
    transfer, path, _ = sent
    name = transfer.file.name
    with time_machine.travel(transfer.link_expires_at + dt.timedelta(seconds=1), tick=False):
        assert Client().get(path).status_code == 404
    transfer.refresh_from_db()
    assert transfer.state == State.EXPIRED and not transfer.file.storage.exists(name)


def _reminder_days() -> list[dt.date]:
    return list(
        Notification.objects.filter(kind=Kind.CP_TRANSFER)
        .order_by("due_on")
        .values_list("due_on", flat=True)
    )


def test_one_reminder_each_school_day_from_the_fourth_until_receipt_is_confirmed(
    leaver, dina, client_for, django_capture_on_commit_callbacks
):
    with time_machine.travel(dt.datetime(2026, 10, 21, 16, 0, tzinfo=LONDON), tick=False) as t:
        client = _dsl_client(client_for, dina)
        transfer = _prepare(client, leaver)
        day = dt.date(2026, 10, 21)
        while day <= dt.date(2026, 11, 13):
            for hour in (7, 12, 16):  # beat runs more than once a day
                t.move_to(dt.datetime.combine(day, dt.time(hour), LONDON))
                reminders.remind(deliver=False)
            if day == dt.date(2026, 11, 2):  # sent after half-term, signed in afresh
                client = _dsl_client(client_for, dina)
                path, code = _send(client, transfer, django_capture_on_commit_callbacks)
            if day == dt.date(2026, 11, 4):
                assert reminders.late() == []  # the 5th school day: due, not late
            if day == dt.date(2026, 11, 5):
                assert [x.transfer.pk for x in reminders.late()] == [transfer.pk]
            if day == dt.date(2026, 11, 11):  # after that day's reminders
                them = Client()
                assert them.post(path, {"code": code}).status_code == 302
                assert them.post(path + "download/").status_code == 200
                them.post(path + "confirm/", {"name": "Pat Reed", "confirm": "on"})
            day += dt.timedelta(days=1)
        assert reminders.late() == []
    expected = [dt.date(2026, 11, d) for d in (3, 4, 5, 6, 9, 10, 11)]
    assert _reminder_days() == expected  # one a school day, none over half-term or after
    rows = Notification.objects.filter(kind=Kind.CP_TRANSFER)
    assert set(rows.values_list("recipient", flat=True)) == {dina.pk}
    assert all("Lily" not in n.body + n.title for n in rows)


def test_a_failed_transfer_prepared_again_is_still_one_reminder_a_day(
    leaver, dina, client_for, django_capture_on_commit_callbacks
):
    with time_machine.travel(dt.datetime(2026, 11, 3, 9, 0, tzinfo=LONDON), tick=False):
        client = _dsl_client(client_for, dina)
        first = _prepare(client, leaver)
        services.transfer_fail(transfer=first, reason="Wrong school", by=dina)
        _prepare(client, leaver)
        reminders.remind(deliver=False)
        reminders.remind(deliver=False)
    assert _reminder_days() == [dt.date(2026, 11, 3)]


def test_the_transfers_page_lists_late_transfers(
    leaver, dina, client_for, django_capture_on_commit_callbacks
):
    with time_machine.travel(dt.datetime(2026, 11, 5, 9, 0, tzinfo=LONDON), tick=True):
        client = _dsl_client(client_for, dina)
        transfer = _prepare(client, leaver)
        page = client.get(reverse("disclosure:transfers")).content.decode()
    late = page.split("Late: not confirmed")[1].split("All transfers")[0]
    assert "Lily Doyle" in late and "due by Wed 4 Nov 2026" in late
    assert transfer.state == State.PREPARED


def test_nobody_but_the_dsl_team_sees_transfers(sent, client_for, ada, cora):
    transfer, _, _ = sent
    for user in (ada, cora):
        client = client_for(user)
        assert client.get(reverse("disclosure:transfers")).status_code == 403
        assert (
            client.get(reverse("disclosure:transfer_detail", args=[transfer.pk])).status_code == 403
        )


def test_housekeeping_expires_links_and_exports(sent):
    from disclosure import tasks

    transfer, _, _ = sent
    with time_machine.travel(transfer.link_expires_at + dt.timedelta(minutes=1), tick=False):
        assert tasks.housekeeping()["links_expired"] == 1
    assert timezone.now() < transfer.link_expires_at


# --- a leaver whose file nobody has prepared ----------------------------------------------


def _remind_each_day(until: dt.date, t, on_day=None) -> None:
    day = LEFT_ON
    while day <= until:
        for hour in (7, 16):
            t.move_to(dt.datetime.combine(day, dt.time(hour), LONDON))
            reminders.remind(deliver=False)
            if on_day and hour == 16:
                on_day(day)
        day += dt.timedelta(days=1)


def test_a_leaver_whose_file_is_not_prepared_is_chased_until_the_dsl_closes_the_leaving(
    leaver, dina, client_for
):
    seen_late = {}

    def on_day(day):
        seen_late[day] = [(x.student.pk, x.transfer) for x in reminders.late()]
        if day == dt.date(2026, 11, 9):
            response = _dsl_client(client_for, dina).post(
                reverse("disclosure:leaving_close", args=[leaver.pk]),
                {
                    "left_on": LEFT_ON.isoformat(),
                    "reason": "sent_another_way",
                    "detail": "Handed to their DSL, Pat Reed, who signed for it on 9 Nov.",
                },
            )
            assert response.status_code == 302, response.content.decode()[:2000]

    with time_machine.travel(dt.datetime(2026, 10, 21, 16, 0, tzinfo=LONDON), tick=False) as t:
        _remind_each_day(dt.date(2026, 11, 13), t, on_day)
    assert _reminder_days() == [dt.date(2026, 11, d) for d in (3, 4, 5, 6, 9)]
    assert seen_late[dt.date(2026, 11, 4)] == []  # due that day, not late
    assert seen_late[dt.date(2026, 11, 5)] == [(leaver.pk, None)]
    assert seen_late[dt.date(2026, 11, 10)] == []
    rows = Notification.objects.filter(kind=Kind.CP_TRANSFER)
    assert {n.url for n in rows} == {reverse("disclosure:student", args=[leaver.pk])}
    assert all("Lily" not in n.body + n.title for n in rows)
    assert "has not been prepared" in rows.first().body
    event = AuditEvent.objects.get(action=DisclosureAction.LEAVING_CLOSED)
    assert event.actor == dina and event.student == leaver


def test_preparing_the_file_late_keeps_one_reminder_a_day(leaver, dina, client_for):
    def on_day(day):
        if day == dt.date(2026, 11, 4):
            _prepare(_dsl_client(client_for, dina), leaver)

    with time_machine.travel(dt.datetime(2026, 10, 21, 16, 0, tzinfo=LONDON), tick=False) as t:
        _remind_each_day(dt.date(2026, 11, 6), t, on_day)
        late = reminders.late()
    assert _reminder_days() == [dt.date(2026, 11, d) for d in (3, 4, 5, 6)]
    assert [(x.student.pk, x.state_text) for x in late] == [(leaver.pk, "prepared")]


def test_a_leaver_with_no_restricted_entries_is_not_chased(cora):
    TermFactory()
    pupil = StudentFactory(on_roll=False)
    pupil.left_on = LEFT_ON
    pupil.save()
    record_entry(author=cora, students=[pupil], kind="concern", summary="Ordinary note")
    with time_machine.travel(dt.datetime(2026, 11, 9, 9, 0, tzinfo=LONDON), tick=False):
        assert reminders.remind(deliver=False) == []
        assert reminders.late() == []


def test_closing_a_leaving_says_what_is_missing_next_to_the_field(leaver, dina, client_for):
    with time_machine.travel(dt.datetime(2026, 11, 9, 9, 0, tzinfo=LONDON), tick=True):
        client = _dsl_client(client_for, dina)
        url = reverse("disclosure:leaving_close", args=[leaver.pk])
        response = client.post(url, {"left_on": LEFT_ON.isoformat(), "detail": "  "})
        page = response.content.decode()
        assert response.status_code == 400
        assert "Choose why the file is not sent through Enigma." in page
        assert "Say how and to whom the file went" in page
        assert "open" in page.split('class="leaving-close"')[1][:20]  # its section stays open
        assert not services.LeavingClosed.objects.exists()
        late = client.get(reverse("disclosure:transfers")).content.decode()
        assert "Lily Doyle" in late.split("Late: not confirmed")[1] and "not prepared" in late


def test_leavings_before_the_upgrade_are_closed_not_chased(leaver):
    """The migration that brought the reminders closes every earlier leaving with no
    transfer, so a school upgrading is not sent one for every pupil who ever left."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("disclosure.migrations.0002_leavings_closed")
    with time_machine.travel(dt.datetime(2026, 11, 9, 9, 0, tzinfo=LONDON), tick=False):
        migration.close_earlier_leavings(apps, None)
        assert reminders.remind(deliver=False) == []
    closed = services.LeavingClosed.objects.get()
    assert (closed.student, closed.left_on, closed.reason) == (leaver, LEFT_ON, "before_tracking")
