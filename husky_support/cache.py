"""The Django cache on Redis, degrading instead of failing: when the cache's Redis is down or slow, a read
is a miss and a write is skipped (logged, at most once a minute), so pages and the API keep answering.
What the cache holds here can be lost: cached sessions fall back to the database (cached_db), and API
throttling counts from zero until the cache is back (it fails open rather than refusing everyone)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

T = TypeVar("T")
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
_LOG_EVERY_SECONDS = 60.0
_last_logged = [0.0]


def _degrade(what: str, fallback: T, call: Callable[[], T]) -> T:
    try:
        return call()
    except UNAVAILABLE as exc:
        now = time.monotonic()
        if now - _last_logged[0] >= _LOG_EVERY_SECONDS:
            _last_logged[0] = now
            logger.warning("Cache unavailable (%s: %s); answering without it", what, exc)
        return fallback


class _ReusedClients(RedisCacheClient):
    """Django's client builds a new redis.Redis object around the same connection pool for every cache call,
    and each build fills its table of ~170 response callbacks (a few hundred calls, on every page's session
    read and every API call's throttle). One object per pool is enough: redis.Redis is thread-safe and
    borrows a connection from the pool per command, as before."""

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]  # Django private, not in the stubs
        clients: dict[int, Any] = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class DegradingRedisCache(RedisCache):
    """django.core.cache.backends.redis.RedisCache whose failures are misses and skipped writes."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusedClients

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return _degrade("get", default, lambda: super(DegradingRedisCache, self).get(key, default, version))

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return _degrade("get_many", {}, lambda: super(DegradingRedisCache, self).get_many(keys, version))

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return _degrade("has_key", False, lambda: super(DegradingRedisCache, self).has_key(key, version))

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        _degrade("set", None, lambda: super(DegradingRedisCache, self).set(key, value, timeout, version))

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return _degrade("add", False, lambda: super(DegradingRedisCache, self).add(key, value, timeout, version))

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return _degrade("touch", False, lambda: super(DegradingRedisCache, self).touch(key, timeout, version))

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[Any]:
        return _degrade(
            "set_many", list(data), lambda: super(DegradingRedisCache, self).set_many(data, timeout, version)
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        return _degrade("delete", False, lambda: super(DegradingRedisCache, self).delete(key, version))

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        _degrade("delete_many", None, lambda: super(DegradingRedisCache, self).delete_many(keys, version))
