"""Append-only storage (SPEC section 7): the database itself refuses UPDATE and DELETE on
ledger entries and checkpoints, on both backends; `append_only.suspended` (tests only)
lifts the refusal for one transaction and restores it."""
from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DBAPIError

from ledger_core import Ledger
from ledger_core.integrity.checkpoints import sign_chain_heads
from ledger_core.integrity.keys import generate_key_pair, load_signing_key
from ledger_core.store import append_only
from ledger_core.store.schema import checkpoints, ledger_entries


def _load(ledger: Ledger) -> None:
    ledger.add_user("alice", org_id="acme", role="user")
    report = ledger.ingest([{
        "id": str(uuid.uuid4()), "run_id": str(uuid.uuid4()), "timestamp": f"2025-01-0{n + 1}T00:00:00Z",
        "action_name": "email_send", "agent_id": "a", "outcome": "success", "cost_usd": "0.5",
        "duration_ms": 5, "risk_level": "low", "user_id": "alice", "org_id": "acme",
    } for n in range(3)])
    assert report.added == 3
    sign_chain_heads(ledger.engine, load_signing_key(generate_key_pair()[0]))


def _snapshot(ledger: Ledger) -> list[tuple]:
    with ledger.engine.connect() as conn:
        entries = conn.execute(select(ledger_entries).order_by(ledger_entries.c.seq)).all()
        signed = conn.execute(select(checkpoints)).all()
    return [tuple(row) for row in entries] + [tuple(row) for row in signed]


STATEMENTS = [
    ("ledger_entries", "UPDATE", "UPDATE ledger_entries SET cost_usd = 0"),
    ("ledger_entries", "UPDATE", "UPDATE ledger_entries SET outcome = 'error' WHERE seq = 2"),
    ("ledger_entries", "DELETE", "DELETE FROM ledger_entries WHERE seq = 3"),
    ("ledger_entries", "DELETE", "DELETE FROM ledger_entries"),
    ("checkpoints", "UPDATE", "UPDATE checkpoints SET signature = 'x'"),
    ("checkpoints", "DELETE", "DELETE FROM checkpoints"),
]


@pytest.mark.parametrize("table, operation, statement", STATEMENTS)
def test_raw_update_and_delete_are_refused(ledger, table, operation, statement):  # type: ignore[no-untyped-def]
    _load(ledger)
    before = _snapshot(ledger)
    with pytest.raises(DBAPIError) as failure:
        with ledger.engine.begin() as conn:
            conn.execute(text(statement))
    assert f"{table} is append-only: {operation} refused" in str(failure.value)
    assert _snapshot(ledger) == before


def test_truncate_is_refused_on_postgresql(ledger):  # type: ignore[no-untyped-def]
    if ledger.dialect != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (its DELETE without WHERE is refused above)")
    _load(ledger)
    for table in ("ledger_entries", "checkpoints"):
        with pytest.raises(DBAPIError, match=f"{table} is append-only: TRUNCATE refused"):
            with ledger.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {table}"))
    assert len(_snapshot(ledger)) == 4


def test_appending_still_works_after_a_refusal(ledger):  # type: ignore[no-untyped-def]
    _load(ledger)
    with pytest.raises(DBAPIError):
        with ledger.engine.begin() as conn:
            conn.execute(text("DELETE FROM ledger_entries"))
    report = ledger.ingest([{
        "id": str(uuid.uuid4()), "run_id": str(uuid.uuid4()), "timestamp": "2025-02-01T00:00:00Z",
        "action_name": "email_send", "agent_id": "a", "outcome": "success", "cost_usd": "1",
        "duration_ms": 5, "risk_level": "low", "user_id": "alice", "org_id": "acme",
    }])
    assert report.added == 1


def test_suspended_lifts_the_refusal_for_one_transaction_and_restores_it(ledger):  # type: ignore[no-untyped-def]
    _load(ledger)
    with ledger.engine.begin() as conn, append_only.suspended(conn):
        conn.execute(text("UPDATE ledger_entries SET duration_ms = 99 WHERE seq = 1"))
        conn.execute(text("DELETE FROM checkpoints"))
    with ledger.engine.connect() as conn:
        assert conn.execute(select(ledger_entries.c.duration_ms).where(ledger_entries.c.seq == 1)).scalar() == 99
        assert conn.execute(select(func.count()).select_from(checkpoints)).scalar() == 0
    for statement in ("UPDATE ledger_entries SET duration_ms = 1", "DELETE FROM ledger_entries"):
        with pytest.raises(DBAPIError, match="append-only"):
            with ledger.engine.begin() as conn:
                conn.execute(text(statement))


def test_suspended_as_the_table_owner_on_postgresql(ledger, monkeypatch):  # type: ignore[no-untyped-def]
    """Without superuser rights the triggers are disabled table by table (and enabled again)."""
    if ledger.dialect != "postgresql":
        pytest.skip("PostgreSQL only")
    monkeypatch.setattr(append_only, "_superuser", lambda conn: False)
    test_suspended_lifts_the_refusal_for_one_transaction_and_restores_it(ledger)
    with ledger.engine.connect() as conn:
        states = conn.execute(text("SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal "
                                   "ORDER BY tgname")).all()
    assert [tuple(row) for row in states] == [
        ("checkpoints_append_only", "O"), ("checkpoints_no_truncate", "O"),
        ("ledger_entries_append_only", "O"), ("ledger_entries_no_truncate", "O")]


def test_suspended_restores_the_refusal_when_the_block_fails(ledger):  # type: ignore[no-untyped-def]
    _load(ledger)
    with pytest.raises(RuntimeError):
        with ledger.engine.begin() as conn, append_only.suspended(conn):
            conn.execute(text("DELETE FROM ledger_entries WHERE seq = 1"))
            raise RuntimeError("the test's change fails half way")
    assert len(_snapshot(ledger)) == 4  # rolled back
    with pytest.raises(DBAPIError, match="append-only"):
        with ledger.engine.begin() as conn:
            conn.execute(text("DELETE FROM ledger_entries"))


def test_suspended_needs_a_transaction(ledger):  # type: ignore[no-untyped-def]
    with ledger.engine.connect() as conn:
        with pytest.raises(RuntimeError, match="inside a transaction"):
            with append_only.suspended(conn):
                pass


def test_sqlite_triggers_are_recreated_exactly(ledger):  # type: ignore[no-untyped-def]
    """The SQLite text in `append_only` is the migrations' text, so suspending leaves no trace."""
    if ledger.dialect != "sqlite":
        pytest.skip("SQLite keeps its triggers' text")
    query = text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
    with ledger.engine.connect() as conn:
        migrated = conn.execute(query).all()
    assert [name for name, _ in migrated] == [
        "checkpoints_no_delete", "checkpoints_no_update", "ledger_entries_no_delete", "ledger_entries_no_update"]
    with ledger.engine.begin() as conn, append_only.suspended(conn):
        pass
    with ledger.engine.connect() as conn:
        assert conn.execute(query).all() == migrated
    assert [sql for _, sql in migrated] == [
        append_only.sqlite_trigger_sql(table, operation)
        for table, operation in (("checkpoints", "DELETE"), ("checkpoints", "UPDATE"),
                                 ("ledger_entries", "DELETE"), ("ledger_entries", "UPDATE"))]


WRITES = [
    re.compile(r"\b(update|delete)\(\s*(ledger_entries|le|checkpoints)\b"),
    re.compile(r"\b(ledger_entries|le|checkpoints)\.(update|delete)\("),
    re.compile(r"\b(UPDATE|DELETE\s+FROM|TRUNCATE(\s+TABLE)?)\s+\"?(ledger_entries|checkpoints)\b", re.IGNORECASE),
]


def test_no_code_path_updates_or_deletes_entries():
    """Only the migrations (0003 rewrote JSON text before the triggers existed) and the
    documented test helper write UPDATE/DELETE against entries or checkpoints."""
    root = Path(__file__).resolve().parents[3]
    offenders = []
    for package in ("ledger_core", "ledger_api", "ledger_ui", "pages", "scripts", "bench"):
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            source = path.read_text()
            offenders += [f"{path.relative_to(root)}: {match.group(0)}" for pattern in WRITES
                          for match in pattern.finditer(source)]
    assert offenders == []
    assert WRITES[0].search("conn.execute(update(ledger_entries).values(cost_usd=0))")
    assert WRITES[1].search("conn.execute(le.delete())")
    assert WRITES[2].search('op.execute("delete from checkpoints where true")')


def test_migrations_0004_and_0005_downgrade_and_upgrade(databases):  # type: ignore[no-untyped-def]
    """Downgrading below 0004 lifts the refusal (and drops checkpoints); upgrading restores both."""
    from alembic import command

    from ledger_core.store import migrate
    from ledger_core.store.db import make_engine

    engine = make_engine(databases.url("migrate_0004"))
    ledger = Ledger(engine=engine, rate_limits=None)
    ledger.init()
    _load(ledger)
    config = migrate.alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
    with engine.begin() as conn:
        conn.execute(text("UPDATE ledger_entries SET duration_ms = 7 WHERE seq = 1"))
        assert "checkpoints" not in inspect(conn).get_table_names()
    migrate.upgrade(engine)
    assert sign_chain_heads(engine, load_signing_key(generate_key_pair()[0])) == 1
    with pytest.raises(DBAPIError, match="ledger_entries is append-only: UPDATE refused"):
        with engine.begin() as conn:
            conn.execute(text("UPDATE ledger_entries SET duration_ms = 8 WHERE seq = 1"))
    with pytest.raises(DBAPIError, match="checkpoints is append-only: DELETE refused"):
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM checkpoints"))
    engine.dispose()
