"""Celery against a real redis-server: point the app at a broker, run a worker in a thread,
and wait until a worker (in this process or another) has finished everything queued."""

from __future__ import annotations

import contextlib
import uuid

import redis
from celery.contrib.testing.worker import start_worker

from enigma.celery import app
from tests.services import PATIENCE, wait_for

QUEUE = "celery"  # the default queue every task here goes to
UNACKED = "unacked"  # kombu's Redis hash of messages delivered and not yet acknowledged


def point_broker_at(url: str) -> None:
    app.conf.update(
        broker_url=url,
        task_always_eager=False,
        # Fail fast when Redis is down (the outage tests) rather than retry for minutes:
        # a refused connection is immediate, however busy the machine.
        broker_connection_retry=False,
        broker_connection_retry_on_startup=False,
        broker_connection_timeout=10,
        task_publish_retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.1},
    )
    # Drop connections and producers made for the previous broker.
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def broker(url: str):
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    point_broker_at(url)
    try:
        yield
    finally:
        app.conf.update(saved)
        app._pool = None
        app.amqp._producer_pool = None


@contextlib.contextmanager
def worker():
    """A real worker (solo pool) in a thread of this process, for the `with` block."""
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=PATIENCE):
        yield


@app.task(name="tests.idle_marker", bind=True, acks_late=True)
def idle_marker(self, key: str) -> None:
    """Runs when the worker reaches it in the queue. With one worker taking one message at
    a time, nothing else runs meanwhile: if nothing is queued behind it and no other message
    is held (delivered, not acknowledged), the worker has finished everything, including
    what those tasks queued themselves. Otherwise it goes to the back and looks again."""
    client = redis.Redis.from_url(self.app.conf.broker_url)
    try:
        if client.llen(QUEUE) or client.hlen(UNACKED) > 1:  # > 1: it holds itself
            idle_marker.delay(key)
        else:
            client.set(key, 1, ex=3600)
    finally:
        client.close()


def wait_until_idle(redis_url: str, what: str) -> None:
    """Wait until the worker listening on redis_url has run every task queued so far, and
    every task those queued; the broker must be pointed at redis_url (broker())."""
    key = f"tests:idle:{uuid.uuid4().hex}"
    idle_marker.delay(key)
    client = redis.Redis.from_url(redis_url)
    try:
        wait_for(lambda: client.exists(key), f"the worker to finish ({what})")
    finally:
        client.close()
