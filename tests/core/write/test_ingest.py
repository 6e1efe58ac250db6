"""Ingest (SPEC sections 2, 7 and 8): idempotence, refusals by line, exact values, the hash chain, runs."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ledger_core import Ledger, LedgerError
from ledger_core.formats.canonical import GENESIS_HASH, entry_hash
from ledger_core.formats.wire import entry_json_fields
from ledger_core.store.schema import chain_heads, ledger_entries, runs
from ledger_core.write import ingest as ingest_module

UTC = timezone.utc
BASE = datetime(2024, 12, 31, 12, 0, tzinfo=UTC)


@pytest.fixture
def people(ledger: Ledger) -> Ledger:
    """alice and dave in acme, bob in globex, and an empty organization initech."""
    ledger.add_user("alice", org_id="acme", role="user")
    ledger.add_user("dave", org_id="acme", role="user")
    ledger.add_user("bob", org_id="globex", role="user")
    ledger.ensure_org("initech")
    return ledger


def rec(n: int = 0, **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "run_id": str(uuid.uuid4()),
        "timestamp": (BASE + timedelta(seconds=n)).isoformat(),
        "action_name": "database_query",
        "agent_id": "prod-agent-3",
        "outcome": "success",
        "cost_usd": "0.0123",
        "duration_ms": 10 + n,
        "risk_level": "low",
        "user_id": "alice",
        "org_id": "acme",
        "input": {"sql": "select 1"},
        "metadata": {"model": "m"},
    }
    record.update(changes)
    return record


def stored(ledger: Ledger, *columns: str) -> list[dict[str, Any]]:
    """ledger_entries rows in chain order (organization, seq)."""
    names = columns or tuple(c.name for c in ledger_entries.columns)
    with ledger.engine.connect() as conn:
        statement = select(*(ledger_entries.c[name] for name in names)).order_by(
            ledger_entries.c.org_id, ledger_entries.c.seq)
        return [dict(row) for row in conn.execute(statement).mappings()]


def count(ledger: Ledger, table=ledger_entries) -> int:  # type: ignore[no-untyped-def]
    with ledger.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def check_chain(ledger: Ledger) -> dict[str, list[str]]:
    """Every org's chain: seq 1..n, prev_hash links, hashes that match the stored content, chain head."""
    by_org: dict[str, list[dict[str, Any]]] = {}
    for row in stored(ledger):
        by_org.setdefault(row["org_id"], []).append(row)
    with ledger.engine.connect() as conn:
        heads = {row.org_id: row for row in conn.execute(select(chain_heads))}
    assert set(heads) == set(by_org)
    for org, rows in by_org.items():
        previous = GENESIS_HASH
        for position, row in enumerate(rows, start=1):
            assert row["seq"] == position
            assert row["prev_hash"] == previous
            assert row["entry_hash"] == entry_hash(entry_json_fields(row), previous)
            assert len(row["entry_hash"]) == 64 and int(row["entry_hash"], 16) >= 0
            previous = row["entry_hash"]
        assert (heads[org].last_hash, heads[org].count) == (previous, len(rows))
    return {org: [str(row["id"]) for row in rows] for org, rows in by_org.items()}


# --- idempotence -------------------------------------------------------------------------------

def test_ingesting_twice_stores_once(people: Ledger) -> None:
    records = [rec(n) for n in range(40)]
    first = people.ingest(records)
    assert (first.added, first.duplicates, first.refused) == (40, 0, 0)
    chain_before = check_chain(people)
    again = people.ingest(records)
    assert (again.added, again.duplicates, again.refused) == (0, 40, 0)
    assert again.summary() == "0 added, 40 skipped as duplicates, 0 refused"
    assert count(people) == 40
    assert check_chain(people) == chain_before


def test_duplicates_within_one_input(people: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest_module, "BATCH_SIZE", 4)  # duplicates across batch boundaries too
    records = [rec(n) for n in range(10)]
    changed_copy = dict(records[2], outcome="error", cost_usd="5")  # same id, other content: a conflict
    upper_copy = dict(records[7], id=records[7]["id"].upper())  # the same UUID written differently
    report = people.ingest(records[:5] + [records[0], changed_copy] + records[5:] + [records[0], upper_copy])
    assert (report.added, report.duplicates, report.refused, report.conflicts) == (10, 3, 1, 1)
    assert report.refusals[0].line == 7 and report.refusals[0].conflict_fields == ("outcome", "cost_usd")
    rows = {str(row["id"]): row for row in stored(people)}
    assert set(rows) == {record["id"] for record in records}
    assert rows[records[2]["id"]]["outcome"] == "success"
    assert rows[records[2]["id"]]["cost_usd"] == Decimal("0.0123")
    check_chain(people)


# --- a JSONL file with bad lines -----------------------------------------------------------------

def test_jsonl_file_with_bad_lines(people: Ledger, tmp_path: Path) -> None:
    alices_run = str(uuid.uuid4())
    good = [rec(1, run_id=alices_run), rec(2, user_id="bob", org_id="globex"), rec(3, run_id=alices_run),
            rec(4, entry_hash="f" * 64, prev_hash="e" * 64)]
    missing = rec(5)
    del missing["timestamp"]
    lines: list[tuple[str, str | None]] = [  # (line text, words the refusal must contain)
        (json.dumps(good[0]), None),                                                    # 1
        ('{"id": "oops", not json', "JSON"),                                            # 2
        ("", None),                                                                     # 3 blank
        (json.dumps(missing), "timestamp"),                                             # 4
        (json.dumps(rec(6, outcome="maybe")), "outcome"),                               # 5
        (json.dumps(rec(7, cost_usd=-0.5)), "cost_usd"),                                # 6
        (json.dumps(rec(8))[:-1] + ', "cost_usd": 0.00000000001}', "cost_usd"),         # 7 11 places
        (json.dumps(rec(9, user_id="mallory")), "mallory"),                             # 8
        (json.dumps(rec(10, org_id="umbrella")), "umbrella"),                           # 9 unknown org
        (json.dumps(rec(11, user_id="bob", org_id="acme")), "globex"),                  # 10 wrong org
        (json.dumps(good[1]), None),                                                    # 11
        (json.dumps(rec(12, run_id=alices_run, user_id="dave")), alices_run),           # 12 alice's run
        ("   \t", None),                                                                # 13 blank
        ("[1, 2]", "object"),                                                           # 14
        (json.dumps(good[2]), None),                                                    # 15
        (json.dumps(rec(16, id="not-a-uuid")), "id"),                                   # 16
        (json.dumps(good[0]), None),                                                    # 17 duplicate of 1
        (json.dumps(rec(18, timestamp="2024-12-31")), "timestamp"),                     # 18 date only
        (json.dumps(rec(19, risk_level="extreme")), "risk_level"),                      # 19
        (json.dumps(rec(20, timestamp="0001-01-01T00:00:00+02:00")), "timestamp"),      # 20 out of range
        (json.dumps(rec(21, user_id="alice", org_id="initech")), "initech"),            # 21 user in wrong org
        (json.dumps(rec(22, cost_usd="1e8")), "cost_usd"),                              # 22 too large
        (json.dumps(good[3]), None),                                                    # 23
    ]
    path = tmp_path / "actions.jsonl"
    path.write_bytes(("\n".join(text for text, _ in lines) + "\n").encode()
                     + b'{"id": "\xff\xfe"}\n'                                           # 24 not UTF-8
                     + b"\n" + json.dumps(rec(26, run_id=alices_run)).encode() + b"\r\n")  # 25 blank, 26 good
    good.append(json.loads(path.read_bytes().splitlines()[25]))

    report = people.ingest_file(path)

    expected_refusals = {number: words for number, (_, words) in enumerate(lines, start=1) if words}
    expected_refusals[24] = "UTF-8"
    assert [refusal.line for refusal in report.refusals] == sorted(expected_refusals)
    for refusal in report.refusals:
        assert expected_refusals[refusal.line] in refusal.reason, refusal
        assert str(refusal).startswith(f"line {refusal.line}: ")
    assert (report.added, report.duplicates) == (len(good), 1)
    assert {str(row["id"]) for row in stored(people, "id")} == {record["id"] for record in good}
    # nothing of a refused line is stored, not even its run
    with people.engine.connect() as conn:
        run_ids = {str(run_id) for run_id in conn.execute(select(runs.c.id)).scalars()}
    assert run_ids == {record["run_id"] for record in good}
    # hashes given in the input are ignored
    row = next(row for row in stored(people) if str(row["id"]) == good[3]["id"])
    assert row["entry_hash"] != "f" * 64 and row["prev_hash"] != "e" * 64
    check_chain(people)


def test_ingest_file_that_does_not_exist(people: Ledger, tmp_path: Path) -> None:
    with pytest.raises(LedgerError) as caught:
        people.ingest_file(tmp_path / "missing.jsonl")
    assert "missing.jsonl" in caught.value.message


def test_records_refused_by_position(people: Ledger) -> None:
    report = people.ingest([rec(1), "not a record", rec(2, user_id="nobody"), rec(3, org_id="globex"), rec(4)])
    assert report.added == 2
    assert [(refusal.line, word in refusal.reason) for refusal, word in
            zip(report.refusals, ["object", "nobody", "globex"])] == [(2, True), (3, True), (4, True)]


# --- owner ------------------------------------------------------------------------------------

def test_owner_may_only_ingest_their_own_actions(people: Ledger) -> None:
    alice = people.principal("alice")
    mine = [rec(1), rec(2)]
    report = people.ingest(
        [mine[0], rec(3, user_id="dave"), rec(4, user_id="bob", org_id="globex"),
         rec(5, org_id="globex"), mine[1]],
        owner=alice,
    )
    assert report.added == 2
    assert [refusal.line for refusal in report.refusals] == [2, 3, 4]
    assert "'dave'" in report.refusals[0].reason and "'alice'" in report.refusals[0].reason
    assert "'globex'" in report.refusals[2].reason
    assert {str(row["id"]) for row in stored(people, "id")} == {record["id"] for record in mine}


# --- exact values -----------------------------------------------------------------------------

COSTS = [
    (Decimal("0.0123"), "0.0123"), ("0.0123", "0.0123"), (0.0123, "0.0123"), (0.1, "0.1"), (0.2, "0.2"),
    ("0.3", "0.3"), (0, "0"), (1, "1"), ("0.0000000001", "0.0000000001"), ("1E-10", "0.0000000001"),
    ("12.3456789012", "12.3456789012"), ("99999999.9999999999", "99999999.9999999999"),
    ("0.01230000000", "0.0123"), ("100.00", "100"), (Decimal("2.5E+3"), "2500"),
]


def test_costs_round_trip_exactly(people: Ledger) -> None:
    records = [rec(n, cost_usd=cost) for n, (cost, _) in enumerate(COSTS)]
    report = people.ingest(records + [rec(99, cost_usd=0.1 + 0.2)])
    assert report.added == len(COSTS)
    assert [refusal.line for refusal in report.refusals] == [len(COSTS) + 1]
    assert "cost_usd" in report.refusals[0].reason and "decimal places" in report.refusals[0].reason

    items = people.query(people.principal("alice"), sort_by="timestamp", sort_order="asc").items
    assert [format(item.cost_usd, "f") for item in items] == [text for _, text in COSTS]
    assert [item.model_dump(mode="json")["cost_usd"] for item in items] == [text for _, text in COSTS]
    assert all(item.cost_usd == Decimal(text) for item, (_, text) in zip(items, COSTS))
    assert {str(item.cost_usd) for item in items} >= {"0.0123", "100", "2500", "99999999.9999999999"}
    by_text = {str(item.cost_usd): item.cost_usd for item in items}
    assert by_text["0.1"] + by_text["0.2"] == by_text["0.3"] == Decimal("0.3")
    with people.engine.connect() as conn:
        raw = set(conn.execute(select(ledger_entries.c.cost_usd)).scalars())
    assert Decimal("0.0123") in raw and Decimal("99999999.9999999999") in raw
    # the cost filters see the same exact values
    assert people.query(people.principal("alice"), min_cost="0.0123", max_cost=0.0123).total == 4


def test_timestamps_come_back_utc(people: Ledger) -> None:
    plus_two = timezone(timedelta(hours=2))
    given = [
        ("2025-01-01T01:59:59.999+02:00", datetime(2024, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)),
        ("2024-12-31T18:29:59.999999-05:30", datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("2024-06-01T12:00:00", datetime(2024, 6, 1, 12, tzinfo=UTC)),
        ("2024-06-01T12:00:00.000001Z", datetime(2024, 6, 1, 12, 0, 0, 1, tzinfo=UTC)),
        (datetime(2024, 6, 1, 14, 30, tzinfo=plus_two), datetime(2024, 6, 1, 12, 30, tzinfo=UTC)),
        (datetime(2024, 6, 1, 9), datetime(2024, 6, 1, 9, tzinfo=UTC)),
    ]
    records = [rec(n, timestamp=stamp) for n, (stamp, _) in enumerate(given)]
    assert people.ingest(records).added == len(given)
    items = {str(item.id): item for item in people.query(people.principal("alice")).items}
    for record, (_, expected) in zip(records, given):
        moment = items[record["id"]].timestamp
        assert moment == expected
        assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)
    # the boundary instant is inside an end date of 2024-12-31 and outside one of 2024-12-30
    alice = people.principal("alice")
    inside = {str(item.id) for item in people.query(alice, start_date="2024-12-31", end_date="2024-12-31").items}
    assert inside == {records[0]["id"], records[1]["id"]}


# --- the chain and the runs -----------------------------------------------------------------------

def test_chain_is_per_organization_in_ingest_order(people: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest_module, "BATCH_SIZE", 3)
    # timestamps deliberately not in ingest order: the chain follows ingest order
    first = [rec(30 - n, user_id="bob", org_id="globex") if n % 3 == 0 else rec(30 - n, entry_hash="x", prev_hash="y")
             for n in range(10)]
    second = [rec(n, user_id="dave") for n in range(4)] + [rec(50, user_id="bob", org_id="globex")]
    assert people.ingest(first).added == 10
    assert people.ingest(second).added == 5
    chains = check_chain(people)
    everything = first + second
    for org in ("acme", "globex"):
        assert chains[org] == [record["id"] for record in everything if record["org_id"] == org]


def test_run_is_created_from_its_first_entry(people: Ledger) -> None:
    run_id = str(uuid.uuid4())
    middle, late, early = BASE, BASE + timedelta(hours=2), BASE - timedelta(hours=1)
    report = people.ingest([
        rec(timestamp=middle.isoformat(), run_id=run_id, agent_id="agent-first"),
        rec(timestamp=late.astimezone(timezone(timedelta(hours=2))).isoformat(), run_id=run_id, agent_id="agent-b"),
        rec(timestamp=early.isoformat(), run_id=run_id, agent_id="agent-c", outcome="error"),
    ])
    assert report.added == 3
    with people.engine.connect() as conn:
        rows = [dict(row) for row in conn.execute(select(runs)).mappings()]
    assert len(rows) == 1
    run = rows[0]
    assert (str(run["id"]), run["user_id"], run["org_id"], run["agent_id"]) == (run_id, "alice", "acme", "agent-first")
    assert (run["started_at"], run["ended_at"]) == (early, late)
    assert run["status"] == "failed"
    assert run["multi_day"] is False  # 11:00 to 14:00 UTC (16:00 at +02:00): one UTC day
    # a later ingest widens the span of the existing run, to a second UTC day
    later = BASE + timedelta(days=1)
    assert people.ingest([rec(timestamp=later.isoformat(), run_id=run_id)]).added == 1
    with people.engine.connect() as conn:
        run = dict(conn.execute(select(runs)).mappings().one())
    assert (run["started_at"], run["ended_at"], run["agent_id"]) == (early, later, "agent-first")
    assert run["multi_day"] is True
    # and another user may not add to it
    refused = people.ingest([rec(run_id=run_id, user_id="dave")])
    assert refused.added == 0 and run_id in refused.refusals[0].reason
    assert count(people, runs) == 1


def test_export_form_ingests_back_identically(people: Ledger, make_ledger) -> None:  # type: ignore[no-untyped-def]
    """JSONL written from query results ingests into an empty ledger to the same entries (hashes aside)."""
    from ledger_core.formats.wire import loads_line, to_json

    people.ingest([rec(n, cost_usd=cost, metadata={"tokens": n, "ratio": 0.5}) for n, (cost, _) in enumerate(COSTS)])
    alice = people.principal("alice")
    lines = [to_json(entry_json_fields(item.model_dump())) for item in people.query(alice).items]
    copy = make_ledger(f"ingest_copy_{uuid.uuid4().hex[:6]}")
    copy.add_user("alice", org_id="acme", role="user")
    report = copy.ingest([loads_line(line) for line in lines])
    assert (report.added, report.refused) == (len(lines), 0)

    def strip(line: str) -> dict[str, Any]:
        fields = loads_line(line)
        return {k: v for k, v in fields.items() if k not in ("entry_hash", "prev_hash")}

    again = [to_json(entry_json_fields(item.model_dump())) for item in copy.query(copy.principal("alice")).items]
    assert [strip(line) for line in again] == [strip(line) for line in lines]
    check_chain(copy)


# --- values no backend can store must be refused, never crash the ingest --------------------------

def test_awkward_json_values(people: Ledger, tmp_path: Path) -> None:
    good = rec(1, metadata={"big": 1e20, "bigger": 1.2345e25, "negative_zero": -0.0, "tiny": 1e-7, "n": 10**30},
               input=[{"b": 1, "a": [0.1, 0.30000000000000004]}], output="\u2028 é ✓")
    lines = [
        json.dumps(good),                                                                    # 1
        json.dumps(rec(2))[:-1] + ', "output": "bad \\ud800 text"}',                          # 2 lone surrogate
        json.dumps(rec(3))[:-1] + ', "error_message": "\\udfff"}',                            # 3
        json.dumps(rec(4))[:-1] + ', "input": {"\\ud800": 1}}',                               # 4 in a key
        json.dumps(rec(5))[:-1] + ', "input": ' + "1" * 5000 + "}",                           # 5 int too long
        json.dumps(rec(6))[:-1] + ', "input": "nul \\u0000"}',                                # 6
        json.dumps(rec(7, agent_id="a\x00b")),                                                # 7
        json.dumps(rec(8))[:-1] + ', "metadata": {"x": NaN}}',                                # 8
        json.dumps(rec(9)),                                                                   # 9
    ]
    path = tmp_path / "awkward.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode("utf-8"))  # with a byte order mark
    report = people.ingest_file(path)
    assert report.added == 2
    assert [refusal.line for refusal in report.refusals] == [2, 3, 4, 5, 6, 7, 8]
    reasons = [refusal.reason for refusal in report.refusals]
    for reason, word in zip(reasons, ["output", "error_message", "input", "JSON", "input", "agent_id", "metadata"]):
        assert word in reason
    # the stored form is the hashed form on both backends (jsonb rewrites 1e+20 and -0.0)
    check_chain(people)
    item = next(item for item in people.query(people.principal("alice")).items if str(item.id) == good["id"])
    assert item.metadata == {"big": 10**20, "bigger": 12345000000000000000000000, "negative_zero": 0.0,
                             "tiny": 1e-7, "n": 10**30}
    assert item.input == [{"a": [0.1, 0.30000000000000004], "b": 1}] and item.output == "\u2028 é ✓"
    # the same through the Python API
    deep: list[Any] = []
    for _ in range(100):
        deep = [deep]
    report = people.ingest([rec(10, input={"n": 10**1000}), rec(11, metadata={"x": float("inf")}),
                            rec(12, input=deep), rec(13, output={"when": datetime(2024, 1, 1, tzinfo=UTC)})])
    assert [refusal.line for refusal in report.refusals] == [1, 2, 3]
    assert report.added == 1
    check_chain(people)


def test_a_refused_entry_does_not_shadow_a_valid_one_with_its_id(people: Ledger) -> None:
    alices_run = str(uuid.uuid4())
    shared_id = str(uuid.uuid4())
    valid = rec(3, id=shared_id, user_id="dave")
    report = people.ingest([
        rec(1, run_id=alices_run),
        rec(2, id=shared_id, run_id=alices_run, user_id="dave"),  # refused: alice's run
        valid,  # the same id, now valid: stored
        dict(valid),  # a real duplicate
    ])
    assert (report.added, report.duplicates, [r.line for r in report.refusals]) == (2, 1, [2])
    assert shared_id in {str(row["id"]) for row in stored(people, "id")}


def test_concurrent_ingests_of_the_same_records(people: Ledger) -> None:
    """Retried uploads racing each other: every id stored once, the others reported as duplicates."""
    import threading

    people.ingest([rec(0)])  # the organization's chain head exists
    records = [rec(n) for n in range(1, 3001)]
    barrier = threading.Barrier(3)
    reports: list[Any] = []

    def upload() -> None:
        other = Ledger(people.url, rate_limits=None)
        try:
            barrier.wait()
            reports.append(other.ingest(records))
        except Exception as exc:  # noqa: BLE001 - reported below
            reports.append(exc)
        finally:
            other.dispose()

    threads = [threading.Thread(target=upload) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(not isinstance(report, Exception) for report in reports), reports
    assert sum(report.added for report in reports) == 3000
    assert sum(report.duplicates for report in reports) == 6000
    assert count(people) == 3001
    check_chain(people)


def test_ids_stored_meanwhile_by_another_writer_are_duplicates(people: Ledger,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Deterministic form of the race: the duplicate check misses ids another writer has just
    stored, the insert collides, and the batch is retried (on PostgreSQL the COPY's own error too)."""
    records = [rec(n) for n in range(20)]
    people.ingest(records[:10])
    real_hashes = ingest_module._stored_hashes
    calls = {"n": 0}

    def stale_first_check(conn, ids: list[str]):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        return {} if calls["n"] == 1 else real_hashes(conn, ids)

    monkeypatch.setattr(ingest_module, "_stored_hashes", stale_first_check)
    report = people.ingest(records)
    assert (report.added, report.duplicates, report.refused) == (10, 10, 0)
    assert count(people) == 20
    check_chain(people)


def test_bulk_load_into_an_empty_ledger_rebuilds_every_index(ledger):  # type: ignore[no-untyped-def]
    ledger.add_user("alice", org_id="acme", role="user", password="pw")
    records = [rec(i) for i in range(50)]
    report = ledger.ingest(records, bulk=True)
    assert (report.added, report.duplicates) == (50, 0)
    assert _missing_indexes(ledger) == set()
    assert ledger.query(ledger.principal("alice"), page_size=1000).total == 50
    again = ledger.ingest(records, bulk=True)  # not empty any more: an ordinary, idempotent ingest
    assert (again.added, again.duplicates) == (0, 50)


def test_bulk_load_refreshes_the_statistics_of_entries_and_rollups(ledger):  # type: ignore[no-untyped-def]
    """A large first load leaves the planner statistics (and on PostgreSQL the visibility
    map, by VACUUM) of the entries, runs and rollups fresh: without them the stats of a
    freshly loaded 1M-row PostgreSQL ledger read 3-5x slower."""
    from sqlalchemy import text

    from ledger_core.store.db import is_postgresql

    ledger.add_user("alice", org_id="acme", role="user", password="pw")
    tables = ("ledger_entries", "runs", "rollup_outcomes", "rollup_actions", "rollup_runs", "rollup_durations")
    with ledger.engine.connect() as conn:
        before = conn.execute(text("SELECT now()")).scalar_one() if is_postgresql(conn) else None
    ledger.ingest([rec(i) for i in range(50)], bulk=True)
    with ledger.engine.connect() as conn:
        if is_postgresql(conn):
            rows = conn.execute(text(
                "SELECT relname, last_vacuum, last_analyze FROM pg_stat_user_tables "
                "WHERE schemaname = current_schema() AND relname = ANY(:names)"), {"names": list(tables)}).all()
            assert {name for name, vacuumed, analyzed in rows if vacuumed and vacuumed >= before
                    and analyzed and analyzed >= before} == set(tables)
        else:
            analyzed = set(conn.execute(text("SELECT DISTINCT tbl FROM sqlite_stat1")).scalars())
            assert set(tables) <= analyzed


def _everything_stored(ledger: Ledger) -> dict[str, list[tuple]]:
    """Every row of the entries (but the ingest time), runs, chain heads and rollups, sorted."""
    from ledger_core.store.schema import ROLLUP_TABLES

    tables = [ledger_entries, runs, chain_heads, *ROLLUP_TABLES]
    with ledger.engine.connect() as conn:
        return {table.name: sorted(
            (tuple(str(value) for key, value in row.items() if key not in ("ingested_at", "updated_at"))
             for row in conn.execute(select(table)).mappings()))
            for table in tables}


def _bulk_file(tmp_path: Path) -> Path:
    """A JSONL file of 60 lines: actions of three users, duplicates, a conflict, a run of
    another user, blank, broken and invalid lines."""
    alices_run = str(uuid.uuid4())
    good = [rec(n, user_id=("alice", "dave", "bob")[n % 3], org_id="globex" if n % 3 == 2 else "acme",
                run_id=alices_run if n % 3 == 0 else str(uuid.uuid4()), outcome=("success", "error")[n % 5 == 0])
            for n in range(45)]
    lines = [json.dumps(record) for record in good]
    lines[10:10] = ['{"broken', "", "[1]", json.dumps(rec(50, cost_usd="-1")), json.dumps(good[3])]
    lines[30:30] = [json.dumps(dict(good[4], outcome="blocked")), json.dumps(rec(51, user_id="mallory")),
                    json.dumps(rec(52, user_id="dave", run_id=alices_run)), "\u00a0", b"\xff{}".decode("latin-1")]
    path = tmp_path / "bulk.jsonl"
    path.write_bytes("\n".join(lines).encode("utf-8").replace("ÿ".encode("utf-8"), b"\xff") + b"\n")
    return path


def test_a_bulk_load_in_a_worker_process_stores_what_one_process_does(make_ledger, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A bulk load validates in a worker process, a few small batches ahead (forced here):
    the same entries, chain, runs, rollups and refusals (by line) as without one, and no
    worker is left behind."""
    import multiprocessing

    monkeypatch.setattr(ingest_module, "BULK_BATCH_SIZE", 4)
    path = _bulk_file(tmp_path)
    results = {}
    for parallel in (False, True):
        ledger = make_ledger(f"bulk_worker_{parallel}".lower())
        for user, org in (("alice", "acme"), ("dave", "acme"), ("bob", "globex")):
            ledger.add_user(user, org_id=org, role="user")
        monkeypatch.setattr(ingest_module, "may_fork", lambda parallel=parallel: parallel)
        children: list[int] = []
        report = ingest_module.ingest(ledger.engine, ingest_module.read_jsonl(path), numbered=True, bulk=True,
                                      progress=lambda line, report, seen=children: seen.append(
                                          len(multiprocessing.active_children())))
        assert multiprocessing.active_children() == []
        assert max(children) == (1 if parallel else 0)
        results[parallel] = (report.added, report.duplicates,
                             [(r.line, r.reason) for r in report.refusals], _everything_stored(ledger))
        check_chain(ledger)
    assert results[True] == results[False]
    added, duplicates, refusals, _ = results[True]
    assert (added, duplicates) == (45, 1)
    assert [line for line, _ in refusals] == [11, 13, 14, 31, 32, 33, 35]
    assert "not valid UTF-8" in refusals[-1][1] and "conflict" in refusals[3][1]


def test_a_record_of_an_unknown_user_leaves_the_rest_of_its_chunk_in_the_rollups_alone(  # type: ignore[no-untyped-def]
        make_ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker folds a chunk's rollups before the writer refuses a record of a user the
    ledger does not know: the writer then folds what it stores again, so the refused
    record's count, cost and run are in no rollup (the same rows as without a worker)."""
    monkeypatch.setattr(ingest_module, "BULK_BATCH_SIZE", 4)
    records = [rec(n) for n in range(8)]
    records[5] = rec(5, user_id="mallory")
    results = {}
    for parallel in (False, True):
        ledger = make_ledger(f"bulk_worker_unknown_{parallel}".lower())
        ledger.add_user("alice", org_id="acme", role="user")
        monkeypatch.setattr(ingest_module, "may_fork", lambda parallel=parallel: parallel)
        report = ingest_module.ingest(ledger.engine, records, bulk=True)
        assert (report.added, [r.line for r in report.refusals]) == (7, [6])
        results[parallel] = _everything_stored(ledger)
    assert results[True] == results[False]
    assert sum(int(row[-1]) for row in results[True]["rollup_action_outcomes"]) == 2 * 7  # day and month rows


def test_an_error_while_reading_stops_the_worker_and_stores_what_came_before(  # type: ignore[no-untyped-def]
        make_ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc
    import multiprocessing

    monkeypatch.setattr(ingest_module, "BULK_BATCH_SIZE", 4)
    monkeypatch.setattr(ingest_module, "may_fork", lambda: True)
    ledger = make_ledger("bulk_worker_error")
    ledger.add_user("alice", org_id="acme", role="user")

    def records():  # type: ignore[no-untyped-def]
        for n in range(20):
            yield rec(n)
        raise OSError("the disk went away")

    with pytest.raises(OSError, match="disk went away"):
        ingest_module.ingest(ledger.engine, records(), bulk=True)
    assert multiprocessing.active_children() == []
    assert gc.isenabled()
    assert count(ledger) == 20  # what was read before the error, also the chunks read ahead
    check_chain(ledger)
    assert _missing_indexes(ledger) == set()  # built before the error went on


def test_a_worker_that_dies_stops_the_load_with_a_clear_error_and_keeps_what_came_before(  # type: ignore[no-untyped-def]
        make_ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker process reads the records itself: if it dies (killed, out of memory), the
    writer does not wait forever but stops with the worker's exit code, and what it had
    handed over is stored, whole batches with their chain."""
    import multiprocessing
    import os
    import time

    monkeypatch.setattr(ingest_module, "BULK_BATCH_SIZE", 4)
    monkeypatch.setattr(ingest_module, "WORKER_POLL_SECONDS", 0.05)
    monkeypatch.setattr(ingest_module, "may_fork", lambda: True)
    ledger = make_ledger("bulk_worker_dies")
    ledger.add_user("alice", org_id="acme", role="user")
    parent = os.getpid()

    def records():  # type: ignore[no-untyped-def]
        for n in range(10):
            yield rec(n)
        if os.getpid() != parent:
            time.sleep(0.5)  # the two chunks of 4 are handed over by then
            os._exit(3)

    with pytest.raises(RuntimeError, match=r"worker process .* stopped \(exit code 3\)"):
        ingest_module.ingest(ledger.engine, records(), bulk=True)
    assert multiprocessing.active_children() == []
    assert count(ledger) == 8
    check_chain(ledger)
    assert _missing_indexes(ledger) == set()


def _missing_indexes(ledger: Ledger) -> set[str]:
    """The indexes of the entries and the rollups that the database does not have."""
    from sqlalchemy import inspect as sa_inspect

    from ledger_core.store.schema import ROLLUP_TABLES

    tables = (ledger_entries, *ROLLUP_TABLES)
    inspector = sa_inspect(ledger.engine)
    present = {ix["name"] for table in tables for ix in inspector.get_indexes(table.name)}
    return {ix.name for table in tables for ix in table.indexes} - present


def test_an_interrupted_bulk_load_stops_at_once_and_init_builds_the_indexes(  # type: ignore[no-untyped-def]
        make_ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C during a bulk load stops it without the index builds (minutes at scale);
    the next `init`, which every command runs first, builds them."""
    monkeypatch.setattr(ingest_module, "BULK_BATCH_SIZE", 5)
    ledger = make_ledger("bulk_interrupted")
    ledger.add_user("alice", org_id="acme", role="user")

    def records():  # type: ignore[no-untyped-def]
        yield from (rec(n) for n in range(12))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest_module.ingest(ledger.engine, records(), bulk=True)
    assert count(ledger) in (0, 5, 10)  # whole batches (a worker reads ahead of the writer)
    assert {"ix_le_org_timestamp", "ix_rollup_durations_agent"} <= _missing_indexes(ledger)
    ledger.init()
    assert _missing_indexes(ledger) == set()
    if count(ledger):
        check_chain(ledger)


def test_init_restores_indexes_an_interrupted_bulk_load_left_out(ledger):  # type: ignore[no-untyped-def]
    with ledger.engine.begin() as conn:
        next(ix for ix in ledger_entries.indexes if ix.name == "ix_le_org_timestamp").drop(conn)
    assert _missing_indexes(ledger) == {"ix_le_org_timestamp"}
    ledger.init()
    assert _missing_indexes(ledger) == set()


# --- conflicting duplicates (issue 9) ------------------------------------------------------------

def test_same_id_with_other_content_is_a_conflict_and_the_stored_record_stays(people: Ledger) -> None:
    records = [rec(n, compliance=None, error_message=None) for n in range(3)]
    assert people.ingest(records).added == 3
    before = stored(people)
    resent = [
        dict(records[0]),                                                      # 1 identical: a duplicate
        dict(records[1], cost_usd="5"),                                        # 2 another cost
        dict(records[2], input={"sql": "drop table x"}, duration_ms=99),       # 3 other input and duration
        dict(records[0], timestamp=(BASE + timedelta(hours=1)).isoformat()),   # 4 another time
        dict(records[1], cost_usd="0.01230"),                                  # 5 the same amount: a duplicate
        dict(records[2], timestamp=(BASE + timedelta(seconds=2)).astimezone(timezone(timedelta(hours=2)))
             .isoformat()),                                                    # 6 the same instant elsewhere
    ]
    report = people.ingest(resent)
    assert (report.added, report.duplicates, report.refused, report.conflicts) == (0, 3, 3, 3)
    assert [(r.line, r.conflict_fields) for r in report.refusals] == [
        (2, ("cost_usd",)), (3, ("duration_ms", "input")), (4, ("timestamp",))]
    assert "cost_usd (stored '0.0123', sent '5')" in report.refusals[0].reason
    assert all("the stored record is unchanged" in r.reason and records[0]["id"][:8] in report.refusals[2].reason
               for r in report.refusals)
    assert "conflicting" in report.summary()
    assert stored(people) == before
    check_chain(people)


def test_an_owner_learns_nothing_of_a_conflicting_record_outside_their_scope(people: Ledger) -> None:
    bobs = rec(1, user_id="bob", org_id="globex", cost_usd="7.5")
    people.ingest([bobs])
    mine = dict(bobs, user_id="alice", org_id="acme", run_id=str(uuid.uuid4()))
    report = people.ingest([mine], owner=people.principal("alice"))
    assert report.conflicts == 1 and report.added == 0
    reason = report.refusals[0].reason
    assert "already used by another record" in reason
    assert "globex" not in reason and "bob" not in reason and "7.5" not in reason
    assert count(people) == 1


def test_cli_ingest_reports_a_conflict_and_exits_non_zero(people: Ledger, tmp_path: Path) -> None:
    from ledger_core.__main__ import main

    record = rec(1)
    path = tmp_path / "actions.jsonl"
    path.write_text(json.dumps(record) + "\n")
    assert main(["--database-url", people.url, "ingest", str(path)]) == 0
    assert main(["--database-url", people.url, "ingest", str(path)]) == 0  # identical: a harmless duplicate
    path.write_text(json.dumps(record) + "\n" + json.dumps(dict(record, outcome="error")) + "\n")
    assert main(["--database-url", people.url, "ingest", str(path)]) == 1
    assert stored(people, "outcome") == [{"outcome": "success"}]


# --- the accepted timestamp range (issue 9) ------------------------------------------------------

@pytest.mark.parametrize("timestamp", [
    "9999-12-31T12:00:00Z", "0001-01-01T00:00:00Z", "1999-12-31T23:59:59.999999Z", "1970-01-01T00:00:00Z",
    "2200-01-01T00:00:00Z", "2000-01-01T00:00:00+00:01",
])
def test_timestamps_outside_the_accepted_range_are_refused_naming_the_field(people: Ledger, timestamp: str) -> None:
    for owner in (None, people.principal("alice")):
        report = people.ingest([rec(1, timestamp=timestamp), rec(2)], owner=owner)
        assert (report.added, report.refused) == (1, 1)
        reason = report.refusals[0].reason
        assert reason.startswith("timestamp") and "accepted range" in reason and "2000-01-01T00:00:00" in reason
    assert count(people) == 2 and count(people, runs) == 2


def test_the_range_follows_the_server_clock(people: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger_core import clock

    now = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
    monkeypatch.setattr(clock, "now_utc", lambda: now)
    edge = now + timedelta(days=1)
    report = people.ingest([
        rec(1, timestamp="2000-01-01T00:00:00Z"),                               # the first instant: accepted
        rec(2, timestamp=edge.isoformat()),                                    # one day ahead: accepted
        rec(3, timestamp=(edge + timedelta(microseconds=1)).isoformat()),      # beyond: refused
    ])
    assert (report.added, [r.line for r in report.refusals]) == (2, [3])
    assert "2030-06-02T12:00:00.000000Z" in report.refusals[0].reason
