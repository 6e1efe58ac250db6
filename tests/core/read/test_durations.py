"""The duration histogram of the Stats page (`Ledger.duration_histogram`), on both backends."""
from __future__ import annotations

import pytest

from ledger_core import LedgerValidationError
from ledger_core.contract.stats import DURATION_EDGES_MS
from tests.ui.helpers import seed


def counts(buckets) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {bucket.label: bucket.count for bucket in buckets if bucket.count}


def test_buckets_count_each_duration_once_within_scope(ledger):  # type: ignore[no-untyped-def]
    seed(ledger)
    alice = ledger.principal("alice")
    # alice: 10, 20, ..., 60 ms (run a1) and 1500..1503 ms (run a2)
    assert counts(ledger.duration_histogram(alice)) == {"10–50 ms": 4, "50–100 ms": 2, "1–2.5 s": 4}
    buckets = ledger.duration_histogram(ledger.principal("root"))
    assert [b.label for b in buckets][0] == "< 10 ms" and buckets[-1].label == "≥ 60 s"
    assert len(buckets) == len(DURATION_EDGES_MS) + 1
    assert sum(b.count for b in buckets) == ledger.stats(ledger.principal("root")).total_actions == 16
    assert counts(buckets)["30–60 s"] == 3  # heidi's 40 s actions (globex)
    assert "30–60 s" not in counts(ledger.duration_histogram(ledger.principal("bob")))


def test_same_filters_as_stats(ledger):  # type: ignore[no-untyped-def]
    seed(ledger)
    alice = ledger.principal("alice")
    assert counts(ledger.duration_histogram(alice, agent_id="alice-bot")) == {"1–2.5 s": 4}
    assert counts(ledger.duration_histogram(alice, start_date="2025-01-02", end_date="2025-01-02")) == {
        "1–2.5 s": 4}
    with pytest.raises(LedgerValidationError) as refused:
        ledger.duration_histogram(alice, start_date="2025-01-03", end_date="2025-01-01")
    assert refused.value.field == "start_date"
    with pytest.raises(LedgerValidationError) as refused:
        ledger.duration_histogram(alice, outcome="error")
    assert refused.value.field == "outcome"
