"""Handing outbox rows to the workers, without ever holding up a request.

A request that creates rows (a safeguarding entry's DSL alert) or makes them due again
(an email problem resolved) publishes their send tasks after its response has gone
(enigma.after_response), with the broker's short socket timeouts and no retries. If
Redis is down or hung, that costs a few seconds of a web process after the page has
been sent, and the rows stay pending: the dispatch every 5 minutes sends them.

Without a broker (no REDIS_URL: the demo) the rows are sent in-process instead, after
the response too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from kombu.exceptions import KombuError

from enigma.after_response import after_response
from enigma.celery import app
from notifications import delivery

log = logging.getLogger(__name__)

SEND = "notifications.tasks.send_notification"
SEND_DIGEST = "notifications.tasks.send_digest"


def queue(ids: Iterable[int] = (), digests: Iterable[int] = ()) -> None:
    """Publish send tasks for these rows and these people's digests, once the current
    response (if any) has gone. Call it after the rows have committed."""
    ids, digests = list(ids), list(digests)
    if ids or digests:
        after_response(lambda: publish(ids, digests))


def publish(ids: list[int], digests: list[int]) -> None:
    """Publish now. A broker outage is logged, never raised: the rows stay due."""
    if app.conf.task_always_eager:
        for pk in ids:
            delivery.deliver(pk)
        for user_id in digests:
            delivery.deliver_digest(user_id)
        return
    tasks = [(SEND, pk) for pk in ids] + [(SEND_DIGEST, user_id) for user_id in digests]
    for name, arg in tasks:
        try:
            app.send_task(name, args=[arg], retry=False)
        except KombuError as error:
            log.warning(
                "Could not queue notifications (broker down? %s); the dispatch every "
                "5 minutes will send them",
                error,
            )
            return
