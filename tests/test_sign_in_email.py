"""No quiet takeover from a signed-in session: changing the sign-in email needs the
password again and a confirmed new address, and tells the old one; the change, password
resets and password changes are audited and the person is told."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from enigma.models import AuditEvent
from enigma.roles import Role
from tests.conftest import give_totp
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW = "cora.new@school.example.org"
ATTACKER = "someone@elsewhere.example"
LIBRARY_WORDING = ["You are receiving this mail", "Hello from", "Thank you for using"]


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()  # allauth sends one confirmation link per address every few minutes


def mail_to(mailoutbox, address):
    return [m for m in mailoutbox if m.to == [address]]


def link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def ask_to_change(client, address):
    return client.post(reverse("account_email"), {"action_add": "", "email": address})


def confirm_password(client, response):
    """The re-authentication allauth asks for; it then carries out what was asked."""
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    return client.post(response["Location"], {"password": PASSWORD})


@pytest.mark.parametrize("with_app", [False, True], ids=["password only (demo)", "with 2FA"])
def test_a_borrowed_session_cannot_move_the_account_to_another_inbox(
    with_app, settings, mailoutbox
):
    # The steps: add an address, make it primary, remove the old one, reset.
    settings.ENIGMA_REQUIRE_2FA = with_app
    cora = UserFactory(email="cora@school.example.org", roles=[Role.COORDINATOR])
    if with_app:
        give_totp(cora)
    client = Client()
    client.force_login(cora)
    ask_to_change(client, ATTACKER)
    client.post(reverse("account_email"), {"action_primary": "", "email": ATTACKER})
    client.post(reverse("account_email"), {"action_remove": "", "email": cora.email})
    Client().post(reverse("account_reset_password"), {"email": ATTACKER})
    cora.refresh_from_db()
    assert cora.email == "cora@school.example.org"
    assert not EmailAddress.objects.filter(email=ATTACKER).exists()
    assert all("/password/reset/key/" not in m.body for m in mail_to(mailoutbox, ATTACKER))


def test_an_address_waiting_to_be_confirmed_gets_no_reset_link(cora, client_for, mailoutbox):
    client = client_for(cora)
    confirm_password(client, ask_to_change(client, NEW))
    Client().post(reverse("account_reset_password"), {"email": NEW})
    confirm, reset = mail_to(mailoutbox, NEW)
    assert confirm.subject.startswith("Confirm your new sign-in email")
    assert reset.subject.startswith("Password request")  # "no staff account uses it"
    assert "/password/reset/key/" not in reset.body


def test_changing_the_sign_in_email_needs_the_password_and_a_confirmed_address(
    cora, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(cora)
    assert "Your sign-in email" in client.get(reverse("account_email")).content.decode()
    response = confirm_password(client, ask_to_change(client, NEW))
    assert response.status_code == 302
    cora.refresh_from_db()
    assert cora.email == "cora@school.example.org"  # not yet: the new inbox must confirm
    (request,) = mail_to(mailoutbox, NEW)
    assert request.subject.startswith("Confirm your new sign-in email")
    assert not any(phrase in request.body for phrase in LIBRARY_WORDING)
    # Even now, with the password confirmed, the unconfirmed address cannot be put first
    # and the current one cannot be removed.
    client.post(reverse("account_email"), {"action_primary": "", "email": NEW})
    client.post(reverse("account_email"), {"action_remove": "", "email": cora.email})
    cora.refresh_from_db()
    assert cora.email == "cora@school.example.org"
    assert EmailAddress.objects.get(user=cora, email=cora.email).primary

    # The link is opened, say on a phone that is not signed in.
    phone = Client()
    page = phone.get(link_in(request)).content.decode()
    assert "<h1>Confirm your new sign-in email</h1>" in page
    with django_capture_on_commit_callbacks(execute=True):
        phone.post(link_in(request))
    cora.refresh_from_db()
    assert cora.email == NEW
    assert list(EmailAddress.objects.filter(user=cora).values_list("email", flat=True)) == [NEW]
    (told,) = mail_to(mailoutbox, "cora@school.example.org")
    assert told.subject.endswith("sign-in email was changed")
    assert NEW in told.body and not any(p in told.body for p in LIBRARY_WORDING)
    event = AuditEvent.objects.get(action="auth.email_changed")
    assert event.actor == cora
    assert (event.data["from"], event.data["to"]) == ("cora@school.example.org", NEW)


def test_a_pending_change_can_be_cancelled_and_the_old_address_keeps_working(
    cora, client_for, mailoutbox
):
    client = client_for(cora)
    confirm_password(client, ask_to_change(client, NEW))
    client.post(reverse("account_email"), {"action_remove": "", "email": NEW})
    assert list(EmailAddress.objects.filter(user=cora).values_list("email", flat=True)) == [
        cora.email
    ]
    (request,) = mail_to(mailoutbox, NEW)
    response = Client().get(link_in(request))
    assert "<h1>This link has expired</h1>" in response.content.decode()


def test_a_password_reset_is_audited_and_the_person_told(
    cora, mailoutbox, django_capture_on_commit_callbacks
):
    client = Client()
    client.post(reverse("account_reset_password"), {"email": cora.email})
    (link_mail,) = mail_to(mailoutbox, cora.email)
    form_url = client.get(link_in(link_mail))["Location"]
    new = "a-brand-new-passphrase-9"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form_url, {"password1": new, "password2": new})
    assert response.status_code == 302
    cora.refresh_from_db()
    assert cora.check_password(new)
    event = AuditEvent.objects.get(action="auth.password_reset")
    assert event.actor == cora and event.object_id == str(cora.pk)
    told = mail_to(mailoutbox, cora.email)[-1]
    assert told.subject.endswith("password was reset")
    assert not any(p in told.body for p in LIBRARY_WORDING)


def test_a_password_change_is_audited_and_the_person_told(
    cora, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(cora).post(
            reverse("account_change_password"),
            {
                "oldpassword": PASSWORD,
                "password1": "a-new-long-passphrase-26",
                "password2": "a-new-long-passphrase-26",
            },
        )
    assert AuditEvent.objects.filter(action="auth.password_changed", actor=cora).exists()
    (told,) = mail_to(mailoutbox, cora.email)
    assert told.subject.endswith("password was changed")
    assert "from the address" in told.body
    assert not any(p in told.body for p in LIBRARY_WORDING)
