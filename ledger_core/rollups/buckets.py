"""Duration buckets of `rollup_durations`: exact below 128 ms, then 64 per power of two.

A duration d >= 128 ms falls in the bucket of width w = 2^(bit_length(d) - 7) that starts
at d rounded down to a multiple of w; its lower end L is at least 2^(bit_length(d) - 1) =
64 w. A percentile read from the buckets is the middle integer of the bucket that holds
the exact nearest-rank value v, L + (w - 1) // 2, so it differs from v by at most w / 2
<= L / 128 <= v / 128: a relative error of at most 0.79% (`ERROR_BOUND`), and none below
128 ms. Integer arithmetic only, so every process and both databases agree on the bucket.
"""
from __future__ import annotations

ERROR_BOUND = 1 / 128
"""The largest relative error of a percentile read from the buckets (0.78125%)."""

_EXACT_BELOW = 128


def bucket_of(duration_ms: int) -> int:
    """The lower end of the bucket holding `duration_ms` (its key in the table)."""
    if duration_ms < _EXACT_BELOW:
        return duration_ms
    shift = duration_ms.bit_length() - 7
    return (duration_ms >> shift) << shift


def width_of(lower: int) -> int:
    """The number of integer durations in the bucket that starts at `lower`."""
    if lower < _EXACT_BELOW:
        return 1
    return 1 << (lower.bit_length() - 7)


def representative(lower: int) -> int:
    """The value reported for a percentile that falls in the bucket starting at `lower`."""
    return lower + (width_of(lower) - 1) // 2


def locate(counts: list[tuple[int, int]], rank: int) -> tuple[int, int] | None:
    """(bucket, rank within it) of the `rank`-th (1-based) smallest duration, from
    (bucket, count) pairs in any order; None when there are fewer than `rank` durations."""
    seen = 0
    for lower, count in sorted(counts):
        if seen + count >= rank:
            return lower, rank - seen
        seen += count
    return None
