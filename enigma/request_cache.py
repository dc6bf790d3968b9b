"""Values read once per request: the school's settings rows, asked by the header, the
navigation and the page's own work, are loaded once (RequestCacheMiddleware opens the
scope; outside a request, in tasks, commands and services, nothing is kept).

A row that is saved during the request is forgotten, so the next read sees the change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_values: ContextVar[dict | None] = ContextVar("enigma_request_cache", default=None)


@contextmanager
def request_scope() -> Iterator[None]:
    token = _values.set({})
    try:
        yield
    finally:
        _values.reset(token)


def remembered(key: str, load: Callable[[], T]) -> T:
    """load() once per request under key; every call outside a request loads."""
    values = _values.get()
    if values is None:
        return load()
    if key not in values:
        values[key] = load()
    return values[key]


def forget(key: str) -> None:
    values = _values.get()
    if values is not None:
        values.pop(key, None)


class RequestCacheMiddleware:
    """Opens the request's scope (first in MIDDLEWARE, so it spans every other one)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_scope():
            return self.get_response(request)
