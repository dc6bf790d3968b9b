"""The DSL's home says so when restricted entries open on a password alone: possible only
where two-factor sign-in is not required (the demo), for someone without an app."""

import pytest
from django.test import Client
from django.urls import reverse

from enigma.roles import Role
from tests.conftest import pass_second_factor
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOTICE = "Restricted entries open with your password alone"


def safeguarding_home(client):
    pass_second_factor(client)  # a recent password check, for an account without an app
    return client.get(reverse("records:safeguarding_queue"))


def test_a_dsl_without_an_app_is_told_and_offered_enrolment(settings):
    settings.ENIGMA_REQUIRE_2FA = False
    client = Client()
    client.force_login(UserFactory(roles=[Role.DSL]))
    page = safeguarding_home(client).content.decode()
    assert NOTICE in page
    assert f'href="{reverse("mfa_activate_totp")}"' in page


@pytest.mark.parametrize("required", [True, False])
def test_a_dsl_with_an_app_sees_no_notice(required, settings, client_for, dina):
    settings.ENIGMA_REQUIRE_2FA = required
    response = safeguarding_home(client_for(dina))
    assert response.status_code == 200
    assert NOTICE not in response.content.decode()


def test_where_2fa_is_required_a_dsl_without_an_app_must_enrol_first(settings):
    settings.ENIGMA_REQUIRE_2FA = True
    client = Client()
    client.force_login(UserFactory(roles=[Role.DSL]))
    response = safeguarding_home(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
