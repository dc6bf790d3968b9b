"""Celery and the cache against a real redis-server on loopback."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.utils import timezone

from enigma.tasks import clear_expired_sessions
from tests.celery_helpers import broker, wait_until_idle, worker
from tests.services import wait_for

pytestmark = [pytest.mark.redis]


@pytest.mark.django_db(transaction=True)
def test_a_task_sent_through_redis_is_run_by_a_real_worker(redis_url):
    Session.objects.create(
        session_key="old", session_data="x", expire_date=timezone.now() - dt.timedelta(days=1)
    )
    Session.objects.create(
        session_key="live", session_data="x", expire_date=timezone.now() + dt.timedelta(days=1)
    )
    with broker(redis_url), worker():
        clear_expired_sessions.delay()
        wait_for(
            lambda: not Session.objects.filter(session_key="old").exists(),
            "the worker to clear the expired session",
        )
        wait_until_idle(redis_url, "the task")
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


def test_clear_expired_sessions_is_idempotent(db):
    Session.objects.create(
        session_key="old", session_data="x", expire_date=timezone.now() - dt.timedelta(days=1)
    )
    assert clear_expired_sessions() == 1
    assert clear_expired_sessions() == 0


def test_the_cache_shares_state_between_processes_through_redis(redis_url, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    caches["default"].set("enigma-probe", "shared", 30)
    import redis

    assert redis.Redis.from_url(redis_url).exists(":1:enigma-probe") == 1


def test_the_fallback_cache_uses_redis_while_it_answers(redis_url, settings):
    """Shared by every web process through Redis; only while Redis does not answer does
    a process keep its own (tests/test_notifications_outages.py signs in then)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "enigma.cache.FallbackCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "enigma",
            "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
        }
    }
    cache = caches["default"]
    assert cache.add("enigma-probe", "shared", 30) and not cache.add("enigma-probe", "x", 30)
    import redis

    assert redis.Redis.from_url(redis_url).get("enigma:1:enigma-probe") is not None
    assert cache.get("enigma-probe") == "shared" and not cache.using_fallback
