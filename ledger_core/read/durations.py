"""The duration distribution of the Stats page (`Ledger.duration_histogram`).

Counts the matching actions per duration bucket, with the stats' parameters and rules
(`StatsRequest`), scoped by `scope.scope_clause` like every other read. The buckets
(`contract.stats.DURATION_EDGES_MS`) are log-spaced: under 10 ms, 10-50 ms, ..., 60 s and
over. The counts of actions below each edge come from the rollups' duration buckets
where the request allows (`rollups.read.durations_below`: exact, with a few index reads
for the edges that fall inside a bucket); otherwise the database counts the actions per
bucket in one pass over the filtered, scoped rows, grouped by `bucket_index`; the stats can count them with
theirs in the same pass (`read.stats.run_stats_view`). Either way the buckets add up to
the stats' `total_actions`.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from sqlalchemy import Connection, case, func, select

from ..contract.common import Principal
from ..contract.stats import DURATION_EDGES_MS, DurationBucket, StatsRequest
from ..rollups import read as rollups
from ..store.schema import ledger_entries as le
from .filters import where
from .scope import scope_clause

_LOWS = (0, *DURATION_EDGES_MS)
_HIGHS: tuple[int | None, ...] = (*DURATION_EDGES_MS, None)


def duration_histogram(conn: Connection, principal: Principal, request: StatsRequest,
                       buckets: list[tuple[int, int]] | None = None) -> list[DurationBucket]:
    """Matching actions per duration bucket, every bucket listed (zero counts included);
    `buckets`: the rollups' duration buckets of the request, when already read."""
    condition = where(conn, scope_clause(principal, le), request)
    counted = rollups.durations_below(conn, principal, request, condition, DURATION_EDGES_MS, buckets)
    if counted is None:
        bucket = bucket_index(le.c.duration_ms)
        found = conn.execute(select(bucket, func.count()).where(condition).group_by(bucket)).all()
        return from_counts({int(index): int(n) for index, n in found})
    total, cumulative = counted
    return _buckets([b - a for a, b in zip([0, *cumulative], [*cumulative, total])])


def bucket_index(duration: Any) -> Any:
    """The position of a duration's bucket (0: under the first edge), in SQL."""
    return case(*[(duration < edge, i) for i, edge in enumerate(DURATION_EDGES_MS)], else_=len(DURATION_EDGES_MS))


def from_counts(counts: Mapping[int, int]) -> list[DurationBucket]:
    """The histogram from the number of actions per `bucket_index` (absent: none)."""
    return _buckets([counts.get(i, 0) for i in range(len(_LOWS))])


def _buckets(counts: Sequence[int]) -> list[DurationBucket]:
    return [DurationBucket(low_ms=low, high_ms=high, count=count) for low, high, count in zip(_LOWS, _HIGHS, counts)]
