"""Ledger logic the browser app needs that the core did not offer: the duration histogram.

The Stats page charts the distribution of action durations (issue #6); `Ledger.stats`
gives only the average and the p50 / p95. `duration_histogram(ledger, principal, ...)`
counts the matching actions per duration bucket, with the stats' parameters and rules
(start_date, end_date, agent_id; `StatsRequest.parse` validates them, naming the field),
scoped by `scope.scope_clause` like every other read.

The buckets are log-spaced (`DURATION_EDGES_MS`: under 10 ms, 10-50 ms, ..., 60 s and
over), because agent actions range from a few milliseconds to minutes. The database
counts them in one pass: one conditional count per edge (`count(CASE WHEN duration_ms <
edge THEN 1 END)`) over the filtered, scoped rows; differences of neighbours give the
buckets. The bucket counts add up to the stats' `total_actions` for the same request.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import case, func, select

from .filters import where
from .ledger import Ledger
from .models import Principal
from .schema import ledger_entries as le
from .scope import scope_clause
from .stats import StatsRequest

DURATION_EDGES_MS: tuple[int, ...] = (10, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000)


class DurationBucket(BaseModel):
    """Actions with `low_ms <= duration_ms < high_ms` (`high_ms` None: no upper bound)."""

    model_config = ConfigDict(frozen=True)

    low_ms: int
    high_ms: int | None
    count: int

    @property
    def label(self) -> str:
        """`< 10 ms`, `10-50 ms`, `500 ms-1 s`, `1-2.5 s`, `>= 60 s`."""
        def text(ms: int) -> tuple[str, str]:
            return (f"{ms / 1000:g}", "s") if ms >= 1000 else (str(ms), "ms")

        if self.high_ms is None:
            return "≥ " + " ".join(text(self.low_ms))
        if self.low_ms == 0:
            return "< " + " ".join(text(self.high_ms))
        (low, low_unit), (high, high_unit) = text(self.low_ms), text(self.high_ms)
        return f"{low}–{high} {high_unit}" if low_unit == high_unit else f"{low} {low_unit}–{high} {high_unit}"


def duration_histogram(ledger: Ledger, principal: Principal, *, start_date: Any = None, end_date: Any = None,
                       agent_id: Any = None, **unexpected: Any) -> list[DurationBucket]:
    """Matching actions per duration bucket, every bucket listed (zero counts included)."""
    request = StatsRequest.parse(start_date=start_date, end_date=end_date, agent_id=agent_id, **unexpected)
    with ledger.engine.connect() as conn:
        condition = where(conn, scope_clause(principal, le), request.filters())
        below = [func.count(case((le.c.duration_ms < edge, 1))) for edge in DURATION_EDGES_MS]
        row = conn.execute(select(func.count(), *below).where(condition)).one()
    total, cumulative = int(row[0]), [int(value) for value in row[1:]]
    lows = (0, *DURATION_EDGES_MS)
    highs: tuple[int | None, ...] = (*DURATION_EDGES_MS, None)
    counts = [b - a for a, b in zip([0, *cumulative], [*cumulative, total])]
    return [DurationBucket(low_ms=low, high_ms=high, count=count) for low, high, count in zip(lows, highs, counts)]
