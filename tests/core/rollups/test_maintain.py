"""Backfill (migration 0004) builds the same rollups as ingest keeps, row for row."""
from __future__ import annotations

import random

from sqlalchemy import select

from ledger_core.rollups.maintain import backfill
from ledger_core.store.schema import ROLLUP_TABLES
from tests.core.rollups.test_read import PEOPLE, _entries


def _contents(ledger):  # type: ignore[no-untyped-def]
    with ledger.engine.connect() as conn:
        return {table.name: sorted(tuple(map(str, row)) for row in conn.execute(select(table)))
                for table in ROLLUP_TABLES}


def test_backfill_equals_what_ingest_kept(ledger, monkeypatch):  # type: ignore[no-untyped-def]
    for name, org, role in PEOPLE:
        ledger.add_user(name, org_id=org, role=role)
    rng = random.Random(4)
    ledger.ingest(_entries(rng, 300))
    ledger.ingest(_entries(rng, 200))
    kept = _contents(ledger)
    assert all(kept.values())
    with ledger.engine.begin() as conn:
        for table in ROLLUP_TABLES:
            conn.execute(table.delete())
        monkeypatch.setattr("ledger_core.rollups.maintain.BACKFILL_BATCH", 70)  # several batches
        assert backfill(conn) == 500
    assert _contents(ledger) == kept
