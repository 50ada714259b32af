"""The API's per-user rate in one cache round trip.

DRF's UserRateThrottle keeps a list of the user's request times in the cache: every authenticated call reads
it and writes it back (two Redis round trips, and a pickled list as long as the rate, 1,200 a minute). This
one counts the user's calls in fixed windows of the rate's duration: one pipelined `SET NX EX` + `INCR` on
Redis. A window boundary can let up to twice the rate through in a short burst; the rate still bounds every
window, which is what it protects. As with the rest of the cache (husky_support.cache), a cache that is down
lets the call through rather than refusing everyone.
"""

from __future__ import annotations

from typing import Any

from rest_framework import throttling

from husky_support.cache import _degrade


def _count(cache: Any, key: str, ttl: int) -> int | None:
    """Add one to `key` (created with `ttl` seconds to live) and return the new count; None when the cache is
    unavailable."""
    client_of = getattr(getattr(cache, "_cache", None), "get_client", None)
    if client_of is None:  # not Redis (the local-memory cache without REDIS_URL): two calls, no round trip
        cache.add(key, 0, ttl)
        try:
            return int(cache.incr(key))
        except ValueError:  # expired between the two calls
            cache.add(key, 1, ttl)
            return 1

    def pipelined() -> int:
        full_key = cache.make_and_validate_key(key)
        pipe = client_of(full_key, write=True).pipeline(transaction=False)
        pipe.set(full_key, 0, ex=ttl, nx=True)
        pipe.incr(full_key)
        return int(pipe.execute()[1])

    return _degrade("throttle", None, pipelined)


class UserRateThrottle(throttling.UserRateThrottle):
    """DRF's "user" rate (settings DEFAULT_THROTTLE_RATES), counted per fixed window in one round trip."""

    window_end: float = 0.0

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_end = (window + 1) * self.duration
        count = _count(self.cache, f"{self.key}:w{window}", self.duration + 1)
        return count is None or count <= self.num_requests

    def wait(self) -> float | None:
        return max(0.0, self.window_end - self.now)
