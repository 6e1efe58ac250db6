"""`ledger_core.api_support.rate_limit_status`: the budget the API reports in X-RateLimit-* headers."""
from __future__ import annotations

import pytest

from ledger_core import RateLimiter, RateLimitExceeded
from ledger_core.api_support import RateLimitStatus, rate_limit_status

T0 = 1_800_000_000.0


class FakeClock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_status_follows_the_window(ledger) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    limiter = RateLimiter(ledger.engine, clock=clock)  # default limits: 1000/600/100 an hour
    # no call yet: the whole budget, and the next call opens a full window
    assert rate_limit_status(limiter, "alice", "export") == RateLimitStatus(100, 100, 3600, 3600)
    limiter.hit("alice", "export")
    clock.now += 100.4
    limiter.hit("alice", "export")
    status = rate_limit_status(limiter, "alice", "export")
    assert (status.limit, status.remaining, status.reset_after) == (100, 98, 3500)  # ceil(3499.6)
    # asking spends nothing; other kinds and users are separate
    assert rate_limit_status(limiter, "alice", "export").remaining == 98
    assert rate_limit_status(limiter, "alice", "query").remaining == 1000
    assert rate_limit_status(limiter, "bob", "export").remaining == 100
    # used up: remaining stays 0 (refused calls are counted but never go below 0)
    for _ in range(98):
        limiter.hit("alice", "export")
    with pytest.raises(RateLimitExceeded) as caught:
        limiter.hit("alice", "export")
    status = rate_limit_status(limiter, "alice", "export")
    assert status.remaining == 0
    assert status.reset_after == caught.value.retry_after == limiter.retry_after("alice", "export")
    # the window ends: a whole budget again
    clock.now = T0 + 3600
    assert rate_limit_status(limiter, "alice", "export") == RateLimitStatus(100, 100, 3600, 3600)


def test_unknown_kind_is_refused(ledger) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="unknown rate-limited kind"):
        rate_limit_status(RateLimiter(ledger.engine), "alice", "ingest")
