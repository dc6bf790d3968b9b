"""Celery and the cache against a real redis-server on loopback."""

import datetime as dt
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.utils import timezone

from enigma.celery import app
from enigma.tasks import clear_expired_sessions

pytestmark = [pytest.mark.redis]


@pytest.mark.django_db(transaction=True)
def test_a_task_sent_through_redis_is_run_by_a_real_worker(redis_url):
    Session.objects.create(
        session_key="old", session_data="x", expire_date=timezone.now() - dt.timedelta(days=1)
    )
    Session.objects.create(
        session_key="live", session_data="x", expire_date=timezone.now() + dt.timedelta(days=1)
    )
    saved = dict(app.conf)
    app.conf.update(
        broker_url=redis_url,
        task_always_eager=False,
        broker_connection_retry=False,
        broker_connection_retry_on_startup=False,
    )
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            clear_expired_sessions.delay()
            deadline = time.monotonic() + 20
            while Session.objects.filter(session_key="old").exists():
                assert time.monotonic() < deadline, "the worker did not run the task in 20 s"
                time.sleep(0.1)
    finally:
        app.conf.update(
            broker_url=saved["broker_url"], task_always_eager=saved["task_always_eager"]
        )
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
