"""Authentication backends that load, with the signed-in person, what every request asks
next: their roles (the Django groups behind every capability check) and whether they have
an authenticator app (the 2FA enrolment check). One query instead of three per request.

They only change get_user (the per-request load); signing in is Django's and allauth's.
"""

from __future__ import annotations

import functools

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef

from enigma.compiled import CompiledQuery


def _user_query(user_id):
    from allauth.mfa.models import Authenticator

    return (
        get_user_model()
        ._default_manager.annotate(
            role_names=ArraySubquery(
                Group.objects.filter(user=OuterRef("pk")).values("name"),
            ),
            has_totp_app=Exists(
                Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
            ),
        )
        .filter(pk=user_id)
        .order_by()  # (the model's ordering: nothing to sort in one row)
    )


# A primary key no user has, standing for the one asked for in the compiled query.
_ANY_USER = -7_340_981_652_193


@functools.cache
def _compiled_user_query() -> CompiledQuery:
    """_user_query compiled once a process (enigma.compiled), the user's primary key put
    in on each request and run as a prepared statement: building and compiling its two
    subqueries cost more than running it, and RawQuerySet matched its columns to fields
    again on every request."""
    return CompiledQuery(_user_query(_ANY_USER), {"user": _ANY_USER})


def user_for_request(user_id):
    """The user with pk user_id, annotated with role_names and has_totp_app, or None."""
    user_model = get_user_model()
    try:
        pk = user_model._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    found = _compiled_user_query().objects({"user": pk})
    return found[0] if found else None


class _PreloadingGetUser:
    def get_user(self, user_id):
        user = user_for_request(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_PreloadingGetUser, DjangoModelBackend):
    """django.contrib.auth's ModelBackend, loading roles and 2FA state with the user."""


class AuthenticationBackend(_PreloadingGetUser, AllauthBackend):
    """allauth's backend (sign-in by email), loading roles and 2FA state with the user."""
