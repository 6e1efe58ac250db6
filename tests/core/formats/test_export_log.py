"""The export audit trail (SPEC section 5): every export is recorded, and read within scope."""
from __future__ import annotations

import gc
import random
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from tests.helpers import add_export_users

from ledger_core import Ledger, LedgerValidationError
from ledger_core.contract.export import ExportLogRecord


def seed(ledger: Ledger, per_user: int = 150) -> None:
    """Users, and `per_user` entries for each non-admin user (payloads big enough for several chunks)."""
    add_export_users(ledger)
    rng = random.Random(5)
    start = datetime(2024, 3, 1, tzinfo=timezone.utc)
    records = []
    for name, org in (("alice", "acme"), ("bob", "acme"), ("dave", "globex")):
        run = str(uuid.uuid4())
        for i in range(per_user):
            records.append({
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "run_id": run,
                "timestamp": (start + timedelta(hours=i)).isoformat(), "action_name": "http_request",
                "agent_id": f"agent-{name}", "outcome": "error" if i % 5 == 0 else "success",
                "cost_usd": "0.0123", "duration_ms": i, "risk_level": "low", "user_id": name, "org_id": org,
                "input": {"url": "https://example.com/" + "x" * 300}, "output": {"status": 200, "body": "y" * 300},
                "error_message": None, "blocked_reason": None, "metadata": {"i": i}, "compliance": None,
            })
    assert ledger.ingest(records).added == len(records)


def by_id(ledger: Ledger, log_id: int) -> ExportLogRecord:
    [record] = [r for r in ledger.export_log(ledger.principal("root"), limit=1000) if r.id == log_id]
    return record


def test_completed_export_is_recorded_with_counts_and_filters(ledger) -> None:  # type: ignore[no-untyped-def]
    seed(ledger)
    alice = ledger.principal("alice")
    before = datetime.now(timezone.utc)
    export = ledger.export(alice, format="csv", limit=1000, outcome="error", start_date="2024-03-02",
                           end_date="2024-03-05")
    started = by_id(ledger, export.log_id)
    assert started.status == "started" and started.finished_at is None  # recorded before any byte
    assert started.total_matched == export.total
    b"".join(export)
    record = by_id(ledger, export.log_id)
    assert (record.user_id, record.org_id, record.format) == ("alice", "acme", "csv")
    assert record.status == "completed"
    assert record.row_limit == 1000
    assert record.total_matched == record.rows_written == export.rows == export.total > 0
    assert record.truncated is False
    assert record.filters == {"outcome": "error", "start_date": "2024-03-02T00:00:00.000000Z",
                              "end_date": "2024-03-05T23:59:59.999999Z"}
    assert before <= record.started_at <= record.finished_at <= datetime.now(timezone.utc)
    assert record.to_dict()["started_at"].endswith("Z")


def test_truncated_export_is_recorded_as_such(ledger) -> None:  # type: ignore[no-untyped-def]
    seed(ledger)
    carol = ledger.principal("carol")
    export = ledger.export(carol, format="jsonl", limit=25)
    assert len(b"".join(export).splitlines()) == 25
    record = by_id(ledger, export.log_id)
    assert (record.status, record.rows_written, record.total_matched, record.truncated, record.row_limit) == (
        "completed", 25, 300, True, 25)
    assert record.filters == {}


def test_export_stopped_early_is_recorded_as_aborted(ledger) -> None:  # type: ignore[no-untyped-def]
    seed(ledger)
    alice = ledger.principal("alice")
    export = ledger.export(alice, format="jsonl")
    stream = iter(export)
    first = next(stream)
    export.close()
    assert export.status == "aborted"
    record = by_id(ledger, export.log_id)
    assert record.status == "aborted"
    assert record.rows_written == first.count(b"\n") == export.rows_written
    assert 0 < record.rows_written < record.total_matched == 150
    assert record.finished_at is not None
    with pytest.raises(StopIteration):
        next(stream)


def test_export_dropped_midway_or_never_read_is_recorded_as_aborted(ledger) -> None:  # type: ignore[no-untyped-def]
    seed(ledger)
    dave = ledger.principal("dave")
    export = ledger.export(dave, format="csv")
    log_id = export.log_id
    stream = iter(export)
    next(stream)
    del export, stream
    gc.collect()
    record = by_id(ledger, log_id)
    assert record.status == "aborted" and 0 < record.rows_written < 150

    unread = ledger.export(dave, format="json")
    unread_id = unread.log_id
    del unread
    gc.collect()
    assert (by_id(ledger, unread_id).status, by_id(ledger, unread_id).rows_written) == ("aborted", 0)

    with ledger.export(dave) as closed:  # context manager: closed at the end of the block
        pass
    assert by_id(ledger, closed.log_id).status == "aborted"
    with pytest.raises(RuntimeError):
        iter(closed)


def test_org_admins_read_their_organization_and_superusers_all(ledger) -> None:  # type: ignore[no-untyped-def]
    seed(ledger, per_user=3)
    ids = {}
    for name in ("alice", "bob", "carol", "dave", "erin", "root"):
        export = ledger.export(ledger.principal(name), limit=10)
        b"".join(export)
        ids[name] = export.log_id

    def seen(name: str) -> set[str]:
        return {r.user_id for r in ledger.export_log(ledger.principal(name))}

    assert seen("root") == {"alice", "bob", "carol", "dave", "erin", "root"}
    assert seen("carol") == {"alice", "bob", "carol"}       # acme only
    assert seen("erin") == {"dave", "erin"}                 # globex only
    assert seen("alice") == {"alice"}                       # a user: their own exports only
    assert seen("dave") == {"dave"}
    assert all(r.org_id == "acme" for r in ledger.export_log(ledger.principal("carol")))
    assert ids["erin"] not in {r.id for r in ledger.export_log(ledger.principal("carol"))}


def test_log_is_newest_first_and_limited(ledger) -> None:  # type: ignore[no-untyped-def]
    seed(ledger, per_user=2)
    alice = ledger.principal("alice")
    made = []
    for fmt in ("jsonl", "json", "csv", "jsonl"):
        export = ledger.export(alice, format=fmt)
        b"".join(export)
        made.append(export.log_id)
    records = ledger.export_log(alice)
    assert [r.id for r in records] == made[::-1]
    assert [r.id for r in ledger.export_log(alice, limit=2)] == made[::-1][:2]
    for bad in (0, -1, 1001, "x", True):
        with pytest.raises(LedgerValidationError) as caught:
            ledger.export_log(alice, limit=bad)
        assert caught.value.field == "limit"


def test_refused_export_is_not_recorded(ledger) -> None:  # type: ignore[no-untyped-def]
    seed(ledger, per_user=1)
    alice = ledger.principal("alice")
    with pytest.raises(LedgerValidationError):
        ledger.export(alice, limit=100_001)
    with pytest.raises(LedgerValidationError):
        ledger.export(alice, format="xml")
    assert ledger.export_log(alice) == []
