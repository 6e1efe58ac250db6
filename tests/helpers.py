"""Helpers the tests share (imported, never through conftest)."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from sqlalchemy import Engine, event

from ledger_core import Ledger
from ledger_core.store import append_only
from ledger_core.store.schema import metadata


def empty_ledger(ledger: Ledger) -> None:
    """Delete every row of every table (the schema stays). Entries and checkpoints are
    append-only: their triggers are suspended for this transaction only (tests only)."""
    with ledger.engine.begin() as conn, append_only.suspended(conn):
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


def walk_ids(ledger: Ledger, principal, **params) -> list[str]:  # type: ignore[no-untyped-def]
    """Every matching id, in order, walking pages of 1000; checks they add up to `total`."""
    ids: list[str] = []
    page = 0
    while True:
        result = ledger.query(principal, page=page, page_size=1000, **params)
        ids += [str(item.id) for item in result.items]
        if not result.has_more:
            break
        page += 1
    assert len(ids) == result.total
    return ids


EXPORT_USERS = [  # (username, org, role): the people of the export and export-log tests
    ("alice", "acme", "user"),
    ("bob", "acme", "user"),
    ("carol", "acme", "org_admin"),
    ("dave", "globex", "user"),
    ("erin", "globex", "org_admin"),
    ("root", "ops", "superuser"),
]


def add_export_users(ledger: Ledger) -> None:
    for name, org, role in EXPORT_USERS:
        ledger.add_user(name, org_id=org, role=role)


def tamper(ledger: Ledger, *statements) -> None:  # type: ignore[no-untyped-def]
    """Run SQLAlchemy statements (or SQL text) behind the append-only triggers' back, as
    someone with write access to the database would: for the tampering tests only."""
    from sqlalchemy import text

    with ledger.engine.begin() as conn, append_only.suspended(conn):
        for statement in statements:
            conn.execute(text(statement) if isinstance(statement, str) else statement)


CHAIN_USERS = [  # (username, org, role): the people of the integrity tests
    ("alice", "acme", "user"),
    ("bob", "acme", "org_admin"),
    ("carol", "globex", "user"),
    ("gina", "globex", "org_admin"),
    ("root", "ops", "superuser"),
]


def chain_records(batch: int, size: int, seed: int = 7) -> list[dict]:  # type: ignore[type-arg]
    """A deterministic batch of varied actions for alice (acme) and carol (globex): nested
    input, errors, blocked actions, compliance metadata, non-ASCII text, exact costs."""
    import random
    import uuid
    from datetime import datetime, timedelta, timezone

    rng = random.Random(seed * 1000 + batch)
    start = datetime(2025, 3, 1, tzinfo=timezone.utc) + timedelta(days=batch)
    records = []
    for n in range(size):
        user, org = ("alice", "acme") if rng.random() < 0.7 else ("carol", "globex")
        outcome = rng.choice(["success", "success", "error", "blocked"])
        record = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "run_id": str(uuid.UUID(int=(1 + (user == "carol")) << 100 | rng.getrandbits(4), version=4)),
            "timestamp": (start + timedelta(minutes=n, microseconds=rng.randrange(10**6))).isoformat(),
            "action_name": rng.choice(["database_query", "email_send", "llm_call", "café_lookup"]),
            "agent_id": f"agent-{rng.randrange(3)}", "outcome": outcome,
            "cost_usd": f"{rng.randrange(10**7) / 10**6:.6f}", "duration_ms": rng.randrange(100_000),
            "risk_level": rng.choice(["low", "medium", "high", "critical"]), "user_id": user, "org_id": org,
            "input": {"query": f"select {n}", "params": [n, rng.random(), None, "ü"]},
            "output": rng.choice([None, {"rows": n}, 42, "text"]),
            "metadata": {"env": "prod", "region": rng.choice(["eu", "us"])},
        }
        if outcome == "error":
            record["error_message"] = "timeout after 30000ms"
        if outcome == "blocked":
            record["blocked_reason"] = "policy POL-7"
        if org == "acme" and rng.random() < 0.5:
            record["compliance"] = {
                "policy_id": "POL-1", "policy_version": "2", "decision": "allow",
                "data_classification": "internal", "pii_detected": rng.random() < 0.5,
                "regulatory_frameworks": ["GDPR"], "retention_until": "2030-01-01"}
        records.append(record)
    return records


def load_chains(ledger: Ledger, batches: int = 3, size: int = 15) -> None:
    """The integrity tests' people and `batches` ingests of `size` actions each (a signed
    checkpoint per organization after each, when a signing key is configured)."""
    for name, org, role in CHAIN_USERS:
        ledger.add_user(name, org_id=org, role=role)
    for batch in range(batches):
        report = ledger.ingest(chain_records(batch, size))
        assert report.refused == 0, report.refusals


@contextmanager
def statements_run(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The (statement, parameters) that `engine` runs inside the block, in order."""
    captured: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield captured
    finally:
        event.remove(engine, "before_cursor_execute", record)
