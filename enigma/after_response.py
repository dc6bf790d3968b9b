"""Work a request leaves until its response has gone: publishing to the broker.

A change that commits inside a request (a concern recorded, a role changed) used to
publish its Celery task from the commit, inside the request: with Redis hung, the page
waited until gunicorn killed the worker, and the person saw a 500 for a change that had
been saved. Now the callbacks given to `after_response()` during a request run once the
response is closed (Django's request_finished, sent after the server has written the
response); outside a request (a task, a command, the shell) they run at once.

What is deferred must never be the only record of the work: the outbox keeps its rows
and sends anything not published (notifications.tasks.dispatch_due, every 5 minutes).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.core.signals import request_finished, request_started

log = logging.getLogger(__name__)

_state = threading.local()


def after_response(callback: Callable[[], None]) -> None:
    """Run callback when the response to the current request has been sent, or now."""
    jobs = getattr(_state, "jobs", None)
    if jobs is None:
        callback()
    else:
        jobs.append(callback)


def _started(**kwargs) -> None:
    _state.jobs = []


def _finished(**kwargs) -> None:
    jobs, _state.jobs = getattr(_state, "jobs", None), None
    _run(list(jobs or ()))


def _run(jobs: list) -> None:
    """Each job handles its own failures; one that raises anyway does not stop the rest."""
    if jobs:
        try:
            jobs[0]()
        finally:
            _run(jobs[1:])


def connect() -> None:
    request_started.connect(_started, dispatch_uid="enigma.after_response.started")
    request_finished.connect(_finished, dispatch_uid="enigma.after_response.finished")
