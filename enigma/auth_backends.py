"""Authentication backends that load, with the signed-in person, what every request asks
next: their roles (the Django groups behind every capability check) and whether they have
an authenticator app (the 2FA enrolment check). One query instead of three per request.

They only change get_user (the per-request load); signing in is Django's and allauth's.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Exists, OuterRef


def user_for_request(user_id):
    """The user with pk user_id, annotated with role_names and has_totp_app, or None."""
    from allauth.mfa.models import Authenticator

    user_model = get_user_model()
    try:
        return user_model._default_manager.annotate(
            role_names=ArraySubquery(
                Group.objects.filter(user=OuterRef("pk")).values("name"),
            ),
            has_totp_app=Exists(
                Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
            ),
        ).get(pk=user_id)
    except user_model.DoesNotExist:
        return None


class _PreloadingGetUser:
    def get_user(self, user_id):
        user = user_for_request(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_PreloadingGetUser, DjangoModelBackend):
    """django.contrib.auth's ModelBackend, loading roles and 2FA state with the user."""


class AuthenticationBackend(_PreloadingGetUser, AllauthBackend):
    """allauth's backend (sign-in by email), loading roles and 2FA state with the user."""
