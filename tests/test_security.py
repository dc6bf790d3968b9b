"""Sign-in, 2FA, sessions, rate limits, headers: the security promises of the foundation."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from enigma.models import AuditEvent
from tests.factories import PASSWORD, StudentFactory, UserFactory
from tests.totp import current_code

pytestmark = pytest.mark.django_db


def sign_in(client, user, *, code=True, address="198.51.100.7"):
    """Sign in through the real forms: password, then the authenticator code."""
    response = client.post(
        reverse("account_login"),
        {"login": user.email, "password": PASSWORD},
        REMOTE_ADDR=address,
    )
    if code and response.status_code == 302 and "authenticate" in response["Location"]:
        response = client.post(
            reverse("mfa_authenticate"),
            {"code": current_code(user.totp_secret)},
            REMOTE_ADDR=address,
        )
    return response


# --- sign-in and 2FA ------------------------------------------------------------------


def test_sign_in_needs_password_and_authenticator_code(cora):
    client = Client()
    response = client.post(reverse("account_login"), {"login": cora.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("student_directory")).status_code == 302  # not yet signed in
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200  # wrong code: form again
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(cora.totp_secret)})
    assert response.status_code == 302
    assert client.get(reverse("student_directory")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.signed_in", actor=cora).count() == 1


def test_failed_sign_in_is_audited_with_the_email_tried():
    Client().post(
        reverse("account_login"),
        {"login": "nobody@school.example.org", "password": "wrong-password"},
        REMOTE_ADDR="203.0.113.9",
    )
    event = AuditEvent.objects.get(action="auth.sign_in_failed")
    assert event.actor is None
    assert event.actor_label == "nobody@school.example.org"
    assert event.ip_address == "203.0.113.9"


def test_without_an_authenticator_a_person_must_enrol_first(client):
    user = UserFactory(roles=["coordinator"])
    assert sign_in(client, user, code=False).status_code == 302
    response = client.get(reverse("student_directory"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    # Enrolling an authenticator asks for the password again (allauth's re-authentication),
    # so nobody passing an unlocked screen can attach their own phone.
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert b"svg" in page.content.lower()  # the QR code to scan


def test_enrolment_is_not_forced_when_2fa_is_switched_off(client, settings):
    settings.ENIGMA_REQUIRE_2FA = False
    user = UserFactory(roles=["coordinator"])
    client.force_login(user)
    assert client.get(reverse("student_directory")).status_code == 200


def test_htmx_request_without_an_authenticator_gets_a_client_redirect(client):
    user = UserFactory(roles=["coordinator"])
    client.force_login(user)
    response = client.get(reverse("student_directory"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("mfa_activate_totp")


def test_nobody_can_sign_up(client):
    response = client.get(reverse("account_signup"))
    assert b"closed" in response.content.lower()
    client.post(
        reverse("account_signup"),
        {
            "email": "new@x.example.org",
            "password1": "a-long-password-1",
            "password2": "a-long-password-1",
        },
    )
    from enigma.models import User

    assert not User.objects.filter(email="new@x.example.org").exists()


def test_sign_out_is_post_only_and_audited(client_for, cora):
    client = client_for(cora)
    assert client.get(reverse("account_logout")).status_code == 200  # a confirmation page
    assert client.get(reverse("student_directory")).status_code == 200
    client.post(reverse("account_logout"))
    assert client.get(reverse("student_directory")).status_code == 302
    assert AuditEvent.objects.filter(action="auth.signed_out", actor=cora).exists()


# --- rate limiting: per (email, address), never the whole staffroom --------------------


def test_repeated_failures_lock_that_email_at_that_address_only(personas):
    cora, tom = personas["cora"], personas["tom"]
    staffroom = "192.0.2.50"
    for _ in range(5):
        Client().post(
            reverse("account_login"),
            {"login": cora.email, "password": "nope"},
            REMOTE_ADDR=staffroom,
        )
    locked = sign_in(Client(), cora, address=staffroom)
    assert locked.status_code == 200
    assert b"Too many failed login attempts" in locked.content
    # A colleague in the same staffroom (same public address) signs in normally.
    assert sign_in(Client(), tom, address=staffroom).status_code == 302
    # And the same person from another address is not locked out either.
    assert sign_in(Client(), cora, address="198.51.100.20").status_code == 302


def test_a_busy_staffroom_is_not_rate_limited_by_address(personas):
    address = "192.0.2.60"
    for name in ["cora", "sam", "dee", "rita", "tom", "dina", "ada"]:
        client = Client()
        assert sign_in(client, personas[name], address=address).status_code == 302
        assert client.get(reverse("home")).status_code in (200, 302)


# --- sessions -------------------------------------------------------------------------


def test_session_expires_after_30_minutes_idle(cora):
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), tick=False) as t:
        client = Client()
        sign_in(client, cora)
        assert client.get(reverse("student_directory")).status_code == 200
        t.shift(dt.timedelta(minutes=29))
        assert client.get(reverse("student_directory")).status_code == 200
        t.shift(dt.timedelta(minutes=31))
        response = client.get(reverse("student_directory"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_an_active_session_is_not_signed_out_although_not_saved_on_every_request(cora):
    """The session is saved at most once a minute (ENIGMA_SESSION_TOUCH_SECONDS), yet a
    person who keeps working is never signed out by the 30-minute idle limit."""
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), tick=False) as t:
        client = Client()
        sign_in(client, cora)
        for _ in range(45):  # a page every 50 seconds for 37.5 minutes
            t.shift(dt.timedelta(seconds=50))
            assert client.get(reverse("student_directory")).status_code == 200
        t.shift(dt.timedelta(minutes=29))
        assert client.get(reverse("student_directory")).status_code == 200
        t.shift(dt.timedelta(minutes=30, seconds=1))
        response = client.get(reverse("student_directory"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def _session_writes(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return sum(q["sql"].startswith('UPDATE "django_session"') for q in ctx.captured_queries)


def test_the_session_row_is_written_at_most_once_a_minute(cora):
    url = reverse("student_directory")
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), tick=False) as t:
        client = Client()
        sign_in(client, cora)
        t.shift(dt.timedelta(seconds=61))
        assert _session_writes(client, url) == 1
        t.shift(dt.timedelta(seconds=30))
        assert _session_writes(client, url) == 0
        t.shift(dt.timedelta(seconds=29))
        assert _session_writes(client, url) == 0
        t.shift(dt.timedelta(seconds=2))
        assert _session_writes(client, url) == 1


def test_session_ends_after_12_hours_however_active(cora):
    with time_machine.travel(dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC), tick=False) as t:
        client = Client()
        sign_in(client, cora)
        for _ in range(12 * 3 + 2):  # a request every 20 minutes, all day and then some
            t.shift(dt.timedelta(minutes=20))
            response = client.get(reverse("student_directory"))
            if response.status_code != 200:
                break
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_expired_session_on_an_htmx_request_redirects_the_whole_page(client):
    response = client.get(reverse("student_directory"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("account_login"))


# --- headers --------------------------------------------------------------------------


def test_signed_in_pages_are_never_stored(client_for, cora):
    response = client_for(cora).get(reverse("student_directory"))
    assert "no-store" in response["Cache-Control"]


def test_strict_content_security_policy_on_every_page(client_for, cora):
    student = StudentFactory()
    client = client_for(cora)
    for url in [
        reverse("account_login"),
        reverse("student_directory"),
        reverse("student_detail", args=[student.pk]),
    ]:
        policy = client.get(url)["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy


def test_security_headers(client):
    response = client.get(reverse("account_login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_posts_without_a_csrf_token_are_refused(ada):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)
    response = client.post(reverse("school_settings"), {"school_name": "Hacked"})
    assert response.status_code == 403


def test_the_healthcheck_is_public_and_reveals_nothing(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


# --- the Django admin -----------------------------------------------------------------


def test_admin_sign_in_goes_through_allauth_and_its_2fa(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_admin_is_for_the_school_admin_only(client_for, ada, cora):
    assert client_for(ada).get(reverse("admin:index")).status_code == 200
    cora.is_staff = True
    cora.save(update_fields=["is_staff"])
    assert client_for(cora).get(reverse("admin:index")).status_code in (302, 403)


def test_admin_changes_go_to_the_audit_log(client_for, ada):
    student = StudentFactory(tutor_group="9A")
    url = reverse("admin:enigma_student_change", args=[student.pk])
    client = client_for(ada)
    form = client.get(url).context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data.update(
        {
            "tutor_group": "9B",
            "date_of_birth": student.date_of_birth.isoformat(),
            "contacts-TOTAL_FORMS": 0,
            "contacts-INITIAL_FORMS": 0,
            "staff_links-TOTAL_FORMS": 0,
            "staff_links-INITIAL_FORMS": 0,
        }
    )
    data = {k: v for k, v in data.items() if v is not False}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.get(action="admin.changed")
    assert event.actor == ada and event.data["kind"] == "changed"


# --- single sign-on --------------------------------------------------------------------


class _Account:
    def __init__(self, provider, extra_data):
        self.provider = provider
        self.extra_data = extra_data


class _SocialLogin:
    def __init__(self, provider, extra_data, existing):
        self.account = _Account(provider, extra_data)
        self.is_existing = existing


def _pre_social_login(rf, sociallogin):
    from allauth.core.exceptions import ImmediateHttpResponse
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.fallback import FallbackStorage

    from enigma.auth_adapters import SocialAccountAdapter

    request = rf.get("/accounts/microsoft/login/callback/")
    request.user = AnonymousUser()
    request.session = {}
    request._messages = FallbackStorage(request)
    try:
        SocialAccountAdapter(request).pre_social_login(request, sociallogin)
    except ImmediateHttpResponse as exc:
        return exc.response
    return None


def test_sso_account_not_connected_to_a_staff_account_is_refused(rf):
    refused = _pre_social_login(rf, _SocialLogin("microsoft", {"oid": "x"}, existing=False))
    assert refused is not None and refused.status_code == 302


def test_sso_account_already_connected_by_provider_id_is_accepted(rf):
    assert _pre_social_login(rf, _SocialLogin("microsoft", {"oid": "x"}, existing=True)) is None


def test_google_account_outside_the_school_domain_is_refused(rf, settings):
    settings.ENIGMA_GOOGLE_WORKSPACE_DOMAIN = "school.example.org"
    refused = _pre_social_login(rf, _SocialLogin("google", {"hd": "gmail.com"}, existing=True))
    assert refused is not None
    ok = _pre_social_login(rf, _SocialLogin("google", {"hd": "school.example.org"}, existing=True))
    assert ok is None


def test_sso_never_joins_accounts_on_email(settings):
    assert settings.SOCIALACCOUNT_EMAIL_AUTHENTICATION is False
    assert settings.SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT is False
    assert settings.SOCIALACCOUNT_AUTO_SIGNUP is False


# --- password change and admin reset ---------------------------------------------------


def test_a_person_changes_their_own_password(client_for, cora):
    client = client_for(cora)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "a-new-long-passphrase-26",
            "password2": "a-new-long-passphrase-26",
        },
    )
    assert response.status_code == 302
    cora.refresh_from_db()
    assert cora.check_password("a-new-long-passphrase-26")
    assert AuditEvent.objects.filter(action="auth.password_changed", actor=cora).exists()


def test_short_or_common_passwords_are_refused_with_a_reason(client_for, cora):
    response = client_for(cora).post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "password123", "password2": "password123"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "at least 12 characters" in text or "too common" in text


def test_the_school_admin_resets_a_colleagues_password(client_for, ada, tom):
    url = reverse("admin:auth_user_password_change", args=[tom.pk])
    response = client_for(ada).post(
        url,
        {
            "password1": "temporary-passphrase-77",
            "password2": "temporary-passphrase-77",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    tom.refresh_from_db()
    assert tom.check_password("temporary-passphrase-77")
    assert AuditEvent.objects.filter(action="admin.changed", actor=ada).exists()


def test_the_school_admin_resets_a_colleagues_two_factor(client_for, ada, tom):
    from allauth.mfa.models import Authenticator

    authenticator = Authenticator.objects.get(user=tom, type=Authenticator.Type.TOTP)
    url = reverse("admin:mfa_authenticator_delete", args=[authenticator.pk])
    response = client_for(ada).post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=tom, type=Authenticator.Type.TOTP).exists()
    client = Client()
    client.force_login(tom)
    assert client.get(reverse("student_directory"))["Location"] == reverse("mfa_activate_totp")


def test_sso_buttons_appear_only_when_configured(client, settings):
    assert b"Microsoft" not in client.get(reverse("account_login")).content
    settings.SOCIALACCOUNT_PROVIDERS = {
        "microsoft": {
            "APPS": [
                {
                    "client_id": "id",
                    "secret": "s",
                    "settings": {"tenant": "11111111-2222-3333-4444-555555555555"},
                }
            ]
        },
        "google": {"APPS": [{"client_id": "gid", "secret": "gs"}]},
    }
    page = client.get(reverse("account_login")).content
    assert b"Microsoft" in page and b"Google" in page


def test_entra_sign_in_is_pinned_to_the_schools_tenant(client, settings):
    tenant = "11111111-2222-3333-4444-555555555555"
    settings.SOCIALACCOUNT_PROVIDERS = {
        "microsoft": {"APPS": [{"client_id": "id", "secret": "s", "settings": {"tenant": tenant}}]},
    }
    response = client.post(reverse("microsoft_login"))
    assert response.status_code == 302
    assert f"login.microsoftonline.com/{tenant}/" in response["Location"]
