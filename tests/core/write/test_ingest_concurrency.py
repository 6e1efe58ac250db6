"""Concurrent ingests (issue 9): 8 processes load overlapping batches at once, with retried
duplicates, ids shared across organizations and runs claimed by two owners. Every action
id is stored exactly once in one organization, every run has one owner, nothing raises,
and every organization's chain is whole (sequence 1..n, each prev_hash the entry before).

The race needs real concurrent writers, so it runs on PostgreSQL (SQLite takes one writer
at a time; it runs there too, as a check that serialized writers agree)."""
from __future__ import annotations

import multiprocessing
import random
import time
import uuid
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import func, select

from ledger_core import Ledger
from ledger_core.store.schema import ledger_entries, runs
from tests.core.write.test_ingest import BASE, check_chain

PROCESSES = 8
POOL = 2400
BATCH = 150
TWINS = 150  # ids sent under two organizations at once, per pair of processes
OWNERS = [("alice", "acme"), ("bob", "acme"), ("dave", "globex"), ("ivan", "initech")]


def _record(rng: random.Random, entry_id: str, run_id: str, owner: tuple[str, str], n: int) -> dict[str, Any]:
    from datetime import timedelta

    return {
        "id": entry_id, "run_id": run_id, "timestamp": (BASE + timedelta(seconds=n)).isoformat(),
        "action_name": rng.choice(["database_query", "http_request", "send_email"]), "agent_id": "agent-1",
        "outcome": rng.choice(["success", "error"]), "cost_usd": str(rng.randrange(1000) / 1000),
        "duration_ms": n, "risk_level": "low", "user_id": owner[0], "org_id": owner[1],
    }


def plan(seed: int = 9) -> tuple[list[list[dict[str, Any]]], dict[str, set[str]], set[str]]:
    """Each process's stream of records: every pool record goes to two processes; 10% of each
    stream is sent again later (a retried upload); 4 x 150 ids are sent at the same moment by two processes
    under two organizations (their first batches); 20 runs are claimed by two owners.
    -> (streams, the organizations each id may end up in, the runs claimed twice)"""
    rng = random.Random(seed)
    run_owner = {}
    run_ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(300)]
    for run_id in run_ids:
        run_owner[run_id] = rng.choice(OWNERS)
    streams: list[list[dict[str, Any]]] = [[] for _ in range(PROCESSES)]
    first: list[list[dict[str, Any]]] = [[] for _ in range(PROCESSES)]
    allowed: dict[str, set[str]] = defaultdict(set)
    for n in range(POOL):
        run_id = rng.choice(run_ids)
        record = _record(rng, str(uuid.UUID(int=rng.getrandbits(128), version=4)), run_id, run_owner[run_id], n)
        allowed[record["id"]].add(record["org_id"])
        targets = rng.sample(range(PROCESSES), 2)
        for process in targets:
            streams[process].append(dict(record))
    # The race of the issue: two processes start at the same moment with the same ids under
    # two organizations (their first batches; each batch of one organization, so that no
    # chain lock they share orders them).
    pairs = [(OWNERS[0], OWNERS[2]), (OWNERS[3], OWNERS[1]), (OWNERS[2], OWNERS[3]), (OWNERS[1], OWNERS[2])]
    for pair, (mine, theirs) in enumerate(pairs):
        for k in range(TWINS):
            n = POOL + 200 + pair * TWINS + k
            record = _record(rng, str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                             str(uuid.UUID(int=rng.getrandbits(128), version=4)), mine, n)
            first[2 * pair].append(record)
            first[2 * pair + 1].append(dict(record, user_id=theirs[0], org_id=theirs[1],
                                            run_id=str(uuid.UUID(int=rng.getrandbits(128), version=4))))
            allowed[record["id"]] |= {mine[1], theirs[1]}
    contested_runs = set(rng.sample(run_ids, 20))
    for index, run_id in enumerate(sorted(contested_runs)):  # a second owner's actions in the same run
        other = next(owner for owner in OWNERS if owner[1] != run_owner[run_id][1])
        for k in range(5):
            entry_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            record = _record(rng, entry_id, run_id, other, POOL + index * 5 + k)
            allowed[record["id"]].add(other[1])
            streams[rng.randrange(PROCESSES)].append(record)
    for process, stream in enumerate(streams):
        rng.shuffle(stream)
        stream[:0] = first[process]
        stream.extend(dict(record) for record in rng.sample(stream, len(stream) // 10))  # retried duplicates
    return streams, allowed, contested_runs


def upload(args: tuple[str, list[dict[str, Any]], float]) -> dict[str, Any] | str:
    url, stream, start_at = args
    ledger = Ledger(url, rate_limits=None)
    try:
        time.sleep(max(0.0, start_at - time.time()))
        totals: Counter[str] = Counter()
        reasons = []
        for start in range(0, len(stream), BATCH):
            report = ledger.ingest(stream[start:start + BATCH])
            totals.update(added=report.added, duplicates=report.duplicates, refused=report.refused,
                          conflicts=report.conflicts)
            reasons += [refusal.reason for refusal in report.refusals]
        return {**totals, "reasons": reasons}
    except Exception as exc:  # noqa: BLE001 - the test reports it
        return f"{type(exc).__name__}: {exc}"
    finally:
        ledger.dispose()


def test_eight_processes_store_every_action_once_in_one_organization(make_ledger) -> None:  # type: ignore[no-untyped-def]
    ledger = make_ledger(f"race_{uuid.uuid4().hex[:6]}")
    for user, org in OWNERS:
        ledger.add_user(user, org_id=org, role="user")
    streams, allowed, contested_runs = plan()
    start_at = time.time() + 1.5
    with multiprocessing.get_context("fork").Pool(PROCESSES) as pool:
        results = pool.map(upload, [(ledger.url, stream, start_at) for stream in streams])
    errors = [result for result in results if isinstance(result, str)]
    assert errors == []

    with ledger.engine.connect() as conn:
        entries = conn.execute(select(ledger_entries.c.id, ledger_entries.c.org_id, ledger_entries.c.user_id,
                                      ledger_entries.c.run_id)).all()
        run_rows = conn.execute(select(runs.c.id, runs.c.org_id, runs.c.user_id)).all()
        assert conn.execute(select(func.count(ledger_entries.c.id.distinct()))).scalar_one() == len(entries)
    stored_ids = Counter(str(row.id) for row in entries)
    assert max(stored_ids.values()) == 1  # no id twice, in any organization
    # every action whose id no other organization claims, in a run nobody else claims, is stored
    sure = {entry_id for entry_id, orgs in allowed.items() if len(orgs) == 1}
    sure -= {r["id"] for stream in streams for r in stream if r["run_id"] in contested_runs}
    assert sure <= set(stored_ids)
    assert all(row.org_id in allowed[str(row.id)] for row in entries)
    # one owner per run, and every entry belongs to its run's owner
    assert len({row.id for row in run_rows}) == len(run_rows)
    owner_of = {row.id: (row.org_id, row.user_id) for row in run_rows}
    assert all(owner_of[row.run_id] == (row.org_id, row.user_id) for row in entries)
    # the reports add up: each record sent was added, a duplicate, or refused (a conflict or another's run)
    sent = sum(len(stream) for stream in streams)
    added = sum(result["added"] for result in results)  # type: ignore[index]
    assert added == len(entries)
    assert sum(result["added"] + result["duplicates"] + result["refused"] for result in results) == sent  # type: ignore[index]
    assert sum(result["conflicts"] for result in results) > 0  # type: ignore[index]
    reasons = [reason for result in results for reason in result["reasons"]]  # type: ignore[index]
    assert all(reason.startswith("conflict: id") or " belongs to user " in reason for reason in reasons), reasons[:5]
    check_chain(ledger)  # seq 1..n per organization, prev_hash links, hashes, chain heads
