"""Backfill (migrations 0007 and 0010) builds the same rollups as ingest keeps, row for row."""
from __future__ import annotations

import random
from functools import partial

from sqlalchemy import select, text

from ledger_core.rollups.maintain import backfill, backfill_compliance, backfill_counts
from ledger_core.store.schema import (
    ROLLUP_TABLES,
    compliance_profiles,
    rollup_action_outcomes,
    rollup_actions,
)
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


def test_a_backfill_fills_only_the_tables_it_is_given(ledger):  # type: ignore[no-untyped-def]
    """Migration 0007 backfills its four tables while rollup_action_outcomes (0010) does
    not exist yet: `backfill` writes only the tables named."""
    for name, org, role in PEOPLE:
        ledger.add_user(name, org_id=org, role=role)
    ledger.ingest(_entries(random.Random(6), 120))
    kept = _contents(ledger)
    with ledger.engine.begin() as conn:
        for table in ROLLUP_TABLES:
            conn.execute(table.delete())
        assert backfill(conn, (rollup_actions,)) == 120
    after = _contents(ledger)
    assert after["rollup_actions"] == kept["rollup_actions"]
    assert all(not rows for name, rows in after.items() if name != "rollup_actions")


def test_counts_backfill_equals_what_ingest_kept(ledger):  # type: ignore[no-untyped-def]
    for name, org, role in PEOPLE:
        ledger.add_user(name, org_id=org, role=role)
    rng = random.Random(9)
    entries = _entries(rng, 400)
    late = entries[0]["timestamp"][:10] + "T23:59:59.999999+00:00"  # the UTC day's last instant
    entries[0]["timestamp"] = late
    entries[1]["timestamp"] = late.replace("23:59:59.999999+00:00", "23:30:00-05:00")  # next UTC day
    ledger.ingest(entries[:300])
    ledger.ingest(entries[300:])
    kept = _contents(ledger)["rollup_action_outcomes"]
    assert {row[0] for row in kept} == {"day", "month"} and len(kept) > 100
    with ledger.engine.begin() as conn:
        conn.execute(rollup_action_outcomes.delete())
        assert backfill_counts(conn, rollup_action_outcomes) == len(kept)
    assert _contents(ledger)["rollup_action_outcomes"] == kept


def test_compliance_backfills_equal_what_ingest_kept(databases, monkeypatch):  # type: ignore[no-untyped-def]
    """Migration 0021 down and up: its downgrade refills 0018's count-only rollup_compliance
    (`backfill_compliance`, in chunks of groups that the upsert adds up), its upgrade the
    measured one and the runs and duration buckets per risk level and profile
    (`backfill`), and migration 0022 the daily series from it
    (`backfill_compliance_days`): the same rows and profiles as ingest keeps."""
    from alembic import command

    from ledger_core import Ledger
    from ledger_core.store import migrate
    from ledger_core.store.db import make_engine

    engine = make_engine(databases.url("migrate_0021"))
    ledger = Ledger(engine=engine, rate_limits=None)
    ledger.init()
    for name, org, role in PEOPLE:
        ledger.add_user(name, org_id=org, role=role)
    rng = random.Random(12)
    ledger.ingest(_entries(rng, 300))
    ledger.ingest(_entries(rng, 150))
    with engine.connect() as conn:
        profiles = sorted(tuple(map(str, row)) for row in conn.execute(select(compliance_profiles)))
    kept = _contents(ledger)
    compliance = kept["rollup_compliance"]
    assert {row[0] for row in compliance} == {"day", "month"} and len(compliance) > 300
    assert len(profiles) > 20 and {row[8] for row in compliance} > {""}  # with and without compliance
    assert {row[0] for row in kept["rollup_compliance_runs"]} == {"day"} and kept["rollup_compliance_durations"]
    days = kept["rollup_compliance_days"]
    assert {row[0] for row in days} == {"day"} and 1 < len(days) < len(compliance)
    assert any(int(row[9]) for row in days) and any(int(row[10]) for row in days)  # errors, blocked
    monkeypatch.setattr("ledger_core.rollups.maintain.backfill_compliance", partial(backfill_compliance, chunk=37))
    config = migrate.alembic_config()
    with engine.begin() as conn:
        conn.execute(compliance_profiles.delete())
        config.attributes["connection"] = conn
        command.downgrade(config, "0020")
        counted = sorted(tuple(map(str, row)) for row in conn.execute(text("SELECT * FROM rollup_compliance")))
    assert counted == sorted(row[:10] for row in compliance)
    migrate.upgrade(engine)
    assert _contents(ledger) == kept
    with engine.connect() as conn:
        assert sorted(tuple(map(str, row)) for row in conn.execute(select(compliance_profiles))) == profiles
    engine.dispose()
