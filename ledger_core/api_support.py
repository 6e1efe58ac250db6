"""What the REST API needs from the core beyond the `Ledger` facade.

`rate_limit_status(limiter, user_id, kind)`: a user's budget for one kind of call
(limit, calls left, seconds until the window ends), without spending a call. The API
sends it as `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` on
every answer of a rate-limited endpoint. `RateLimiter.remaining` and `retry_after`
cannot say when a window that is not yet used up ends; this reads the same row of
`rate_limits` (one primary-key lookup, about 0.1 ms).

    status = rate_limit_status(ledger.limiter, "alice", "query")
    status.limit, status.remaining, status.reset_after     # 1000, 997, 3412
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import select

from .ratelimit import RateLimiter
from .schema import rate_limits as rl


@dataclass(frozen=True)
class RateLimitStatus:
    """`reset_after`: whole seconds until the current window ends; with no open window
    (no call yet, or the last window has ended) the budget is whole and the next call
    opens a window of `window` seconds, so it is `window`."""

    limit: int
    remaining: int
    reset_after: int
    window: int


def rate_limit_status(limiter: RateLimiter, user_id: str, kind: str) -> RateLimitStatus:
    """The budget of `user_id` for `kind` ("query", "stats", "export") right now."""
    limit = limiter.limit_for(kind)
    window = limiter.window
    now = float(limiter.clock())
    with limiter.engine.connect() as conn:
        row = conn.execute(
            select(rl.c.window_start, rl.c.count).where(rl.c.user_id == user_id, rl.c.action == kind)
        ).first()
    if row is None or row.window_start <= now - window:
        return RateLimitStatus(limit=limit, remaining=limit, reset_after=window, window=window)
    reset_after = max(1, math.ceil(float(row.window_start) + window - now))
    return RateLimitStatus(limit=limit, remaining=max(0, limit - int(row.count)),
                           reset_after=reset_after, window=window)
