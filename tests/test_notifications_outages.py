"""Fault drills: the outbox against a real redis-server, a real Celery worker and a mail
server on loopback that stalls, answers slowly, refuses with 4xx and 5xx, drops the
connection, or is not there at all (tests/smtp_server.py); Redis hung or stopped.

Time moves through the clock (time_machine, ticking, shared with the worker's thread),
never by sleeping. Each drill prints a "drill:" line with what it measured."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from unittest import mock

import pytest
import redis
import time_machine
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from notifications import delivery, publish
from notifications.models import EmailProblem, Kind, Notification, NotificationPreference
from notifications.tasks import dispatch_due, send_digests, send_notification
from tests import clock
from tests.celery_helpers import UNACKED, broker, wait_until_idle, worker
from tests.conftest import pass_second_factor
from tests.services import PATIENCE, SilentServer, wait_for
from tests.smtp_server import MailServer, send_mail_to

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
ROOT = django_settings.BASE_DIR
MONDAY = dt.datetime(2026, 9, 14, 10, tzinfo=clock.LONDON)


def drill(text: str) -> None:
    print(f"\ndrill: {text}")


@pytest.fixture
def mail_server(settings):
    server = MailServer()
    server.configure(settings)
    settings.EMAIL_TIMEOUT = 10
    yield server
    server.stop()


def row(user, n: int = 1, **fields) -> Notification:
    return Notification.objects.create(
        kind=fields.pop("kind", Kind.FOLLOW_UP_DUE),
        subject_key=f"follow_up:{n}",
        due_on=dt.date(2026, 9, 14),
        recipient=user,
        title="A follow-up check is due",
        url=f"/referrals/follow-ups/{n}/",
        **fields,
    )


def test_a_silent_mail_server_holds_the_worker_no_longer_than_the_timeout(
    cora, redis_url, settings
):
    """It accepts the connection and never says a word: the worker gives up after
    EMAIL_TIMEOUT, records why, is free for the next task, and tries again in 5 minutes."""
    silent = SilentServer()
    send_mail_to(settings, silent.port)
    settings.EMAIL_TIMEOUT = 2
    pending = row(cora)
    try:
        with broker(redis_url), worker():
            started = time.monotonic()
            send_notification.delay(pending.pk)
            wait_for(
                lambda: Notification.objects.get(pk=pending.pk).last_error,
                "the worker to give up on the silent server",
            )
            held = time.monotonic() - started
            wait_until_idle(redis_url, "the next task, once the worker is free")
    finally:
        silent.stop()
    pending.refresh_from_db()
    drill(f"silent SMTP server: worker held {held:.1f} s (EMAIL_TIMEOUT=2 s); 0 sent")
    assert held < 2 + 20  # the timeout, and a busy machine's slack; not the 120 s deadline
    assert pending.email_status == "pending" and pending.claimed_at is None
    assert "timed out" in pending.last_error or "Disconnected" in pending.last_error
    assert pending.next_attempt_at - pending.failing_since == dt.timedelta(minutes=5)
    assert not EmailProblem.objects.exists()


def test_a_slow_server_is_not_sent_to_twice_even_if_the_claim_runs_out(
    cora, redis_url, mail_server
):
    """The first sender is held up (the server sits on RCPT) until its claim has run out
    and a second sender has taken the row and sent it. When the first gets its answer,
    it checks its claim before sending the message and withdraws: one email."""
    mail_server.slow = 0.2
    mail_server.hold_rcpt = True
    pending = row(cora)
    with time_machine.travel(MONDAY, tick=True) as traveller, broker(redis_url), worker():
        send_notification.delay(pending.pk)
        wait_for(mail_server.held.is_set, "the first sender to be held up")
        traveller.shift(delivery.claim_timeout() + dt.timedelta(minutes=1))
        assert delivery.deliver(pending.pk) == delivery.SENT  # a second sender
        mail_server.release()
        dispatch_due.delay()
        wait_until_idle(redis_url, "the first sender's answer")
    pending.refresh_from_db()
    drill(
        f"slow SMTP server, claim ran out mid-send: {mail_server.conversations} started, "
        f"{len(mail_server.messages)} accepted"
    )
    assert mail_server.conversations == 2 and len(mail_server.messages) == 1
    assert (pending.email_status, pending.attempts, pending.last_error) == ("sent", 2, "")


def test_a_worker_killed_after_the_server_accepted_sends_at_most_once_more(
    cora, redis_url, mail_server, tmp_path
):
    """kill -9 between the server's 250 and "sent": the row is sent once more after the
    claim runs out (README, "Reminders"), with the same Message-ID, and never again."""
    pending = row(cora)
    visibility = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    later = dt.timedelta(seconds=visibility) + delivery.claim_timeout() + dt.timedelta(minutes=1)
    logs, workers = [], []

    def start(*, pause: float, ahead: dt.timedelta = dt.timedelta(0)):
        log = open(tmp_path / f"worker-{len(logs)}.log", "w")  # noqa: SIM115
        logs.append(log)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.notifications_worker",
                redis_url,
                connection.settings_dict["NAME"],
                f"smtp:{mail_server.port}",
                str(pause),
                str(clock.offset_seconds() + ahead.total_seconds()),
                "accepted",
                str(tmp_path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        workers.append(process)
        return process

    client = redis.Redis.from_url(redis_url)
    try:
        with broker(redis_url):
            send_notification.delay(pending.pk)
        first = start(pause=3600)
        wait_for((tmp_path / "accepted").exists, "the server to accept the first send")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(PATIENCE)
        assert len(mail_server.messages) == 1 and client.hlen(UNACKED) == 1
        pending.refresh_from_db()
        assert pending.sent_at is None and pending.claimed_at is not None
        start(pause=0, ahead=later)
        with broker(redis_url):
            dispatch_due.delay()  # the dispatch after the claim ran out, racing the redelivery
            wait_for(
                lambda: Notification.objects.get(pk=pending.pk).sent_at is not None,
                "the second worker to send the row",
            )
            send_notification.delay(pending.pk)
            dispatch_due.delay()
            wait_until_idle(redis_url, "the redelivery and the duplicates")
    finally:
        for process in workers:
            if process.poll() is None:
                process.kill()
                process.wait(PATIENCE)
        for log in logs:
            log.close()
        client.close()
    ids = {m["Message-ID"] for m in mail_server.messages}
    drill(
        f"worker killed after the 250: {len(mail_server.messages)} accepted for 1 row, "
        f"one Message-ID ({ids})"
    )
    assert len(mail_server.messages) == 2 and len(ids) == 1
    assert ids == {
        f"<enigma.notification.{pending.pk}.{pending.created_at:%Y%m%d%H%M%S}@127.0.0.1>"
    }
    pending.refresh_from_db()
    assert pending.email_status == "sent" and pending.attempts == 2
    readme = (ROOT / "README.md").read_text()
    assert "sent once more" in readme and "same Message-ID" in readme


def test_a_twenty_minute_outage_ends_with_every_row_sent_once(
    personas, redis_url, mail_server, client_for
):
    """10 minutes of "451 try again later", 10 minutes of refused connections, with the
    dispatch every 5 minutes throughout: nothing fails, nobody's address is blamed, the
    pages say what is waiting and why, and once the server is back each row goes once."""
    users = [personas[name] for name in ("cora", "sam", "dee")]
    rows = [row(user, n) for n, user in enumerate(users, 1)]
    rows.append(row(personas["dina"], 9, kind=Kind.SAFEGUARDING))
    mail_server.refuse_with("451 4.3.0 Try again later")
    # Every 5.5 minutes: a little more than the 5-minute backoff, which counts from the
    # moment of the failure, a second or so after the dispatch that met it.
    step, elapsed, stopped = dt.timedelta(minutes=5, seconds=30), dt.timedelta(0), False
    with time_machine.travel(MONDAY, tick=True) as traveller, broker(redis_url), worker():
        while elapsed <= dt.timedelta(hours=1):
            if elapsed >= dt.timedelta(minutes=10) and not stopped:
                mail_server.stop()  # 451 for 10 minutes, then nothing listening
                stopped = True
            if elapsed >= dt.timedelta(minutes=20) and stopped:
                mail_server.behave()
                mail_server.start()
                stopped = False
            dispatch_due.delay()
            wait_until_idle(redis_url, f"the dispatch at {elapsed}")
            if elapsed == 3 * step:  # the third try met a refused connection
                outbox_pages_say_what_is_waiting(personas, client_for)
            traveller.shift(step)
            elapsed += step
    sent = sorted(mail_server.recipients())
    drill(
        f"20-minute SMTP outage (451, then refused): {len(rows)} rows, {len(sent)} accepted, "
        f"attempts {sorted(Notification.objects.values_list('attempts', flat=True))}"
    )
    assert sent == sorted(u.email for u in [*users, personas["dina"]])
    assert set(Notification.objects.values_list("email_status", flat=True)) == {"sent"}
    assert set(Notification.objects.values_list("attempts", flat=True)) == {4}
    assert not EmailProblem.objects.exists()


def outbox_pages_say_what_is_waiting(personas, client_for):
    rows = Notification.objects.all()
    assert {(r.email_status, r.claimed_at) for r in rows} == {("pending", None)}
    assert all("ConnectionRefusedError" in r.last_error for r in rows)
    page = client_for(personas["ada"]).get(reverse("notifications:email_problems"))
    html = page.content.decode()
    assert "4 waiting to be emailed" in html and "will be tried again" in html
    assert "ConnectionRefusedError" in html and "None: the mail server has refused" in html
    dsl = client_for(personas["dina"])
    pass_second_factor(dsl)
    html = dsl.get(reverse("records:safeguarding_queue")).content.decode()
    assert "1 alert not emailed yet" in html and "The mail server has been failing" in html


def test_one_refused_address_in_the_digests_stops_no_one_else(
    personas, redis_url, mail_server, client_for
):
    users = [personas[name] for name in ("cora", "sam", "dee")]
    for n, user in enumerate(users, 1):
        NotificationPreference.objects.create(user=user, kind=Kind.FOLLOW_UP_DUE, mode="digest")
        row(user, n, email_status="digest")
        row(user, n + 10, email_status="digest")
    sam = personas["sam"]
    mail_server.refuse_address(sam.email, "550 5.1.1 No such user")
    with time_machine.travel(MONDAY.replace(hour=16), tick=True), broker(redis_url), worker():
        send_digests.delay()
        wait_until_idle(redis_url, "the digests")
        assert sorted(mail_server.recipients()) == sorted(
            [personas["cora"].email, personas["dee"].email]
        )
        problem = EmailProblem.objects.get()
        assert (problem.user, problem.address) == (sam, sam.email)
        assert "550 5.1.1 No such user" in problem.last_error
        assert set(
            Notification.objects.filter(recipient=sam).values_list("email_status", flat=True)
        ) == {"failed"}
        # Sam's mailbox is put right; the admin marks the problem resolved: sent again.
        mail_server.behave()
        admin = client_for(personas["ada"])
        admin.post(reverse("notifications:email_problems"), {"resolve": problem.pk})
        wait_until_idle(redis_url, "sending again what failed")
    drill(
        f"one refused address among 3 digests: {len(mail_server.messages)} accepted "
        "(2 digests, then sam's 2 rows after the problem was resolved)"
    )
    assert sorted(mail_server.recipients()) == sorted(
        [personas["cora"].email, personas["dee"].email, sam.email, sam.email]
    )
    assert set(Notification.objects.values_list("email_status", flat=True)) == {"sent"}
    assert EmailProblem.objects.get().resolved_at is not None


def test_a_connection_dropped_before_or_after_the_servers_answer(cora, sam, mail_server):
    """After the whole message and before the 250, the server hung up (it kept nothing):
    tried again later, sent once. After the 250 (at QUIT): sent, and not sent again."""
    first, second = row(cora, 1), row(sam, 2)
    mail_server.drop = "after-data"
    with time_machine.travel(MONDAY, tick=False) as traveller:
        assert delivery.deliver(first.pk) == delivery.RETRY
        first.refresh_from_db()
        assert "may have arrived" in first.last_error and mail_server.messages == []
        mail_server.drop = "after-250"
        assert delivery.deliver(second.pk) == delivery.SENT
        traveller.shift(dt.timedelta(minutes=5))
        assert [delivery.deliver(pk) for pk in delivery.due_rows()] == [delivery.SENT]
        traveller.shift(dt.timedelta(hours=1))
        assert delivery.due_rows() == []
    assert sorted(mail_server.recipients()) == [cora.email, sam.email]


def test_a_4xx_to_one_address_is_retried_and_a_5xx_is_not(cora, sam, mail_server):
    greylisted, bounced = row(cora, 1), row(sam, 2)
    mail_server.refuse_address(cora.email, "450 4.2.1 Mailbox busy")
    mail_server.refuse_address(sam.email, "550 5.1.1 No such user")
    with time_machine.travel(MONDAY, tick=False):
        assert delivery.deliver(greylisted.pk) == delivery.RETRY
        assert delivery.deliver(bounced.pk) == delivery.FAILED
    assert EmailProblem.objects.get().user == sam
    greylisted.refresh_from_db()
    assert greylisted.email_status == "pending" and "450 4.2.1" in greylisted.last_error


# --- Redis hung or stopped, seen from requests ------------------------------------------


def test_a_hung_redis_leaves_a_concern_saved_and_says_so_within_5_seconds(
    live_server, cora, dina, client_for
):
    """Redis accepts connections and never answers. Recording a safeguarding concern
    answers with the saved page at once; the alert is published after the response,
    fails within the broker's timeouts, and waits in the outbox for the dispatch."""
    import re
    import urllib.request

    from records.models import Category, Entry
    from tests.factories import StudentFactory

    hung = SilentServer()
    student = StudentFactory()
    session = client_for(cora).cookies["sessionid"].value
    opener = urllib.request.build_opener()
    opener.addheaders = [("Cookie", f"sessionid={session}")]
    url = live_server.url + reverse("records:entry_add", args=[student.pk]) + "?kind=concern"
    with opener.open(url, timeout=PATIENCE) as response:
        form = response.read().decode()
        cookies = " ".join(response.headers.get_all("Set-Cookie"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    csrf = re.search(r"csrftoken=([^;]+)", cookies).group(1)
    opener.addheaders = [("Cookie", f"sessionid={session}; csrftoken={csrf}")]
    fields = {
        "csrfmiddlewaretoken": token,
        "occurred_at": (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "category": Category.objects.get_or_create(
            name="Safeguarding", defaults={"restricted": True}
        )[0].pk,
        "summary": "Disclosure at break",
        "account": "Said something worrying.",
        "actions-TOTAL_FORMS": "0",
        "actions-INITIAL_FORMS": "0",
    }
    warned = []
    try:
        with (
            broker(hung.redis_url),
            mock.patch.object(publish.log, "warning", side_effect=lambda *a, **k: warned.append(a)),
        ):
            started = time.monotonic()
            saved = post_without_following(
                url, fields, cookie=f"sessionid={session}; csrftoken={csrf}"
            )
            messages = re.search(r"messages=([^;]+)", saved.getheader("Set-Cookie", "")).group(1)
            opener.addheaders = [("Cookie", f"sessionid={session}; messages={messages}")]
            response = opener.open(live_server.url + saved.getheader("Location"), timeout=PATIENCE)
            page = response.read().decode()
            took = time.monotonic() - started
            wait_for(lambda: warned, "the publish after the response to give up")
    finally:
        hung.stop()
    entry = Entry.objects.get()
    drill(
        f"hung Redis: concern page answered {response.status} in {took:.2f} s; entry saved; "
        "alert pending in the outbox"
    )
    assert saved.status == 302 and response.status == 200 and took < 5
    assert "Recorded" in page and "the safeguarding team has it" in page
    alert = Notification.objects.get(subject_key=f"entry:{entry.pk}")
    assert alert.recipient == dina and alert.email_status == "pending" and alert.sent_at is None


def post_without_following(url: str, fields: dict, *, cookie: str):
    import http.client
    import urllib.parse

    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=PATIENCE)
    connection.request(
        "POST",
        f"{parts.path}?{parts.query}",
        body=urllib.parse.urlencode(fields),
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@pytest.mark.parametrize("state", ["stopped", "hung"])
def test_signing_in_works_without_redis_and_the_limits_still_apply(state, personas, settings):
    from django.test import Client

    from tests.services import RedisServer, need
    from tests.test_security import sign_in

    if state == "stopped":
        gone = RedisServer(need("redis-server"))
        gone.stop()
        location, stop = gone.url, lambda: None
    else:
        hung = SilentServer()
        location, stop = hung.redis_url, hung.stop
    settings.CACHES = {
        "default": {
            "BACKEND": "enigma.cache.FallbackCache",
            "LOCATION": location,
            "KEY_PREFIX": "enigma",
            "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1, "retry_after": 30},
        }
    }
    cora, tom = personas["cora"], personas["tom"]
    try:
        started = time.monotonic()
        response = sign_in(Client(), cora)
        took = time.monotonic() - started
        for _ in range(5):
            Client().post(
                reverse("account_login"),
                {"login": tom.email, "password": "nope"},
                REMOTE_ADDR="198.51.100.7",  # sign_in's address
            )
        locked = sign_in(Client(), tom)
    finally:
        stop()
    drill(f"Redis {state}: sign-in (password and code) took {took:.2f} s")
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert took < 5
    assert locked.status_code == 200 and b"Too many failed login attempts" in locked.content


@pytest.mark.parametrize("state", ["stopped", "hung"])
def test_an_account_notice_is_not_lost_when_redis_cannot_take_it(
    state, client_for, ada, dina, mailoutbox
):
    """The school admin joins the DSL team: the team is told. Redis cannot take the
    notice, so the web process sends it itself, after the response."""
    from django.contrib.auth.models import Group

    from enigma.roles import Role
    from enigma.services import accounts as services_accounts
    from tests.services import RedisServer, need
    from tests.test_account_admin import user_form_data

    if state == "stopped":
        gone = RedisServer(need("redis-server"))
        gone.stop()
        url, stop = gone.url, lambda: None
    else:
        hung = SilentServer()
        url, stop = hung.redis_url, hung.stop
    client = client_for(ada)
    groups = [Group.objects.get(name=r.value).pk for r in (Role.SCHOOL_ADMIN, Role.DSL)]
    data = user_form_data(client, ada, groups=groups)
    try:
        with (
            broker(url),
            mock.patch.object(services_accounts.log, "warning") as warn,
        ):
            started = time.monotonic()
            response = client.post(reverse("admin:enigma_user_change", args=[ada.pk]), data)
            took = time.monotonic() - started
    finally:
        stop()
    drill(f"Redis {state}: role change and its notice (sent in-process) took {took:.2f} s")
    assert response.status_code == 302
    assert "Could not queue the notice" in warn.call_args.args[0]
    assert [m.to for m in mailoutbox] == [[dina.email]]
