"""Shared fixtures: one persona per role, signed-in clients, and real services.

Personas (like alice/bob/charlie): cora the coordinator, sam the SENCO, dee the deputy
head, rita the referrer, tom the class teacher, dina the DSL, ada the school admin, and
nora, who has an account but no role.
"""

import pytest
from allauth.mfa.models import Authenticator

from enigma.roles import Role
from tests.factories import UserFactory

PERSONAS = {
    "cora": [Role.COORDINATOR],
    "sam": [Role.SENCO],
    "dee": [Role.DEPUTY_HEAD],
    "rita": [Role.REFERRER],
    "tom": [Role.CLASS_TEACHER],
    "dina": [Role.DSL],
    "ada": [Role.SCHOOL_ADMIN],
    "nora": [],
}
ROLE_PERSONA = {roles[0]: name for name, roles in PERSONAS.items() if roles}


def give_totp(user) -> str:
    """Enrol a TOTP authenticator so 2FA enforcement lets the user through; returns the
    secret (tests.totp.current_code(secret) gives the code an app would show)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    user.totp_secret = secret
    return secret


def make_persona(name: str, **kwargs):
    user = UserFactory(
        username=name,
        email=f"{name}@school.example.org",
        first_name=name.title(),
        roles=PERSONAS[name],
        is_staff=(name == "ada"),
        **kwargs,
    )
    give_totp(user)
    return user


@pytest.fixture
def personas(db):
    return {name: make_persona(name) for name in PERSONAS}


for _name in PERSONAS:

    def _fixture(db, _name=_name):
        return make_persona(_name)

    globals()[_name] = pytest.fixture(_fixture, name=_name)


@pytest.fixture
def client_for(client):
    """client_for(user): a test client signed in as user (2FA already enrolled)."""
    from django.test import Client

    def make(user):
        c = Client()
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            give_totp(user)
        c.force_login(user)
        return c

    return make


# --- the clock: ENIGMA_TEST_TODAY (tests/clock.py) -------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """Move the clock before any fixture or test runs (and before a test module's
    import-time dates are computed)."""
    from tests import clock

    try:
        config.enigma_test_moment = clock.start_session()
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None


def pytest_unconfigure(config):
    from tests import clock

    clock.stop_session()


# --- real services -------------------------------------------------------------------


def pytest_report_header(config):
    from tests import clock
    from tests.services import REQUIRE, missing_services

    lines = [clock.describe(getattr(config, "enigma_test_moment", None))]
    for name in missing_services():
        verdict = "FAIL the run" if REQUIRE else "be SKIPPED"
        lines.append(
            f"!!! {name} is not installed: tests that need it will {verdict}. "
            f"Install it with `apt-get install {name}`. !!!"
        )
    return lines


@pytest.fixture(scope="session")
def redis_server():
    """A real redis-server on a free loopback port, for the whole session."""
    from tests.services import RedisServer, need

    server = RedisServer(need("redis-server"))
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server):
    import redis

    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    yield redis_server.url
    client.close()


def pass_second_factor(client, *, seconds_ago: float = 0) -> None:
    """Record in client's session that its user passed a 2FA check seconds_ago, as
    allauth does at sign-in and re-authentication (restricted entries ask for one)."""
    import time

    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY

    session = client.session
    # allauth keeps the records only for the user they were made for.
    session["account_authentication_methods_user"] = session["_auth_user_id"]
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "mfa", "type": "totp", "at": time.time() - seconds_ago, "reauthenticated": True}
    ]
    session.save()
