"""Keep the rollups: add stored entries to them (`record`, in the ingest transaction) and
build them from existing entries (`backfill`, migration 0007).

A batch is first folded in Python (one dict per table, keyed like its primary key), then
written as one executemany of `INSERT ... ON CONFLICT DO UPDATE` per table
(`store.db.bulk_upsert`) that adds the counts and sums to the existing row and widens its
first/last timestamps.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from sqlalchemy import Connection, Table, case, func, insert, literal, select

from ..contract.common import RISK_LEVELS
from ..formats.wire import format_timestamp
from ..store.db import bulk_upsert, day_of, stored_forms
from ..store.schema import (
    ROLLUP_TABLES,
    ledger_entries,
    rollup_action_outcomes,
    rollup_actions,
    rollup_compliance,
    rollup_compliance_days,
    rollup_compliance_durations,
    rollup_compliance_runs,
    rollup_durations,
    rollup_outcomes,
    rollup_runs,
)
from ..store.types import COST_SCALE, format_decimal
from . import profiles
from .buckets import bucket_of, chart_bucket_of

RISK_COLUMNS = tuple(f"risk_{level}" for level in RISK_LEVELS)
"""rollup_outcomes' count of entries per risk level."""
ALL_AGENTS = ""
"""`rollup_durations` keeps each bucket twice: per agent, and for all agents under this
agent id (never a real one: agent ids are not empty), so that a request without an agent
reads a few rows per user and period."""
_RISK_INDEX = {level: i for i, level in enumerate(RISK_LEVELS)}
_SUMMED = ("n", "cost_whole", "cost_frac", "duration_ms", "errors", "blocked", *RISK_COLUMNS)
_MEASURES = ("n", "cost_whole", "cost_frac", "duration_ms", "first_at", "last_at")
"""The measures of rollup_outcomes (with its counts per risk level) and rollup_compliance."""

ENTRY_COLUMNS = ("org_id", "user_id", "agent_id", "action_name", "risk_level", "outcome",
                 "timestamp", "cost_usd", "duration_ms", "run_id")
"""The entry fields `record` reads, in their wire form (`formats.wire`): the timestamp as
UTC text with microseconds, the cost as plain decimal text, the run id as canonical text;
and `_profile`, the compliance profile (`profiles.profile_of`)."""


def cost_parts(cost: str) -> tuple[int, int]:
    """(whole dollars, 10^-10 USD fractions) of a non-negative cost's plain decimal text
    (`store.types.format_decimal`: no exponent, at most `COST_SCALE` places)."""
    whole, _, fraction = cost.partition(".")
    return int(whole), int(fraction.ljust(COST_SCALE, "0")) if fraction else 0


@dataclass(slots=True)
class Fold:
    """A batch of entries folded into the rows of each rollup (dicts keyed like the table's
    primary key), before anything is written: a pure function of the entries (`fold`), so a
    bulk load's worker process computes it ahead of the writer (`write`)."""
    outcomes: dict[tuple, list[Any]] = field(default_factory=dict)
    actions: dict[tuple, list[int]] = field(default_factory=dict)
    action_outcomes: dict[tuple, int] = field(default_factory=dict)
    run_rows: dict[tuple, int] = field(default_factory=dict)
    durations: dict[tuple, int] = field(default_factory=dict)
    compliance: dict[tuple, list[Any]] = field(default_factory=dict)
    compliance_runs: dict[tuple, int] = field(default_factory=dict)
    compliance_durations: dict[tuple, int] = field(default_factory=dict)
    days: dict[tuple, list[Any]] = field(default_factory=dict)
    profiles: list[profiles.Profile] = field(default_factory=list)


def record(conn: Connection, entries: Iterable[dict[str, Any]], tables: Sequence[Table] = ROLLUP_TABLES) -> None:
    """Add `entries` (dicts with `ENTRY_COLUMNS`) to the rollups `tables` (every one by
    default), on `conn` (the caller's transaction)."""
    write(conn, fold(entries), tables)


def fold(entries: Iterable[dict[str, Any]]) -> Fold:
    """The rollups' rows of `entries` (dicts with `ENTRY_COLUMNS`), to be added by `write`.

    Periods come from the wire text (`YYYY-MM-DD` and `YYYY-MM` of the UTC instant), and
    the first and last instants of a row are its least and greatest wire texts (fixed
    width: their order is the instants' order)."""
    folded = Fold()
    outcomes, actions, action_outcomes = folded.outcomes, folded.actions, folded.action_outcomes
    run_rows, durations, compliance = folded.run_rows, folded.durations, folded.compliance
    compliance_runs, compliance_durations = folded.compliance_runs, folded.compliance_durations
    digests: dict[profiles.Profile | None, str] = {}
    for e in entries:
        whole, frac = cost_parts(e["cost_usd"])
        moment, duration, agent = e["timestamp"], e["duration_ms"], e["agent_id"]
        org, user, run, bucket = e["org_id"], e["user_id"], e["run_id"], bucket_of(duration)
        chart_bucket = chart_bucket_of(duration)
        risk = 6 + _RISK_INDEX[e["risk_level"]]
        profile = e["_profile"]
        if (digest := digests.get(profile)) is None:
            digest = digests[profile] = profiles.digest(profile)
        profiled = (e["action_name"], e["outcome"], e["risk_level"], digest)
        key = ("day", org, user, moment[:10], agent, e["risk_level"], digest, run)
        compliance_runs[key] = compliance_runs.get(key, 0) + 1
        for grain, period in (("day", moment[:10]), ("month", moment[:7])):
            scope = (grain, org, user, period, agent)
            _measured(outcomes, (*scope, e["outcome"]), whole, frac, duration, moment)[risk] += 1
            row = actions.get(key := (*scope, e["action_name"]))
            if row is None:
                actions[key] = [1, whole, frac]
            else:
                row[0] += 1
                row[1] += whole
                row[2] += frac
            key = (*scope, e["action_name"], e["outcome"])
            action_outcomes[key] = action_outcomes.get(key, 0) + 1
            key = (*scope, run)
            run_rows[key] = run_rows.get(key, 0) + 1
            key = (*scope, bucket)
            durations[key] = durations.get(key, 0) + 1
            key = (grain, org, user, period, ALL_AGENTS, bucket)
            durations[key] = durations.get(key, 0) + 1
            _measured(compliance, (*scope, *profiled), whole, frac, duration, moment, risks=False)
            key = (*scope, e["risk_level"], digest, chart_bucket)
            compliance_durations[key] = compliance_durations.get(key, 0) + 1
    folded.days = _days(compliance)
    folded.profiles = [profile for profile in digests if profile is not None]
    return folded


def write(conn: Connection, folded: Fold, tables: Sequence[Table] = ROLLUP_TABLES) -> None:
    """Add the rows of `folded` to the rollups `tables`, on `conn` (the caller's transaction)."""
    uuid_form, instant_form, _ = stored_forms(conn)
    if rollup_outcomes in tables:
        _upsert(conn, rollup_outcomes,
                [(*key, n, whole, frac, duration, instant_form(first), instant_form(last), *risks)
                 for key, (n, whole, frac, duration, first, last, *risks) in folded.outcomes.items()],
                (*_MEASURES, *RISK_COLUMNS),
                raw=frozenset({"first_at", "last_at"}))
    if rollup_actions in tables:
        _upsert(conn, rollup_actions, [(*key, *values) for key, values in folded.actions.items()],
                ("n", "cost_whole", "cost_frac"))
    if rollup_action_outcomes in tables:
        _upsert(conn, rollup_action_outcomes, [(*key, n) for key, n in folded.action_outcomes.items()], ("n",))
    if rollup_runs in tables:
        _upsert(conn, rollup_runs, [(*key[:-1], uuid_form(key[-1]), n) for key, n in folded.run_rows.items()], ("n",),
                raw=frozenset({"run_id"}))
    if rollup_durations in tables:
        _upsert(conn, rollup_durations, [(*key, n) for key, n in folded.durations.items()], ("n",))
    if rollup_compliance in tables:
        profiles.record(conn, folded.profiles)
        _upsert(conn, rollup_compliance,
                [(*key, n, whole, frac, duration, instant_form(first), instant_form(last))
                 for key, (n, whole, frac, duration, first, last) in folded.compliance.items()],
                _MEASURES, raw=frozenset({"first_at", "last_at"}))
    if rollup_compliance_runs in tables:
        _upsert(conn, rollup_compliance_runs,
                [(*key[:-1], uuid_form(key[-1]), n) for key, n in folded.compliance_runs.items()], ("n",),
                raw=frozenset({"run_id"}))
    if rollup_compliance_durations in tables:
        _upsert(conn, rollup_compliance_durations,
                [(*key, n) for key, n in folded.compliance_durations.items()], ("n",))
    if rollup_compliance_days in tables:
        _upsert(conn, rollup_compliance_days,
                [(*key, n, whole, frac, errors, blocked, instant_form(first), instant_form(last))
                 for key, (n, whole, frac, errors, blocked, first, last) in folded.days.items()],
                _DAY_MEASURES, raw=frozenset({"first_at", "last_at"}))


_DAY_MEASURES = ("n", "cost_whole", "cost_frac", "errors", "blocked", "first_at", "last_at")
"""The measures of rollup_compliance_days: a day's count, cost, errors, blocked actions and
first and last instant."""


def _days(compliance: dict[tuple, list[Any]]) -> dict[tuple, list[Any]]:
    """rollup_compliance_days' rows (`_DAY_MEASURES`) folded from rollup_compliance's day
    rows of a batch (keyed grain, organization, user, period, agent, action name, outcome,
    risk level, profile), which hold fewer rows than the batch has entries."""
    days: dict[tuple, list[Any]] = {}
    for (grain, org, user, period, _, _, outcome, risk, digest), (n, whole, frac, _, first, last) in compliance.items():
        if grain != "day":
            continue
        row = days.get(key := (grain, org, user, period, risk, digest))
        if row is None:
            row = days[key] = [0, 0, 0, 0, 0, first, last]
        row[0] += n
        row[1] += whole
        row[2] += frac
        if outcome == "error":
            row[3] += n
        elif outcome == "blocked":
            row[4] += n
        row[5] = min(row[5], first)
        row[6] = max(row[6], last)
    return days


def _measured(rows: dict[tuple, list[Any]], key: tuple, whole: int, frac: int, duration: int, moment: str, *,
              risks: bool = True) -> list[Any]:
    """Add an entry to the row of `key` in `rows` (`_MEASURES`: count, cost, duration,
    first and last instant, then with `risks` a count per risk level) and return it."""
    row = rows.get(key)
    if row is None:
        row = rows[key] = [0, 0, 0, 0, moment, moment, *([0] * len(RISK_COLUMNS) if risks else [])]
    row[0] += 1
    row[1] += whole
    row[2] += frac
    row[3] += duration
    if moment < row[4]:
        row[4] = moment
    elif moment > row[5]:
        row[5] = moment
    return row


def key_columns(table: Table) -> list[str]:
    """A rollup's key columns in the table's order (grain, organization, user, period,
    then its own keys), which is how `record` builds its rows whatever the order of the
    primary key."""
    return [c.name for c in table.columns if c.primary_key]


def _upsert(conn: Connection, table: Table, rows: list[tuple[Any, ...]], measures: tuple[str, ...],
            raw: frozenset[str] = frozenset()) -> None:
    keys = key_columns(table)
    updates = {}
    for name in measures:
        stored, new = f"{table.name}.{name}", f"excluded.{name}"
        if name in _SUMMED:
            updates[name] = f"{stored} + {new}"
        else:
            better = "<" if name == "first_at" else ">"
            updates[name] = f"CASE WHEN {new} {better} {stored} THEN {new} ELSE {stored} END"
    bulk_upsert(conn, table, [*keys, *measures], rows, keys=keys, updates=updates, raw=raw)


BACKFILL_BATCH = 50_000


def backfill(conn: Connection, tables: Sequence[Table] = ROLLUP_TABLES) -> int:
    """Add every stored entry to the rollups `tables` (which must be empty), organization
    by organization in keyset batches of the primary key; returns the number of entries.
    A migration names the tables it creates: later ones do not exist yet."""
    le = ledger_entries
    columns = [le.c[name] for name in (*ENTRY_COLUMNS, "compliance")]
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
            record(conn, [{**row, "timestamp": format_timestamp(row["timestamp"]), "run_id": str(row["run_id"]),
                           "cost_usd": format_decimal(row["cost_usd"]),
                           "_profile": profiles.profile_of(row["compliance"])} for row in rows], tables)
            done += len(rows)
            last = rows[-1]["id"]
    return done


def backfill_counts(conn: Connection, table: Table) -> int:
    """Fill an empty rollup that keeps only a count per key of entry columns (such as
    `rollup_action_outcomes`) from every stored entry, in two set-based statements: the day
    rows grouped from the entries, then the month rows from the day rows. Returns the
    number of rows in the table. Much faster than `backfill` at millions of entries (no Python
    per entry), and exact for such a table: its count is the only measure."""
    le = ledger_entries
    keys = key_columns(table)[4:]
    day = day_of(le.c.timestamp)
    columns = ["grain", "org_id", "user_id", "period", *keys, "n"]
    by_day = (select(literal("day"), le.c.org_id, le.c.user_id, day, *[le.c[k] for k in keys], func.count())
              .group_by(le.c.org_id, le.c.user_id, day, *[le.c[k] for k in keys]))
    conn.execute(insert(table).from_select(columns, by_day))
    return _months_from_days(conn, table)


def _months_from_days(conn: Connection, table: Table) -> int:
    """Add up the day rows of a count-only rollup into its month rows; returns the number
    of rows in the table."""
    t = table.c
    keys = key_columns(table)[4:]
    month = func.substr(t.period, 1, 7)
    by_month = (select(literal("month"), t.org_id, t.user_id, month, *[t[k] for k in keys], func.sum(t.n))
                .where(t.grain == "day").group_by(t.org_id, t.user_id, month, *[t[k] for k in keys]))
    conn.execute(insert(table).from_select(["grain", "org_id", "user_id", "period", *keys, "n"], by_month))
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


def errors_and_blocked(table: Table) -> list[Any]:
    """A rollup row's count when its outcome is error, and when it is blocked (else 0):
    summed, the errors and blocked actions of the rows of `table` (which keeps the outcome)."""
    return [case((table.c.outcome == outcome, table.c.n), else_=0) for outcome in ("error", "blocked")]


def backfill_compliance_days(conn: Connection) -> int:
    """Fill an empty `rollup_compliance_days` from `rollup_compliance`'s day rows (migration
    0022) in one grouped insert: exact, as its measures add up (and its instants are the
    least and greatest) over the agents, actions and outcomes that rollup_compliance also
    keeps apart. Returns the number of rows in the table."""
    c = rollup_compliance.c
    keys = [c.grain, c.org_id, c.user_id, c.period, c.risk_level, c.profile]
    grouped = (select(*keys, func.sum(c.n), func.sum(c.cost_whole), func.sum(c.cost_frac),
                      *[func.sum(count) for count in errors_and_blocked(rollup_compliance)],
                      func.min(c.first_at), func.max(c.last_at))
               .where(c.grain == "day").group_by(*keys))
    conn.execute(insert(rollup_compliance_days).from_select(
        [*[key.name for key in keys], *_DAY_MEASURES], grouped))
    return conn.execute(select(func.count()).select_from(rollup_compliance_days)).scalar_one()


def backfill_compliance(conn: Connection, chunk: int = 200_000) -> int:
    """Fill an empty `rollup_compliance` (and `compliance_profiles`) from every stored
    entry (migration 0018): the entries counted per day, scope, agent, action, outcome,
    risk and the members of a profile in one grouped read, each group's profile digested
    here (`chunk` groups at a time, added up by the upsert), then the month rows from the
    day rows. Returns the number of rows in the table."""
    le = ledger_entries
    keys = [le.c.org_id, le.c.user_id, day_of(le.c.timestamp), le.c.agent_id, le.c.action_name, le.c.outcome,
            le.c.risk_level, *profiles.member_columns(conn)]
    result = conn.execute(select(*keys, func.count()).group_by(*keys).execution_options(stream_results=True))
    seen: dict[tuple, str] = {}
    while groups := result.fetchmany(chunk):
        rows: dict[tuple, int] = {}
        for org, user, day, agent, action, outcome, risk, *members, n in groups:
            if (digest := seen.get(key := tuple(members))) is None:
                profile = profiles.from_members(*members)
                profiles.record(conn, [profile] if profile is not None else [])
                digest = seen[key] = profiles.digest(profile)
            row = ("day", org, user, day, agent, action, outcome, risk, digest)
            rows[row] = rows.get(row, 0) + int(n)
        _upsert(conn, rollup_compliance, [(*key, n) for key, n in rows.items()], ("n",))
    return _months_from_days(conn, rollup_compliance)
