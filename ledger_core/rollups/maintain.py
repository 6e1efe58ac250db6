"""Keep the rollups: add stored entries to them (`record`, in the ingest transaction) and
build them from existing entries (`backfill`, migration 0007).

A batch is first folded in Python (one dict per table, keyed like its primary key), then
written as one executemany of `INSERT ... ON CONFLICT DO UPDATE` per table
(`store.db.bulk_upsert`) that adds the counts and sums to the existing row and widens its
first/last timestamps.
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Iterable

from sqlalchemy import Connection, Table, select

from ..contract.common import RISK_LEVELS
from ..store.db import bulk_upsert
from ..store.schema import (
    ledger_entries,
    rollup_actions,
    rollup_durations,
    rollup_outcomes,
    rollup_runs,
)
from ..store.types import COST_SCALE
from .buckets import bucket_of

_UNIT = 10 ** COST_SCALE
RISK_COLUMNS = tuple(f"risk_{level}" for level in RISK_LEVELS)
"""rollup_outcomes' count of entries per risk level."""
ALL_AGENTS = ""
"""`rollup_durations` keeps each bucket twice: per agent, and for all agents under this
agent id (never a real one: agent ids are not empty), so that a request without an agent
reads a few rows per user and period."""
_RISK_INDEX = {level: i for i, level in enumerate(RISK_LEVELS)}
_SUMMED = ("n", "cost_whole", "cost_frac", "duration_ms", *RISK_COLUMNS)

ENTRY_COLUMNS = ("org_id", "user_id", "agent_id", "action_name", "risk_level", "outcome",
                 "timestamp", "cost_usd", "duration_ms", "run_id")
"""The entry fields `record` reads."""


def cost_parts(cost: Decimal) -> tuple[int, int]:
    """(whole dollars, 10^-10 USD fractions) of a non-negative cost."""
    return divmod(int(cost.scaleb(COST_SCALE)), _UNIT)


def _periods(moment: datetime) -> tuple[tuple[str, str], tuple[str, str]]:
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    day = moment.date().isoformat()  # zero-padded years, unlike strftime
    return ("day", day), ("month", day[:7])


def record(conn: Connection, entries: Iterable[dict[str, Any]]) -> None:
    """Add `entries` (dicts with `ENTRY_COLUMNS`, as stored) to every rollup, on `conn`
    (the caller's transaction)."""
    outcomes: dict[tuple, list[Any]] = {}
    actions: dict[tuple, list[int]] = {}
    run_rows: dict[tuple, list[int]] = {}
    durations: dict[tuple, list[int]] = {}
    for e in entries:
        whole, frac = cost_parts(e["cost_usd"])
        moment, duration, agent = e["timestamp"], e["duration_ms"], e["agent_id"]
        risk = _RISK_INDEX[e["risk_level"]]
        for grain, period in _periods(moment):
            scope = (grain, e["org_id"], e["user_id"], period, agent)
            row = outcomes.get(key := (*scope, e["outcome"]))
            if row is None:
                row = outcomes[key] = [0, 0, 0, 0, moment, moment, 0, 0, 0, 0]
            row[0] += 1
            row[1] += whole
            row[2] += frac
            row[3] += duration
            row[4] = min(row[4], moment)
            row[5] = max(row[5], moment)
            row[6 + risk] += 1
            row = actions.get(key := (*scope, e["action_name"]))
            if row is None:
                actions[key] = [1, whole, frac]
            else:
                row[0] += 1
                row[1] += whole
                row[2] += frac
            key = (*scope, e["run_id"])
            run_rows[key] = [run_rows.get(key, (0,))[0] + 1]
            bucket = bucket_of(duration)
            for key in ((*scope, bucket), (grain, e["org_id"], e["user_id"], period, ALL_AGENTS, bucket)):
                durations[key] = [durations.get(key, (0,))[0] + 1]
    _upsert(conn, rollup_outcomes, outcomes, ("n", "cost_whole", "cost_frac", "duration_ms", "first_at", "last_at",
                                              *RISK_COLUMNS))
    _upsert(conn, rollup_actions, actions, ("n", "cost_whole", "cost_frac"))
    _upsert(conn, rollup_runs, run_rows, ("n",))
    _upsert(conn, rollup_durations, durations, ("n",))


def _upsert(conn: Connection, table: Table, rows: dict[tuple, list[Any]], measures: tuple[str, ...]) -> None:
    keys = [c.name for c in table.primary_key.columns]
    updates = {}
    for name in measures:
        stored, new = f"{table.name}.{name}", f"excluded.{name}"
        if name in _SUMMED:
            updates[name] = f"{stored} + {new}"
        else:
            better = "<" if name == "first_at" else ">"
            updates[name] = f"CASE WHEN {new} {better} {stored} THEN {new} ELSE {stored} END"
    bulk_upsert(conn, table, [*keys, *measures], [(*key, *values) for key, values in rows.items()],
                keys=keys, updates=updates)


BACKFILL_BATCH = 50_000


def backfill(conn: Connection) -> int:
    """Add every stored entry to the rollups (which must be empty), organization by
    organization in keyset batches of the primary key; returns the number of entries."""
    le = ledger_entries
    columns = [le.c[name] for name in ENTRY_COLUMNS]
    done = 0
    for org_id in conn.execute(select(le.c.org_id).distinct()).scalars().all():
        last: Any = None
        while True:
            statement = (select(le.c.id, *columns).where(le.c.org_id == org_id)
                         .order_by(le.c.id).limit(BACKFILL_BATCH))
            if last is not None:
                statement = statement.where(le.c.id > last)
            rows = conn.execute(statement).mappings().all()
            if not rows:
                break
            record(conn, rows)
            done += len(rows)
            last = rows[-1]["id"]
    return done
