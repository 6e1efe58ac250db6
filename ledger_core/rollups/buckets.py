"""Duration buckets of `rollup_durations`: exact below 16 ms, then 8 per power of two.

A duration d >= 16 ms falls in the bucket of width w = 2^(bit_length(d) - 4) that starts
at d rounded down to a multiple of w. The buckets only locate a percentile: their counts
give the bucket that holds the nearest-rank value and its rank there, and the exact value
is then read from the entries of that one bucket (`rollups.read`), so percentiles equal
those of the entries. Coarse buckets keep the table small (a bucket per 9-12% of
durations); integer arithmetic only, so every process and both databases agree.
"""
from __future__ import annotations

from ..contract.stats import DURATION_EDGES_MS

_EXACT_BELOW = 16
_PER_OCTAVE_BITS = 3  # 8 buckets per power of two


def bucket_of(duration_ms: int) -> int:
    """The lower end of the bucket holding `duration_ms` (its key in the table)."""
    if duration_ms < _EXACT_BELOW:
        return duration_ms
    shift = duration_ms.bit_length() - 1 - _PER_OCTAVE_BITS
    return (duration_ms >> shift) << shift


def width_of(lower: int) -> int:
    """The number of integer durations in the bucket that starts at `lower`."""
    if lower < _EXACT_BELOW:
        return 1
    return 1 << (lower.bit_length() - 1 - _PER_OCTAVE_BITS)


def chart_bucket_of(duration_ms: int) -> int:
    """The lower end of `duration_ms`'s bucket when the buckets are split at the Stats
    page's chart edges (`DURATION_EDGES_MS`), as `rollup_compliance_durations` keeps them:
    a chart edge inside a bucket starts a bucket of its own, so that the chart adds up
    whole buckets and reads no entries (at most one edge falls inside a bucket: they are
    2x apart or more, a bucket at most 1/8 wide)."""
    lower = bucket_of(duration_ms)
    for edge in DURATION_EDGES_MS:
        if lower < edge <= duration_ms:
            return edge
    return lower


def chart_width_of(lower: int) -> int:
    """The number of integer durations in the `chart_bucket_of` bucket that starts at
    `lower`."""
    base = bucket_of(lower)
    end = base + width_of(base)
    for edge in DURATION_EDGES_MS:
        if lower < edge < end:
            return edge - lower
    return end - lower


def locate(counts: list[tuple[int, int]], rank: int) -> tuple[int, int] | None:
    """(bucket, rank within it) of the `rank`-th (1-based) smallest duration, from
    (bucket, count) pairs in any order; None when there are fewer than `rank` durations."""
    seen = 0
    for lower, count in sorted(counts):
        if seen + count >= rank:
            return lower, rank - seen
        seen += count
    return None
