"""Duration buckets: every duration is in the bucket `bucket_of` names."""
from __future__ import annotations

import random

from ledger_core.contract.stats import DURATION_EDGES_MS
from ledger_core.rollups.buckets import bucket_of, chart_bucket_of, chart_width_of, locate, width_of


def test_every_duration_lies_in_its_bucket() -> None:
    rng = random.Random(1)
    values = list(range(0, 5000)) + [rng.randrange(2**62) for _ in range(5000)] + [2**62, 2**40 - 1, 2**40]
    for value in values:
        lower = bucket_of(value)
        assert lower <= value < lower + width_of(lower)
        assert bucket_of(lower) == lower and bucket_of(lower + width_of(lower) - 1) == lower
        assert width_of(lower) <= max(1, lower // 8)
    assert all(bucket_of(v) == v for v in range(16))


def test_chart_buckets_split_the_buckets_at_the_chart_edges() -> None:
    """Every duration lies in its chart bucket, which lies within its plain bucket, and no
    chart edge falls strictly inside a chart bucket: each edge starts one."""
    rng = random.Random(2)
    values = list(range(0, 70_000)) + [rng.randrange(2**62) for _ in range(5000)]
    for value in values:
        lower = chart_bucket_of(value)
        width = chart_width_of(lower)
        assert lower <= value < lower + width
        assert chart_bucket_of(lower) == lower and chart_bucket_of(lower + width - 1) == lower
        assert bucket_of(lower) <= lower and lower + width <= bucket_of(lower) + width_of(bucket_of(lower))
        assert not any(lower < edge < lower + width for edge in DURATION_EDGES_MS)
    assert all(chart_bucket_of(edge) == edge for edge in DURATION_EDGES_MS)
    assert (chart_bucket_of(49), chart_width_of(48), chart_bucket_of(51), chart_width_of(50)) == (48, 2, 50, 2)


def test_locate_finds_the_bucket_and_the_rank_within_it() -> None:
    counts = [(200, 3), (0, 2), (128, 1)]
    assert [locate(counts, rank) for rank in range(1, 8)] == [
        (0, 1), (0, 2), (128, 1), (200, 1), (200, 2), (200, 3), None]
