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
    compiled = []
    real = compiler.SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled.append(self.query.model)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(compiler.SQLCompiler, "as_sql", counting)
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
