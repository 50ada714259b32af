"""When to try a failed webhook delivery again: exponential backoff with jitter and a cap. Pure.

Attempt n (1-based) that failed is retried after base * 2**(n-1), capped at `cap`, scaled by a jitter
factor in [1 - spread, 1 + spread) so that endpoints failing together do not retry in lockstep. A delivery
whose next attempt would fall later than `give_up_after` past its first attempt is given up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=6)
    give_up_after: timedelta = timedelta(days=3)
    spread: float = 0.2


def retry_delay(attempt: int, *, jitter: float, policy: RetryPolicy) -> timedelta:
    """The wait after failed attempt `attempt` (>= 1); `jitter` is a uniform random value in [0, 1)."""
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    if not 0.0 <= jitter < 1.0:
        raise ValueError("jitter is in [0, 1)")
    exponent = min(attempt - 1, 32)  # 2**32 * 30 s is already far past any cap
    raw = min(policy.base * (1 << exponent), policy.cap)
    factor = 1.0 - policy.spread + 2.0 * policy.spread * jitter
    return raw * factor


def next_attempt_at(
    *, attempt: int, first_attempt_at: datetime, now: datetime, jitter: float, policy: RetryPolicy
) -> datetime | None:
    """When to try again after failed attempt `attempt` made at `now`, or None to give up."""
    candidate = now + retry_delay(attempt, jitter=jitter, policy=policy)
    if candidate - first_attempt_at > policy.give_up_after:
        return None
    return candidate


@dataclass(frozen=True, kw_only=True)
class DisablePolicy:
    min_failures: int = 10
    failing_for: timedelta = timedelta(hours=24)


def should_disable(
    *, consecutive_failures: int, failing_since: datetime | None, now: datetime, policy: DisablePolicy
) -> bool:
    """An endpoint is disabled once every attempt has failed for `failing_for` and at least `min_failures`
    times: a burst of failures during a short outage of the receiver is not enough, nor is one slow retry."""
    if failing_since is None:
        return False
    return consecutive_failures >= policy.min_failures and now - failing_since >= policy.failing_for
