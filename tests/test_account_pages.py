"""The sign-in, password and two-factor pages speak the product's plain UK English,
not the library's defaults, and keep working."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

# Phrases from django-allauth's own templates that must not reach our users.
LIBRARY_WORDING = [
    "Two-Factor Authentication",
    "Forgot your password",
    "Reset My Password",
    "Confirm Access",
    "Please reauthenticate",
    "Deactivate Authenticator App",
    "Please contact us",
]

PAGES = [
    # (url name, heading we expect, signed in?)
    ("mfa_index", "Two-factor sign-in", True),
    ("mfa_view_recovery_codes", "Recovery codes", True),
    ("mfa_generate_recovery_codes", "Make new recovery codes", True),
    ("mfa_deactivate_totp", "Turn off the authenticator app", True),
    ("account_change_password", "Change your password", True),
    ("account_reauthenticate", "Confirm it is you", True),
    ("account_logout", "Sign out", True),
    ("account_reset_password", "Forgotten your password?", False),
    ("account_reset_password_done", "Check your email", False),
]


def recently_confirmed(client):
    """Confirm the password again, as pages that change sign-in methods demand."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()
    return client


@pytest.mark.parametrize(("name", "heading", "signed_in"), PAGES)
def test_account_pages_use_our_words(name, heading, signed_in, client, client_for, cora):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    RecoveryCodes.activate(cora)
    http = recently_confirmed(client_for(cora)) if signed_in else client
    response = http.get(reverse(name))
    assert response.status_code == 200, name
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page.replace("&#x27;", "'")
    for phrase in LIBRARY_WORDING:
        assert phrase not in page, (name, phrase)


def test_recovery_codes_are_listed_for_their_owner(client_for, cora):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    codes = RecoveryCodes.activate(cora).get_unused_codes()
    client = recently_confirmed(client_for(cora))
    page = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    assert "10 of 10 codes unused" in page
    assert all(code in page for code in codes)


def test_an_expired_reset_link_says_so(client):
    url = reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "bad-key"})
    page = client.get(url, follow=True).content.decode()
    assert "<h1>This link has expired</h1>" in page


def test_pages_that_change_sign_in_methods_ask_to_confirm_first(client_for, cora):
    client = client_for(cora)
    response = client.get(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    page = client.get(response["Location"]).content.decode()
    assert "<h1>Confirm it is you</h1>" in page
    wrong = client.post(reverse("account_reauthenticate"), {"password": "not-it"})
    assert wrong.status_code == 200 and "field--error" in wrong.content.decode()


def test_password_fields_have_our_labels_and_no_reset_link_inside(client_for, cora):
    page = client_for(cora).get(reverse("account_change_password")).content.decode()
    assert "Current password" in page and "New password again" in page
    assert "At least 12 characters, and not a common password." in page
    assert "placeholder=" not in page
    assert page.count(reverse("account_reset_password")) == 1  # ours, under the form


def test_the_reset_email_names_the_room_and_offers_no_sign_up(client, cora, mailoutbox):
    from enigma.models import SchoolSettings

    SchoolSettings.load()
    SchoolSettings.objects.update(room_name="Learning base", school_name="Hill School")
    client.post(reverse("account_reset_password"), {"email": cora.email})
    client.post(reverse("account_reset_password"), {"email": "stranger@example.org"})
    known, unknown = mailoutbox
    assert known.to == [cora.email]
    assert known.subject == "Choose a new password for Learning base"
    assert "Hill School" in known.body and "/accounts/password/reset/key/" in known.body
    assert unknown.subject == "Password request for Learning base"
    assert "sign up" not in unknown.body.lower() and "school admin" in unknown.body


@pytest.mark.django_db
def test_signing_in_greets_the_person_by_the_name_colleagues_see():
    from django.template.loader import render_to_string

    from tests.factories import UserFactory

    user = UserFactory(username="dee", display_name="Ms Okafor")
    text = render_to_string("account/messages/logged_in.txt", {"user": user}).strip()
    assert text == "Signed in as Ms Okafor."
