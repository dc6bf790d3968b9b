"""What every signed-in page pays before its own work (issue 15): the person, with their
roles and 2FA state, is read by SQL compiled once a process, not rebuilt per request."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.db.models.sql import compiler

from enigma.auth_backends import user_for_request
from enigma.roles import Role

pytestmark = pytest.mark.django_db


def test_the_person_is_read_without_compiling_a_query_each_request(dee, ada, monkeypatch):
    user_for_request(ada.pk)  # the first use in this process may compile it
    compiled = _compiles(monkeypatch)
    user = user_for_request(dee.pk)
    assert compiled == []
    assert user == dee and user.email == dee.email and user.is_active
    assert Role.DEPUTY_HEAD in user.roles and user.role_names
    assert user.has_totp_app is Authenticator.objects.filter(user=dee, type="totp").exists()


def test_the_person_loaded_has_what_the_checks_need(dee):
    Authenticator.objects.filter(user=dee).delete()
    assert user_for_request(dee.pk).has_totp_app is False
    Authenticator.objects.create(user=dee, type=Authenticator.Type.TOTP, data={})
    dee.groups.clear()
    user = user_for_request(str(dee.pk))  # the session keeps the key as text
    assert user.pk == dee.pk
    assert user.has_totp_app is True
    assert user.role_names == [] and user.roles == frozenset()


@pytest.mark.parametrize("key", [0, "999999999", "not a number", None])
def test_no_person_for_a_key_that_names_nobody(key):
    assert user_for_request(key) is None


def _compiles(monkeypatch) -> list:
    compiled = []
    real = compiler.SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled.append(self.query.model)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(compiler.SQLCompiler, "as_sql", counting)
    return compiled


def test_the_header_count_is_read_without_compiling_a_query_each_request(cora, dee, monkeypatch):
    """The unread count (every page's header) is compiled once a process: it counts the
    reader's unread notifications and nobody else's, and is 0 for someone with none."""
    import datetime as dt

    from django.utils import timezone

    from notifications.models import Kind, Notification
    from notifications.services import unread_count

    def notify(recipient, n, *, read=False):
        Notification.objects.create(
            kind=Kind.REVIEW_DUE,
            subject_key=f"review:{n}",
            due_on=timezone.localdate() + dt.timedelta(days=n),
            recipient=recipient,
            title=f"Review {n} due",
            read_at=timezone.now() if read else None,
        )

    for n in range(3):
        notify(cora, n)
    notify(cora, 3, read=True)
    notify(dee, 4)
    unread_count(dee)  # the first use in this process may compile it
    compiled = _compiles(monkeypatch)
    assert (unread_count(cora), unread_count(dee)) == (3, 1)
    Notification.objects.filter(recipient=dee).update(read_at=timezone.now())
    compiled.clear()
    assert unread_count(dee) == 0
    assert compiled == []
    assert (
        unread_count(cora)
        == Notification.objects.filter(recipient=cora, read_at__isnull=True).count()
    )


def test_the_school_settings_are_read_without_compiling_a_query_each_request(monkeypatch):
    """SchoolSettings.load reads the one row by SQL compiled once a process, sees a change
    saved since (the request's copy is forgotten on save), and still makes the row when
    there is none."""
    from enigma import request_cache
    from enigma.models import SchoolSettings

    SchoolSettings.load()  # the first use in this process may compile it
    compiled = _compiles(monkeypatch)
    with request_cache.request_scope():
        row = SchoolSettings.load()
        assert compiled == []
        row.school_name = "Northfield Academy"
        row.save()
        assert SchoolSettings.load().school_name == "Northfield Academy"
    SchoolSettings.objects.all().delete()
    with request_cache.request_scope():
        made = SchoolSettings.load()
    assert made.pk is not None and SchoolSettings.objects.get().pk == made.pk


def test_the_session_is_read_as_djangos_store_reads_it_without_compiling(monkeypatch):
    """enigma.sessions.SessionStore reads the session row by SQL compiled once: for a
    live session, an expired one, one that was never there and one whose data was
    tampered with, it loads what Django's own database store loads, and drops the key
    of a session it does not find (so the next save starts a new one)."""
    import datetime as dt

    from django.contrib.sessions.backends import db
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from enigma.sessions import SessionStore

    live = SessionStore()
    live["enigma_login_at"] = 1.5
    live["note"] = "café"
    live.save()
    expired = SessionStore()
    expired["x"] = 1
    expired.save()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    tampered = SessionStore()
    tampered["y"] = 2
    tampered.save()
    Session.objects.filter(session_key=tampered.session_key).update(session_data="not signed")
    keys = [live.session_key, expired.session_key, tampered.session_key, "x" * 32]

    theirs = []
    for key in keys:
        store = db.SessionStore(key)
        theirs.append((store.load(), store.session_key))
    assert [data for data, _key in theirs] == [{"enigma_login_at": 1.5, "note": "café"}, {}, {}, {}]
    SessionStore(live.session_key).load()  # the first use in this process may compile it
    compiled = _compiles(monkeypatch)
    for key, (data, kept_key) in zip(keys, theirs, strict=True):
        ours = SessionStore(key)
        assert (ours.load(), ours.session_key) == (data, kept_key)
    assert compiled == []
    assert SessionStore(live.session_key).load() == {"enigma_login_at": 1.5, "note": "café"}
    gone = SessionStore(expired.session_key)
    assert gone.load() == {} and gone.session_key is None
    row = SessionStore(live.session_key)._get_session_from_db()
    assert (row.session_key, row.session_data) == (
        live.session_key,
        Session.objects.get(pk=live.session_key).session_data,
    )


def test_signing_in_and_out_goes_through_the_compiled_session(client, dee):
    """The store is the one in use: a signed-in page sees the person, and after signing
    out the same cookie reaches nobody."""
    from django.conf import settings

    assert settings.SESSION_ENGINE == "enigma.sessions"
    client.force_login(dee)
    assert client.get("/").wsgi_request.user == dee
    client.logout()
    assert not client.get("/").wsgi_request.user.is_authenticated
