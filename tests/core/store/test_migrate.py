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
