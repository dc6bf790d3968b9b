"""Behind the TLS proxy each person is known by their own address: for the sign-in rate
limits and in the audit log. X-Forwarded-For is believed only from a trusted proxy."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from enigma.audit import client_address
from enigma.models import AuditEvent
from tests.factories import PASSWORD
from tests.totp import current_code

pytestmark = pytest.mark.django_db

PROXY = "172.18.0.1"  # the Docker bridge gateway the host's proxy arrives from
CLIENT_A = "198.51.100.10"
CLIENT_B = "203.0.113.20"


@pytest.fixture(autouse=True)
def behind_the_proxy(settings):
    from django.core.cache import cache

    cache.clear()  # the rate limits' counts, from other tests at the same addresses
    settings.ENIGMA_TRUSTED_PROXIES = ["172.16.0.0/12", "127.0.0.1"]


def through_proxy(client_ip: str, *, forwarded: str | None = None) -> dict:
    """Request headers as the proxy sends them: the client's address appended."""
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded or client_ip}


def sign_in(client, user, **headers):
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, **headers
    )
    if response.status_code == 302 and "authenticate" in response["Location"]:
        response = client.post(
            reverse("mfa_authenticate"), {"code": current_code(user.totp_secret)}, **headers
        )
    return response


def test_five_wrong_passwords_from_one_client_do_not_lock_out_another_behind_the_proxy(cora):
    for _ in range(5):
        Client().post(
            reverse("account_login"),
            {"login": cora.email, "password": "nope"},
            **through_proxy(CLIENT_A),
        )
    locked = sign_in(Client(), cora, **through_proxy(CLIENT_A))
    assert b"Too many failed login attempts" in locked.content
    # Cora at another computer, through the same proxy, signs in.
    assert sign_in(Client(), cora, **through_proxy(CLIENT_B)).status_code == 302


def test_audit_rows_hold_the_clients_own_address_not_the_proxys(cora):
    Client().post(
        reverse("account_login"),
        {"login": "nobody@school.example.org", "password": "x"},
        **through_proxy(CLIENT_A),
    )
    sign_in(Client(), cora, **through_proxy(CLIENT_B))
    assert AuditEvent.objects.get(action="auth.sign_in_failed").ip_address == CLIENT_A
    assert AuditEvent.objects.get(action="auth.signed_in", actor=cora).ip_address == CLIENT_B


def test_a_forged_forwarded_for_from_an_untrusted_peer_is_ignored(cora):
    # Someone reaching the server directly names a colleague's address, hoping to lock
    # them out or to hide: they are counted and audited at their own address.
    forged = {"REMOTE_ADDR": CLIENT_A, "HTTP_X_FORWARDED_FOR": CLIENT_B}
    for _ in range(5):
        Client().post(reverse("account_login"), {"login": cora.email, "password": "no"}, **forged)
    assert {e.ip_address for e in AuditEvent.objects.filter(action="auth.sign_in_failed")} == {
        CLIENT_A
    }
    assert sign_in(Client(), cora, **through_proxy(CLIENT_B)).status_code == 302


def test_a_forged_hop_left_of_the_proxys_is_not_believed():
    # The client sent "X-Forwarded-For: 192.0.2.99"; the proxy appended the real address.
    request = RequestFactory().get(
        "/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.99, {CLIENT_A}"
    )
    assert client_address(request) == CLIENT_A


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        (CLIENT_A, None, CLIENT_A),  # no proxy at all
        (PROXY, None, PROXY),  # the proxy itself asking (nothing forwarded)
        (PROXY, f"{CLIENT_B}, 172.20.0.5", CLIENT_B),  # two trusted hops
        (PROXY, "127.0.0.1", "127.0.0.1"),  # a request made on the proxy's own host
        (PROXY, "not-an-address", PROXY),  # a broken header: believe nothing in it
        (PROXY, "[2001:db8::7]:51000", "2001:db8::7"),
        (PROXY, f"{CLIENT_B}:443", CLIENT_B),
        ("::ffff:172.18.0.1", CLIENT_A, CLIENT_A),  # an IPv4 proxy seen over IPv6
    ],
)
def test_the_client_address_rule(remote, forwarded, expected):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_address(RequestFactory().get("/", **headers)) == expected


def test_without_trusted_proxies_forwarded_for_is_never_believed(settings):
    settings.ENIGMA_TRUSTED_PROXIES = []
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT_A)
    assert client_address(request) == PROXY
