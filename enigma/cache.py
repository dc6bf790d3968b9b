"""The shared cache: Redis, with a per-process stand-in while Redis does not answer.

allauth keeps its sign-in rate limits and the TOTP codes already used in the cache. With
Redis stopped or hung, Django's Redis cache raises (or waits), and signing in became a
500. Here every Redis call has short socket timeouts (settings: OPTIONS), and a call that
fails switches this process to its own memory cache for `retry_after` seconds before
Redis is asked again. The limits still apply meanwhile, counted by each web process
rather than by all of them together (README, "When Redis or the mail server is down").
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


class FallbackCache(BaseCache):
    def __init__(self, server, params):
        super().__init__(params)
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("retry_after", 30))
        own = {k: v for k, v in params.items() if k != "OPTIONS"}
        self.primary = RedisCache(server, {**own, "OPTIONS": options})
        # LocMemCache instances of one name share their data within the process.
        self.fallback = LocMemCache("enigma-redis-fallback", own)
        self._down_until = 0.0

    @property
    def using_fallback(self) -> bool:
        return time.monotonic() < self._down_until

    def _call(self, method: str, *args, **kwargs):
        if not self.using_fallback:
            try:
                return getattr(self.primary, method)(*args, **kwargs)
            except RedisError as error:
                log.warning(
                    "The Redis cache did not answer (%s); this process uses its own cache "
                    "for %.0f s",
                    error,
                    self.retry_after,
                )
                self._down_until = time.monotonic() + self.retry_after
        return getattr(self.fallback, method)(*args, **kwargs)

    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def clear(self):
        return self._call("clear")

    def close(self, **kwargs):
        self.primary.close(**kwargs)
