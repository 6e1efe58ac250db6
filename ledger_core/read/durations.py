"""The duration distribution of the Stats page (`Ledger.duration_histogram`).

Counts the matching actions per duration bucket, with the stats' parameters and rules
(`StatsRequest`), scoped by `scope.scope_clause` like every other read. The buckets
(`contract.stats.DURATION_EDGES_MS`) are log-spaced: under 10 ms, 10-50 ms, ..., 60 s and
over. The counts of actions below each edge come from the rollups' duration buckets
where the request allows (`rollups.read.durations_below`: exact, with a few index reads
for the edges that fall inside a bucket); otherwise the database counts them in one pass
over the filtered, scoped rows, one conditional count per edge (`count(CASE WHEN
duration_ms < edge THEN 1 END)`). Differences of neighbours give the buckets, which add
up to the stats' `total_actions`.
"""
from __future__ import annotations

from sqlalchemy import Connection, case, func, select

from ..contract.common import Principal
from ..contract.stats import DURATION_EDGES_MS, DurationBucket, StatsRequest
from ..rollups import read as rollups
from ..store.schema import ledger_entries as le
from .filters import where
from .scope import scope_clause


def duration_histogram(conn: Connection, principal: Principal, request: StatsRequest) -> list[DurationBucket]:
    """Matching actions per duration bucket, every bucket listed (zero counts included)."""
    condition = where(conn, scope_clause(principal, le), request)
    counted = rollups.durations_below(conn, principal, request, condition, DURATION_EDGES_MS)
    if counted is None:
        below = [func.count(case((le.c.duration_ms < edge, 1))) for edge in DURATION_EDGES_MS]
        row = conn.execute(select(func.count(), *below).where(condition)).one()
        counted = int(row[0]), [int(value) for value in row[1:]]
    total, cumulative = counted
    lows = (0, *DURATION_EDGES_MS)
    highs: tuple[int | None, ...] = (*DURATION_EDGES_MS, None)
    counts = [b - a for a, b in zip([0, *cumulative], [*cumulative, total])]
    return [DurationBucket(low_ms=low, high_ms=high, count=count) for low, high, count in zip(lows, highs, counts)]
