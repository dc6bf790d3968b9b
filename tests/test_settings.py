"""Settings: every environment variable is documented; production is locked down."""

import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_every_environment_variable_read_is_in_env_example():
    read = set()
    for path in (ROOT / "enigma" / "settings").glob("*.py"):
        read |= set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', path.read_text()))
        read |= set(re.findall(r'os\.environ(?:\.get)?\(\s*"([A-Z][A-Z0-9_]+)"', path.read_text()))
    read.discard("ENIGMA_EMBEDDED_TEST_DB")
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read, "the pattern found no variables: has the settings style changed?"
    assert read - documented == set()


def test_production_settings_refuse_to_start_without_a_real_secret_key():
    env = {
        "DJANGO_SETTINGS_MODULE": "enigma.settings.production",
        "SECRET_KEY": "short",
        "DATABASE_URL": "postgres://u:p@127.0.0.1:1/x",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "enigma.settings.production",
    "SECRET_KEY": "k" * 64,
    "DATABASE_URL": "postgres://u:p@127.0.0.1:1/x",
    "CHRONOLOGY_KEYS": f"2026-a={'a' * 43},2027-b={'b' * 43}",
    "CHRONOLOGY_KEY_ID": "2027-b",
    "ENIGMA_SITE_URL": "https://enigma.example.org",
    "PATH": "/usr/bin:/bin",
}


def django_setup(env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("keys", "key_id", "message"),
    [
        (None, None, "CHRONOLOGY_KEYS must be set"),
        ("2026-a=short", "2026-a", "must be 32+ random characters"),
        (f"2026-a={'a' * 43}", "2027-b", "CHRONOLOGY_KEY_ID must name one of the keys"),
    ],
)
def test_production_settings_refuse_to_start_without_a_chronology_key(keys, key_id, message):
    env = {k: v for k, v in PRODUCTION.items() if not k.startswith("CHRONOLOGY")}
    env |= {"CHRONOLOGY_KEYS": keys, "CHRONOLOGY_KEY_ID": key_id} if keys else {}
    result = django_setup(env)
    assert result.returncode != 0
    assert message in result.stderr
    assert django_setup(PRODUCTION).returncode == 0


def test_production_settings_are_https_only():
    env = PRODUCTION
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS >= 31536000, s.ENIGMA_REQUIRE_2FA)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.split() == ["False", "True", "True", "True", "True", "True"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (None, "ENIGMA_SITE_URL must be set"),
        ("enigma.example.org", "is not a web address"),
        ("http://enigma.example.org", "must start with https://"),
        ("https://enigma.example.org/enigma/", "must be only the scheme and host"),
    ],
)
def test_production_settings_refuse_to_start_without_the_sites_address(url, message):
    """Every link in an email is made from it: a bare path reached nobody."""
    env = {k: v for k, v in PRODUCTION.items() if k != "ENIGMA_SITE_URL"}
    env |= {"ENIGMA_SITE_URL": url} if url else {}
    result = django_setup(env)
    assert result.returncode != 0
    assert message in result.stderr


def test_mail_and_redis_waits_are_bounded_and_sending_fits_inside_its_claim():
    """A silent mail server or a hung Redis costs seconds, never a worker or a request;
    the send task's time limits end before the outbox's claim runs out."""
    code = (
        "from django.conf import settings as s; "
        "from notifications import delivery, tasks; "
        "t = tasks.send_notification; "
        "print(s.EMAIL_BACKEND, s.EMAIL_TIMEOUT, s.CACHES['default']['BACKEND'], "
        "s.CELERY_BROKER_TRANSPORT_OPTIONS['socket_timeout'], "
        "s.CELERY_BROKER_TRANSPORT_OPTIONS['socket_connect_timeout'], "
        "t.soft_time_limit < t.time_limit < delivery.claim_timeout().total_seconds(), "
        "delivery.fence() < delivery.claim_timeout(), "
        "s.CELERY_TASK_TIME_LIMIT is not None)"
    )
    env = PRODUCTION | {
        "EMAIL_URL": "smtp+tls://u:p@smtp.example.org:587",
        "REDIS_URL": "redis://redis:6379/0",
    }
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.split() == [
        "enigma.mail.SMTPBackend",
        "30",
        "enigma.cache.FallbackCache",
        "3",
        "2",
        "True",
        "True",
        "True",
    ]


@pytest.mark.django_db
def test_the_connections_start_no_parallel_workers():
    """DATABASE_PARALLEL_WORKERS (0 unless set) reaches every connection: a pupil's file's
    scans had PostgreSQL start two parallel workers each, on the web servers' cores."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
