"""Per-user rate limits (SPEC section 6), kept in the database.

One fixed window per (user, kind) in the `rate_limits` table, so the browser app and
the API (separate processes) spend one budget and a restart does not reset it. Each
call is one atomic upsert:

    INSERT INTO rate_limits (user_id, action, window_start, count) VALUES (:u, :k, :now, 1)
    ON CONFLICT (user_id, action) DO UPDATE SET
        window_start = CASE WHEN rate_limits.window_start <= :now - :window THEN :now
                            ELSE rate_limits.window_start END,
        count        = CASE WHEN rate_limits.window_start <= :now - :window THEN 1
                            ELSE rate_limits.count + 1 END
    RETURNING window_start, count

run in `db.write_transaction` (PostgreSQL locks the row; SQLite takes the write lock
up front). A window opens with a user's first call of that kind and lasts
`window_seconds`; within it the first `limit` calls pass and later ones raise
`RateLimitExceeded` with `retry_after` = whole seconds until the window ends (refused
calls are counted too, but never extend the window).

    limiter = RateLimiter(engine, RateLimits(), clock=time.time)
    limiter.hit("alice", "query")         # -> calls left in this window, or raises
    limiter.remaining("alice", "query")   # -> calls left, without spending one
    limiter.retry_after("alice", "query") # -> 0, or seconds until a call is allowed
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import Engine, case, delete, select

from ..config import RateLimits
from ..errors import RateLimitExceeded
from ..store.db import insert_for, write_transaction
from ..store.schema import rate_limits as rl

KINDS: tuple[str, ...] = ("query", "stats", "export")
Clock = Callable[[], float]


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return f"{minutes} minutes"
    return f"{math.ceil(minutes / 60)} hours"


def _per_window(window: int) -> str:
    if window == 3600:
        return "per hour"
    if window == 60:
        return "per minute"
    if window == 86400:
        return "per day"
    return f"per {window} seconds"


@dataclass(frozen=True)
class RateLimitStatus:
    """A user's budget for one kind of call, right now (what `X-RateLimit-*` headers say).

    `reset_after`: whole seconds until the current window ends; with no open window (no
    call yet, or the last window has ended) the budget is whole and the next call opens a
    window of `window` seconds, so it is `window`."""

    limit: int
    remaining: int
    reset_after: int
    window: int


class RateLimiter:
    """Calls per user and kind ("query", "stats", "export") within a fixed window."""

    def __init__(self, engine: Engine, limits: RateLimits | None = None, *, clock: Clock = time.time) -> None:
        self.engine = engine
        self.limits = limits or RateLimits()
        self.clock = clock

    @property
    def window(self) -> int:
        return int(self.limits.window_seconds)

    def limit_for(self, kind: str) -> int:
        if kind not in KINDS:
            raise ValueError(f"unknown rate-limited kind {kind!r} (one of {', '.join(KINDS)})")
        return int(getattr(self.limits, kind))

    def _upsert(self, user_id: str, kind: str, now: float):  # type: ignore[no-untyped-def]
        expired = rl.c.window_start <= now - self.window
        statement = insert_for(self.engine, rl).values(user_id=user_id, action=kind, window_start=now, count=1)
        return statement.on_conflict_do_update(
            index_elements=[rl.c.user_id, rl.c.action],
            set_={
                "window_start": case((expired, statement.excluded.window_start), else_=rl.c.window_start),
                "count": case((expired, 1), else_=rl.c.count + 1),
            },
        ).returning(rl.c.window_start, rl.c.count)

    def hit(self, user_id: str, kind: str) -> int:
        """Spend one call; returns the calls left in this window or raises `RateLimitExceeded`."""
        limit = self.limit_for(kind)
        now = float(self.clock())
        with write_transaction(self.engine) as conn:
            window_start, count = conn.execute(self._upsert(user_id, kind, now)).one()
        if count > limit:
            wait = self._wait(window_start, now)
            at = datetime.fromtimestamp(now + wait, timezone.utc).strftime("%H:%M:%S UTC")
            raise RateLimitExceeded(
                f"Rate limit exceeded: at most {limit} {kind} calls {_per_window(self.window)} per user. "
                f"Try again in {_duration(wait)} (at {at}).",
                retry_after=wait,
            )
        return limit - count

    def _wait(self, window_start: float, now: float) -> int:
        return max(1, math.ceil(window_start + self.window - now))

    def _current(self, user_id: str, kind: str, now: float) -> tuple[float, int] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(rl.c.window_start, rl.c.count).where(rl.c.user_id == user_id, rl.c.action == kind)
            ).first()
        if row is None or row.window_start <= now - self.window:
            return None
        return float(row.window_start), int(row.count)

    def status(self, user_id: str, kind: str) -> RateLimitStatus:
        """The limit, the calls left and the seconds until the window ends, without
        spending a call (one primary-key lookup)."""
        limit = self.limit_for(kind)
        now = float(self.clock())
        current = self._current(user_id, kind, now)
        if current is None:
            return RateLimitStatus(limit=limit, remaining=limit, reset_after=self.window, window=self.window)
        window_start, count = current
        return RateLimitStatus(limit=limit, remaining=max(0, limit - count),
                               reset_after=self._wait(window_start, now), window=self.window)

    def remaining(self, user_id: str, kind: str) -> int:
        """Calls `user_id` may still make in the current window (none spent by asking)."""
        limit = self.limit_for(kind)
        current = self._current(user_id, kind, float(self.clock()))
        return limit if current is None else max(0, limit - current[1])

    def retry_after(self, user_id: str, kind: str) -> int:
        """0 if a call would pass now, else whole seconds until the window ends."""
        limit = self.limit_for(kind)
        now = float(self.clock())
        current = self._current(user_id, kind, now)
        if current is None or current[1] < limit:
            return 0
        return self._wait(current[0], now)

    def reset(self, user_id: str, kind: str | None = None) -> None:
        """Forget a user's windows (all kinds, or one): an administrator's override."""
        statement = delete(rl).where(rl.c.user_id == user_id)
        if kind is not None:
            statement = statement.where(rl.c.action == kind)
        with write_transaction(self.engine) as conn:
            conn.execute(statement)
