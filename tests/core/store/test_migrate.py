"""Alembic migrations build exactly the schema of schema.py, on both backends."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ledger_core.store import migrate
from ledger_core.store.schema import metadata


def test_migrations_match_schema_and_upgrade_is_repeatable(ledger):  # type: ignore[no-untyped-def]
    ledger.init()  # a second upgrade changes nothing
    assert migrate.current_revision(ledger.engine) == migrate.head_revision()
    with ledger.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_action_outcomes_revision_backfills_what_ingest_keeps(databases):  # type: ignore[no-untyped-def]
    """Revision 0010 on a ledger that already holds entries: rollup_action_outcomes is
    created and filled with exactly the rows that ingest keeps from then on."""
    import random

    from sqlalchemy import select

    from ledger_core.store.schema import rollup_action_outcomes
    from tests.core.rollups.test_read import PEOPLE, _entries

    ledger = databases.ledger("migrate_0010")
    for name, org, role in PEOPLE:
        ledger.add_user(name, org_id=org, role=role)
    ledger.ingest(_entries(random.Random(10), 250))

    def contents() -> list[tuple[str, ...]]:
        with ledger.engine.connect() as conn:
            return sorted(tuple(map(str, row)) for row in conn.execute(select(rollup_action_outcomes)))

    kept = contents()
    assert len(kept) > 100
    _down_to_and_up_again(ledger, "0009")
    assert contents() == kept
    ledger.dispose()


def _down_to_and_up_again(ledger, revision: str) -> None:  # type: ignore[no-untyped-def]
    from alembic import command

    config = migrate.alembic_config()
    with ledger.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
    assert migrate.current_revision(ledger.engine) == revision
    migrate.upgrade(ledger.engine)


def test_multi_day_revision_marks_the_runs_that_span_utc_days(databases):  # type: ignore[no-untyped-def]
    """Revisions 0013 and 0016 on a ledger that already holds runs: `multi_day` is set
    exactly where ingest sets it from then on (first and last actions on different UTC
    days), and `run_days` holds what ingest counted, runs whose start a later ingest moved
    to an earlier day included (0015 and 0017 create and drop `run_counts` on the way)."""
    import random
    import uuid
    from datetime import datetime, timedelta

    from sqlalchemy import select

    from ledger_core.store.schema import run_days, runs
    from tests.core.rollups.test_read import PEOPLE, _entries

    ledger = databases.ledger("migrate_0013")
    for name, org, role in PEOPLE:
        ledger.add_user(name, org_id=org, role=role)
    entries = _entries(random.Random(13), 200)
    for entry in entries[:20]:  # runs of one action: one day
        entry["run_id"] = str(uuid.uuid4())
    ledger.ingest(entries)
    earlier = _entries(random.Random(14), 30)
    for entry, stored in zip(earlier, entries[20:]):  # an action of a stored run, 9 days before it
        entry.update(run_id=stored["run_id"], user_id=stored["user_id"], org_id=stored["org_id"],
                     timestamp=(datetime.fromisoformat(stored["timestamp"]) - timedelta(days=9)).isoformat())
    ledger.ingest(earlier)

    def marks() -> dict[str, bool]:
        with ledger.engine.connect() as conn:
            return {str(row.id): row.multi_day for row in conn.execute(select(runs.c.id, runs.c.multi_day))}

    def days() -> list[tuple[str, str, str, int]]:
        with ledger.engine.connect() as conn:
            return sorted(tuple(row) for row in conn.execute(select(run_days).where(run_days.c.n != 0)))

    kept, started = marks(), days()
    assert 0 < sum(kept.values()) < len(kept)
    assert sum(n for *_, n in started) == len(kept) and len({(org, user) for org, user, *_ in started}) == 5
    assert len(started) > 50
    _down_to_and_up_again(ledger, "0012")  # 0015-0017 (run_counts, run_days) too
    assert marks() == kept and days() == started
    ledger.dispose()


def test_run_risks_revision_fills_what_ingest_keeps(databases):  # type: ignore[no-untyped-def]
    """Revision 0025 on a ledger that already holds runs: `runs.risks` and `run_risk_days`
    hold what ingest kept, runs that a later ingest gave a new risk level or an earlier
    start included."""
    import random
    from datetime import datetime, timedelta

    from sqlalchemy import select

    from ledger_core.store.schema import run_risk_days, runs
    from tests.core.rollups.test_read import PEOPLE, _runs_of_a_day

    ledger = databases.ledger("migrate_0025")
    for name, org, role in PEOPLE:
        ledger.add_user(name, org_id=org, role=role)
    entries = _runs_of_a_day(random.Random(25), 300)
    ledger.ingest(entries)
    later = _runs_of_a_day(random.Random(26), 40)
    for entry, stored, level in zip(later, entries[::7], ["critical", "low", "high", "medium"] * 10):
        entry.update(run_id=stored["run_id"], user_id=stored["user_id"], org_id=stored["org_id"], risk_level=level,
                     timestamp=(datetime.fromisoformat(stored["timestamp"]) - timedelta(hours=20)).isoformat())
    ledger.ingest(later)

    def kept() -> tuple[dict[str, int], list[tuple]]:
        with ledger.engine.connect() as conn:
            return ({str(row.id): row.risks for row in conn.execute(select(runs.c.id, runs.c.risks))},
                    sorted(tuple(row) for row in conn.execute(select(run_risk_days).where(run_risk_days.c.n != 0))))

    masks, days = kept()
    assert len(set(masks.values())) > 8 and 0 not in masks.values()
    assert sum(row[-1] for row in days) == len(masks) and len(days) > 60
    _down_to_and_up_again(ledger, "0024")
    assert kept() == (masks, days)
    ledger.dispose()


def test_entry_json_becomes_exact_canonical_text(databases):  # type: ignore[no-untyped-def]
    """Revision 0003: PostgreSQL jsonb (reordered keys) and SQLite NUMERIC affinity (a
    top-level number stored as INTEGER or REAL) both give way to the canonical text."""
    from sqlalchemy import text

    from ledger_core.store.db import make_engine, read_snapshot

    engine = make_engine(databases.url("migrate_0003"))
    migrate.upgrade(engine, "0002")
    insert = text(
        "INSERT INTO ledger_entries (org_id, id, seq, run_id, timestamp, action_name, agent_id, outcome, "
        "cost_usd, duration_ms, risk_level, user_id, input, output, metadata, compliance, entry_hash, "
        "prev_hash, ingested_at) VALUES ('acme', :id, :seq, :id, '2025-01-01 00:00:00.000000', 'a', 'b', "
        "'success', 0, 1, 'low', 'alice', :input, :output, :metadata, NULL, 'h', 'p', "
        "'2025-01-01 00:00:00.000000')")
    rows = [
        {"id": "00000000-0000-4000-8000-000000000001", "seq": 1, "input": '{"zeta": 1, "alpha": [1, 2]}',
         "output": "42", "metadata": '{"b": "é", "a": {"d": null, "c": true}}'},
        {"id": "00000000-0000-4000-8000-000000000002", "seq": 2, "input": "0.30000000000000004",
         "output": '"text"', "metadata": "{}"},
    ]
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            for row in rows:
                row["id"] = row["id"].replace("-", "")
        conn.execute(insert, rows)
    migrate.upgrade(engine)
    with read_snapshot(engine) as conn:
        cast = "::text" if conn.dialect.name == "postgresql" else ""
        stored = conn.execute(text(
            f"SELECT input{cast}, output{cast}, metadata{cast} FROM ledger_entries ORDER BY seq")).all()
    engine.dispose()
    assert [tuple(row) for row in stored] == [
        ('{"alpha":[1,2],"zeta":1}', "42", '{"a":{"c":true,"d":null},"b":"é"}'),
        ("0.30000000000000004", '"text"', "{}"),
    ]


def _entry_rows(engine, rows) -> None:  # type: ignore[no-untyped-def]
    """Entries (and their runs) written straight into the tables, as an older version could."""
    from sqlalchemy import text

    with engine.begin() as conn:
        sqlite = conn.dialect.name == "sqlite"
        for org_id, entry_id, run_id, seq in rows:
            ids = {"id": entry_id.replace("-", "") if sqlite else entry_id,
                   "run": run_id.replace("-", "") if sqlite else run_id}
            conn.execute(text(
                "INSERT INTO ledger_entries (org_id, id, seq, run_id, timestamp, action_name, agent_id, outcome, "
                "cost_usd, duration_ms, risk_level, user_id, input, output, metadata, compliance, entry_hash, "
                "prev_hash, ingested_at) VALUES (:org, :id, :seq, :run, '2025-01-01 00:00:00.000000', 'a', 'b', "
                "'success', 0, 1, 'low', 'alice', 'null', 'null', '{}', NULL, 'h', 'p', "
                "'2025-01-01 00:00:00.000000')"), {"org": org_id, "seq": seq, **ids})
            conn.execute(text(
                "INSERT INTO runs (org_id, id, user_id, agent_id, started_at, ended_at, status) "
                "VALUES (:org, :run, 'alice', 'b', '2025-01-01 00:00:00.000000', NULL, 'completed')"),
                {"org": org_id, "run": ids["run"]})


UNIQUE_IDS_REVISION, BEFORE_UNIQUE_IDS = "0006", "0005"  # the revision making ids unique, and the one before


def test_unique_ids_revision_refuses_a_database_that_already_breaks_the_rule(databases):  # type: ignore[no-untyped-def]
    """The unique-ids revision on an existing database: one action (and its run) stored in
    two organizations stops the upgrade with a message naming them, and nothing changes."""
    import pytest

    from ledger_core import LedgerError
    from ledger_core.store.db import make_engine

    engine = make_engine(databases.url("migrate_ids_broken"))
    migrate.upgrade(engine, BEFORE_UNIQUE_IDS)
    shared, run = "00000000-0000-4000-8000-0000000000aa", "00000000-0000-4000-8000-0000000000bb"
    _entry_rows(engine, [("acme", shared, run, 1), ("globex", shared, run, 1),
                         ("acme", "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002", 2)])
    with pytest.raises(LedgerError) as refused:
        migrate.upgrade(engine)
    message = refused.value.message
    assert shared in message and "ledger_entries" in message and run in message and "runs" in message
    assert "Nothing was changed" in message and f"revision {UNIQUE_IDS_REVISION}" in message
    assert migrate.current_revision(engine) == BEFORE_UNIQUE_IDS
    engine.dispose()


def test_unique_ids_revision_upgrades_a_clean_database_and_then_refuses_a_copy(databases):  # type: ignore[no-untyped-def]
    import pytest
    from sqlalchemy.exc import IntegrityError

    from ledger_core.store.db import make_engine

    engine = make_engine(databases.url("migrate_ids_clean"))
    migrate.upgrade(engine, BEFORE_UNIQUE_IDS)
    entry, run = "00000000-0000-4000-8000-0000000000aa", "00000000-0000-4000-8000-0000000000bb"
    _entry_rows(engine, [("acme", entry, run, 1),
                         ("globex", "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002", 1)])
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    with pytest.raises(IntegrityError):  # the same action id in another organization
        _entry_rows(engine, [("globex", entry, "00000000-0000-4000-8000-0000000000cc", 2)])
    with pytest.raises(IntegrityError):  # the same run under another owner
        _entry_rows(engine, [("globex", "00000000-0000-4000-8000-0000000000dd", run, 2)])
    engine.dispose()


def test_a_server_started_on_a_database_behind_the_code_upgrades_it(databases, monkeypatch):  # type: ignore[no-untyped-def]
    """The browser app and the API bring the schema up to date when they start
    (`Ledger.ensure_schema`): a ledger an older version left at revision 0015, started
    without `init`, gets `run_days` and `rollup_compliance` filled (and, on PostgreSQL, the
    rollups vacuumed) and answers stats and the compliance summary; a current one is left
    alone."""
    import random

    from alembic import command

    from ledger_api.app import create_app
    from ledger_core import Ledger
    from ledger_ui.resources import get_ledger, reset_caches
    from tests.core.rollups.test_read import PEOPLE, _entries

    ledger = databases.ledger("behind")
    for name, org, role in PEOPLE:
        ledger.add_user(name, org_id=org, role=role)
    ledger.ingest(_entries(random.Random(16), 120))
    expected = ledger.stats(ledger.principal("root"), start_date="2024-02-01", end_date="2024-03-31")
    compliance = ledger.compliance(ledger.principal("cat"), start_date="2024-02-01")
    url = ledger.engine.url.render_as_string(hide_password=False)
    ledger.dispose()
    monkeypatch.setenv("LEDGER_DATABASE_URL", url)
    monkeypatch.setenv("LEDGER_JWT_KEY", "k" * 40)

    def api() -> None:  # as uvicorn starts it
        create_app().state.ledger.dispose()

    def app() -> None:  # as the browser app's first page gets its ledger
        reset_caches()
        get_ledger().dispose()
        reset_caches()

    config = migrate.alembic_config()
    for start in (api, app):
        server = Ledger(url)
        with server.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0015")
        server.dispose()
        start()
        server = Ledger(url)
        assert migrate.current_revision(server.engine) == migrate.head_revision(), start.__name__
        assert server.ensure_schema() is False
        assert server.stats(server.principal("root"), start_date="2024-02-01", end_date="2024-03-31") == expected
        assert server.compliance(server.principal("cat"), start_date="2024-02-01") == compliance  # 0018's backfill
        if server.dialect == "postgresql":  # the upgrade refreshed the backfilled rollup's visibility map
            with server.engine.connect() as conn:
                assert conn.exec_driver_sql("SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables "
                                            "WHERE relname = 'rollup_compliance'").scalar_one()
        server.dispose()
