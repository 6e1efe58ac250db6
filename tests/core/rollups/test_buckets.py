"""Duration buckets: every duration is in the bucket `bucket_of` names."""
from __future__ import annotations

import random

from ledger_core.rollups.buckets import bucket_of, locate, width_of


def test_every_duration_lies_in_its_bucket() -> None:
    rng = random.Random(1)
    values = list(range(0, 5000)) + [rng.randrange(2**62) for _ in range(5000)] + [2**62, 2**40 - 1, 2**40]
    for value in values:
        lower = bucket_of(value)
        assert lower <= value < lower + width_of(lower)
        assert bucket_of(lower) == lower and bucket_of(lower + width_of(lower) - 1) == lower
        assert width_of(lower) <= max(1, lower // 8)
    assert all(bucket_of(v) == v for v in range(16))


def test_locate_finds_the_bucket_and_the_rank_within_it() -> None:
    counts = [(200, 3), (0, 2), (128, 1)]
    assert [locate(counts, rank) for rank in range(1, 8)] == [
        (0, 1), (0, 2), (128, 1), (200, 1), (200, 2), (200, 3), None]
