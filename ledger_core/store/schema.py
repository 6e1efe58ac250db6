"""Tables and indexes (SQLAlchemy Core). Alembic migrations mirror this file.

Every table that grows with actions carries `org_id`, and its primary key includes it.
An action id and a run id are also unique across the whole ledger (`ix_le_id`,
`ix_runs_id`): the database itself refuses a second organization's copy, whatever the
concurrency. Sharding by organization would need those two to move to tables of their
own; docs/hardening.md weighs it.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    Uuid,
    and_,
    false,
    func,
    literal_column,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.expression import ColumnElement

from .types import CanonicalJSON, ExactDecimal, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

JSONType = JSON().with_variant(JSONB(), "postgresql")
# An entry's JSON fields keep their exact canonical text: what was hashed and what every
# export writes (see `types.CanonicalJSON`).
EntryJSON = CanonicalJSON()
# Names sort by code point on both backends (SQLite's default); PostgreSQL would
# otherwise follow the database's locale.
NameType = String(200).with_variant(String(200, collation="C"), "postgresql")

organizations = Table(
    "organizations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("tier", String(20), nullable=False, server_default="standard"),
    Column("created_at", UTCDateTime(), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("org_id", String(64), ForeignKey("organizations.id"), nullable=False, index=True),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(200), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", String(64), ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(200), nullable=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
)

runs = Table(
    "runs",
    metadata,
    Column("org_id", String(64), nullable=False),
    Column("id", Uuid(), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("agent_id", String(200), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime(), nullable=True),
    Column("status", String(20), nullable=False),
    # Migration 0013 (#8): whether the run's first and last actions fall on different UTC
    # days. The runs of a range of days are those that start in it
    # and those of the few such runs that started before it and act in it
    # (`rollups.read.runs_between`).
    Column("multi_day", Boolean(), nullable=False, server_default=false()),
    # Migration 0025 (#8): the risk levels of the run's actions (`rollups.run_risks`).
    Column("risks", SmallInteger(), nullable=False, server_default=text("0")),
    PrimaryKeyConstraint("org_id", "id"),
    Index("ix_runs_id", "id", unique=True),  # one owner per run across the ledger
    Index("ix_runs_user_started", "user_id", "org_id", "started_at"),  # 0009: the user's organization in it
    Index("ix_runs_org_started", "org_id", "started_at"),
    Index("ix_runs_started", "started_at"),  # 0013: a superuser's runs started in a range
)
# Migration 0016 (#8): how many runs each user started on each UTC day, kept by ingest (a
# run's start moves to an earlier day when a later action of it comes in): the runs that
# start in a range of whole days, or in a scope's whole history, without counting the
# runs (300,000 for a quarter at 10M actions took 20-40 ms, all 1.09M 41 ms). It replaced
# migration 0015's `run_counts` (per user only; dropped by 0017).
run_days = Table(
    "run_days",
    metadata,
    Column("org_id", String(64), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("day", String(10), nullable=False),
    Column("n", BigInteger(), nullable=False),
    PrimaryKeyConstraint("org_id", "user_id", "day"),
)
# Migration 0025 (#8): `run_days` per mask of the risk levels a run's actions hold
# (`runs.risks`), kept by ingest: the distinct runs of a risk filter over whole days add up
# from it (`rollups.read.runs_at_risk`), where they were counted among the run ids of
# `rollup_compliance_runs` (a superuser's min_risk high over the 1M-action ledger: 50 ms).
run_risk_days = Table(
    "run_risk_days",
    metadata,
    Column("org_id", String(64), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("day", String(10), nullable=False),
    Column("risks", SmallInteger(), nullable=False),
    Column("n", BigInteger(), nullable=False),
    PrimaryKeyConstraint("org_id", "user_id", "day", "risks"),
    sqlite_with_rowid=False,
)

# 0013: the runs spanning several days, by their end. Partial: SQLite's statistics have no
# histogram and took `multi_day = 1` for half the runs (they are a few hundred in a million).
Index("ix_runs_multi_day", runs.c.ended_at, sqlite_where=runs.c.multi_day == true(),
      postgresql_where=runs.c.multi_day == true())

# Append-only: database triggers refuse UPDATE and DELETE (`store.append_only`, migration 0004).
ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("org_id", String(64), nullable=False),
    Column("id", Uuid(), nullable=False),
    Column("seq", BigInteger(), nullable=False),  # position in the org's hash chain
    Column("run_id", Uuid(), nullable=False),
    Column("timestamp", UTCDateTime(), nullable=False),
    Column("action_name", NameType, nullable=False),
    Column("agent_id", NameType, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("cost_usd", ExactDecimal(), nullable=False),
    Column("duration_ms", BigInteger(), nullable=False),
    Column("risk_level", String(16), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("input", EntryJSON, nullable=True),
    Column("output", EntryJSON, nullable=True),
    Column("error_message", Text(), nullable=True),
    Column("blocked_reason", Text(), nullable=True),
    Column("metadata", EntryJSON, nullable=False),
    Column("compliance", EntryJSON, nullable=True),
    Column("entry_hash", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("ingested_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("org_id", "id"),
    Index("ix_le_id", "id", unique=True),  # an action id is stored once across the ledger
    Index("ix_le_timestamp", "timestamp", "id"),
    Index("ix_le_org_timestamp", "org_id", "timestamp", "id"),
    Index("ix_le_user_timestamp", "user_id", "org_id", "timestamp", "id"),
    Index("ix_le_org_action", "org_id", "action_name", "timestamp", "id", "outcome"),  # 0020: name order
    Index("ix_le_action", "action_name", "timestamp", "id"),
    Index("ix_le_user_action", "user_id", "org_id", "action_name", "timestamp", "id"),  # 0020: name order
    Index("ix_le_user_outcome", "user_id", "org_id", "outcome", "timestamp"),
    Index("ix_le_org_agent", "org_id", "agent_id", "timestamp", "outcome"),  # 0011: the outcome too
    Index("ix_le_run", "run_id", "timestamp"),
    Index("ix_le_org_cost", "org_id", "cost_usd"),
    Index("ix_le_org_duration", "org_id", "duration_ms", "timestamp", "agent_id", "risk_level"),  # 0009, 0024
    Index("ix_le_org_seq", "org_id", "seq", unique=True),
    # Migration 0007 (#8): a superuser's sort by cost or duration (and the exact duration
    # percentiles, `rollups.read`), an org admin's outcome, a user's agent.
    Index("ix_le_cost", "cost_usd", "id"),
    Index("ix_le_duration", "duration_ms", "id", "risk_level"),
    Index("ix_le_org_outcome", "org_id", "outcome", "timestamp", "id"),
    Index("ix_le_user_agent", "user_id", "org_id", "agent_id", "timestamp", "outcome"),  # 0011: the outcome too
    # Migration 0008 (#8): the exact percentile of a date range (of one agent) reads one
    # duration bucket's entries within the dates from this index alone. Not led by the
    # agent: SQLite would read an agent's pages through it and sort them all.
    Index("ix_le_duration_time", "duration_ms", "timestamp", "agent_id", "risk_level"),
    # ... and a user's sort by cost and cost range.
    Index("ix_le_user_cost", "user_id", "org_id", "cost_usd", "id"),
    # Migration 0009 (#8): a user's exact percentiles (one bucket of the user's entries,
    # within the dates, of one agent), index-only.
    Index("ix_le_user_duration", "user_id", "org_id", "duration_ms", "timestamp", "agent_id", "risk_level"),
    # Migration 0024 (#8): the four duration indexes end with the risk level, so that the
    # percentiles of a risk filter read them alone (a superuser's min_risk high at 10M
    # actions on PostgreSQL: 275 -> 12-15 ms for the p50's bucket).
)



def awaiting_review(dialect: Any) -> ColumnElement[bool]:
    """An entry's compliance decision is "review" and it names no reviewer: the condition of
    `ix_le_unreviewed`, written with literals, as a query must repeat it for the planner to
    use that index (SQLite matches the terms as written, not a bound parameter's value).
    `dialect`: its name, or a connection to it."""
    if not isinstance(dialect, str):
        dialect = dialect.dialect.name
    column = ledger_entries.c.compliance
    if dialect == "postgresql":
        def member(key: str) -> ColumnElement[Any]:
            return column.op("->>", return_type=Text)(literal_column(f"'{key}'"))
    else:
        def member(key: str) -> ColumnElement[Any]:
            return func.json_extract(column, literal_column(f"'$.{key}'"))
    return and_(member("decision") == literal_column("'review'"), member("reviewed_by").is_(None))


# Migration 0018 (#8): the actions awaiting a review, newest first (the compliance
# summary's list). PostgreSQL misjudged how many entries match several compliance members
# and sorted every entry in scope instead: 5-6 s at 10M actions.
Index("ix_le_unreviewed", ledger_entries.c.timestamp, ledger_entries.c.id,
      postgresql_where=awaiting_review("postgresql"), sqlite_where=awaiting_review("sqlite"))

chain_heads = Table(
    "chain_heads",
    metadata,
    Column("org_id", String(64), primary_key=True),
    Column("last_hash", String(64), nullable=False),
    Column("count", BigInteger(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# Signed checkpoints (`integrity.checkpoints`): the chain head of an organization at
# position `seq`, signed with Ed25519 at the end of an ingest. Append-only, like the entries.
checkpoints = Table(
    "checkpoints",
    metadata,
    Column("org_id", String(64), nullable=False),
    Column("seq", BigInteger(), nullable=False),  # the chain's count when it was signed
    Column("entry_id", Uuid(), nullable=False),  # the entry at `seq`
    Column("last_hash", String(64), nullable=False),  # its entry_hash
    Column("signed_at", UTCDateTime(), nullable=False),
    Column("signature", String(88), nullable=False),  # base64 of the 64-byte signature
    Column("key_fingerprint", String(32), nullable=False),
    PrimaryKeyConstraint("org_id", "seq"),
)

# Distinct action names and agent ids, kept at ingest: search matches these few values
# first and then filters the big table on indexed columns.
ledger_names = Table(
    "ledger_names",
    metadata,
    Column("kind", String(20), nullable=False),
    Column("value", String(200), nullable=False),
    PrimaryKeyConstraint("kind", "value"),
)

# Rollups (`ledger_core.rollups`): per-period aggregates of `ledger_entries`, kept in the
# ingest transaction. Each row is one `grain` ("day": `period` YYYY-MM-DD, or "month":
# YYYY-MM) of one organization and user; a cost is kept as whole dollars and 10^-10 USD
# fractions, two integers that add exactly on both databases.
ROLLUP_GRAINS = ("day", "month")


def _rollup(name: str, keys: list[Column], measures: list[Column], order: tuple[str, ...] = (),
            **options: Any) -> Table:
    """A rollup table; its primary key is (grain, organization, user, period, keys), or
    `order` (every key column, in the order its reads want); `options`: the table's
    dialect options."""
    common = [Column("grain", String(5), nullable=False), Column("org_id", String(64), nullable=False),
              Column("user_id", String(64), nullable=False), Column("period", String(10), nullable=False)]
    key_names = [c.name for c in common + keys]
    return Table(name, metadata, *common, *keys, Column("n", BigInteger(), nullable=False), *measures,
                 PrimaryKeyConstraint(*(order or key_names)), **options)


def _cost_columns() -> list[Column]:
    return [Column("cost_whole", BigInteger(), nullable=False), Column("cost_frac", BigInteger(), nullable=False)]


rollup_outcomes = _rollup(
    "rollup_outcomes",
    [Column("agent_id", NameType, nullable=False), Column("outcome", String(16), nullable=False)],
    [*_cost_columns(), Column("duration_ms", BigInteger(), nullable=False),
     Column("first_at", UTCDateTime(), nullable=False), Column("last_at", UTCDateTime(), nullable=False),
     *[Column(f"risk_{level}", BigInteger(), nullable=False) for level in ("low", "medium", "high", "critical")]],
)
rollup_actions = _rollup(
    "rollup_actions",
    [Column("agent_id", NameType, nullable=False), Column("action_name", NameType, nullable=False)],
    _cost_columns(),
)
# The counts of actions per action name and outcome (with the agent): the totals of a
# query that filters on both, or searches with a term that matches an outcome (#8).
rollup_action_outcomes = _rollup(
    "rollup_action_outcomes",
    [Column("agent_id", NameType, nullable=False), Column("action_name", NameType, nullable=False),
     Column("outcome", String(16), nullable=False)],
    [],
)
rollup_runs = _rollup(
    "rollup_runs",
    [Column("agent_id", NameType, nullable=False), Column("run_id", Uuid(), nullable=False)],
    [],
)
rollup_durations = _rollup(
    "rollup_durations",
    [Column("agent_id", NameType, nullable=False), Column("bucket", BigInteger(), nullable=False)],
    [],
)
# Whole-ledger reads in the order they group by, the measures included (index-only): the
# daily series (day rows by period) and the actions (by name). Migration 0014: the
# organization and user last, so that an org admin's are index-only too.
Index("ix_rollup_outcomes_period", rollup_outcomes.c.grain, rollup_outcomes.c.period, rollup_outcomes.c.outcome,
      rollup_outcomes.c.n, rollup_outcomes.c.cost_whole, rollup_outcomes.c.cost_frac, rollup_outcomes.c.org_id,
      rollup_outcomes.c.user_id)
Index("ix_rollup_actions_name", rollup_actions.c.grain, rollup_actions.c.action_name, rollup_actions.c.period,
      rollup_actions.c.n, rollup_actions.c.cost_whole, rollup_actions.c.cost_frac, rollup_actions.c.org_id,
      rollup_actions.c.user_id)
# A superuser's or an org admin's percentiles read one agent's (or all agents') buckets of
# a period range: this index holds them in that order, counts included (index-only).
Index("ix_rollup_durations_agent", rollup_durations.c.grain, rollup_durations.c.agent_id,
      rollup_durations.c.period, rollup_durations.c.org_id, rollup_durations.c.user_id,
      rollup_durations.c.bucket, rollup_durations.c.n)
# Migration 0008 (#8): a date range's distinct runs and its actions, by period; one agent's
# distinct runs (migration 0012: within a period range, of an organization or a user,
# index-only).
Index("ix_rollup_runs_period", rollup_runs.c.grain, rollup_runs.c.period, rollup_runs.c.run_id)
Index("ix_rollup_runs_agent", rollup_runs.c.grain, rollup_runs.c.agent_id, rollup_runs.c.period,
      rollup_runs.c.run_id, rollup_runs.c.org_id, rollup_runs.c.user_id)
# ... and one agent's daily series and actions (index-only).
Index("ix_rollup_outcomes_agent", rollup_outcomes.c.grain, rollup_outcomes.c.agent_id, rollup_outcomes.c.period,
      rollup_outcomes.c.outcome, rollup_outcomes.c.n, rollup_outcomes.c.cost_whole, rollup_outcomes.c.cost_frac)
Index("ix_rollup_actions_agent", rollup_actions.c.grain, rollup_actions.c.agent_id, rollup_actions.c.period,
      rollup_actions.c.action_name, rollup_actions.c.n, rollup_actions.c.cost_whole, rollup_actions.c.cost_frac)
Index("ix_rollup_actions_period", rollup_actions.c.grain, rollup_actions.c.period, rollup_actions.c.action_name,
      rollup_actions.c.n, rollup_actions.c.cost_whole, rollup_actions.c.cost_frac)
# Migration 0010: the count of one action and outcome over a period range, for any scope
# (index-only).
Index("ix_rollup_action_outcomes_name", rollup_action_outcomes.c.grain, rollup_action_outcomes.c.action_name,
      rollup_action_outcomes.c.outcome, rollup_action_outcomes.c.period, rollup_action_outcomes.c.org_id,
      rollup_action_outcomes.c.user_id, rollup_action_outcomes.c.n)
# Migration 0018 (#8): the counts per risk level and compliance profile (`rollups.profiles`),
# with the agent, action name and outcome: the compliance summary, and the totals of a query
# that filters on risk or compliance, read these instead of every entry's JSON.
rollup_compliance = _rollup(
    "rollup_compliance",
    [Column("agent_id", NameType, nullable=False), Column("action_name", NameType, nullable=False),
     Column("outcome", String(16), nullable=False), Column("risk_level", String(16), nullable=False),
     Column("profile", String(32), nullable=False)],
    # Migration 0021: the measures of rollup_outcomes, for the stats of a risk or compliance filter.
    [*_cost_columns(), Column("duration_ms", BigInteger(), nullable=False),
     Column("first_at", UTCDateTime(), nullable=False), Column("last_at", UTCDateTime(), nullable=False)],
)
# The compliance summary groups by these, in this order: an index-only scan without a sort
# (a superuser's whole ledger at 1M actions on SQLite: 300-480 -> 60-130 ms). Migration
# 0021: with the measures the stats of a risk or compliance filter add up per agent,
# action, outcome and risk level (index-only too: a superuser's min_risk high at 1M
# actions on SQLite, 100 -> 42 ms).
Index("ix_rollup_compliance_groups", rollup_compliance.c.grain, rollup_compliance.c.agent_id,
      rollup_compliance.c.action_name, rollup_compliance.c.risk_level, rollup_compliance.c.profile,
      rollup_compliance.c.period, rollup_compliance.c.org_id, rollup_compliance.c.user_id, rollup_compliance.c.n,
      rollup_compliance.c.outcome, rollup_compliance.c.cost_whole, rollup_compliance.c.cost_frac,
      rollup_compliance.c.duration_ms)
# ... and a range of periods, in period order (a superuser's quarter at 10M actions on
# PostgreSQL: 436 -> 300 ms, then 134 with room to hash the groups, `store.db.make_engine`).
# Migration 0021: with what those stats' daily series adds up per day (index-only: 290
# -> 110 ms for the same request).
Index("ix_rollup_compliance_period", rollup_compliance.c.grain, rollup_compliance.c.period,
      rollup_compliance.c.agent_id, rollup_compliance.c.action_name, rollup_compliance.c.risk_level,
      rollup_compliance.c.profile, rollup_compliance.c.org_id, rollup_compliance.c.user_id, rollup_compliance.c.n,
      rollup_compliance.c.outcome, rollup_compliance.c.cost_whole, rollup_compliance.c.cost_frac,
      rollup_compliance.c.first_at, rollup_compliance.c.last_at)
# Migration 0019: a query total with a compliance filter reads only the matching
# profiles' rows of a scope (an org admin's whole ledger at 1M actions on SQLite: 53-74 ->
# 4-10 ms), counts included (index-only).
Index("ix_rollup_compliance_profile", rollup_compliance.c.grain, rollup_compliance.c.profile,
      rollup_compliance.c.org_id, rollup_compliance.c.user_id, rollup_compliance.c.period, rollup_compliance.c.n)
compliance_profiles = Table(
    "compliance_profiles",
    metadata,
    Column("profile", String(32), primary_key=True),
    Column("decision", String(16), nullable=False),
    Column("data_classification", String(16), nullable=False),
    Column("pii_detected", Boolean(), nullable=False),
    Column("regulatory_frameworks", JSONType, nullable=False),
    Column("unreviewed", Boolean(), nullable=False),
)
# Migration 0021 (#8): the distinct runs and the duration buckets per risk level and
# compliance profile, for the stats and the duration chart of a risk or compliance filter.
# A run's entries fall within a day or two, so its runs are kept in day rows only (month
# rows would be as many). Both are keyed by risk level and profile first, then scope: a
# request names every risk level and its profiles (`rollups.read._scope_and_filters`)
# and reads only theirs, index-only (an org admin's PII detected at 1M actions on SQLite,
# runs and buckets: 105 + 148 ms keyed by scope first).
_BY_PROFILE = ("grain", "risk_level", "profile", "org_id", "user_id", "period", "agent_id")
rollup_compliance_runs = _rollup(
    "rollup_compliance_runs",
    [Column("agent_id", NameType, nullable=False), Column("risk_level", String(16), nullable=False),
     Column("profile", String(32), nullable=False), Column("run_id", Uuid(), nullable=False)],
    [],
    (*_BY_PROFILE, "run_id"),
)
rollup_compliance_durations = _rollup(
    "rollup_compliance_durations",
    [Column("agent_id", NameType, nullable=False), Column("risk_level", String(16), nullable=False),
     Column("profile", String(32), nullable=False), Column("bucket", BigInteger(), nullable=False)],
    [],
    (*_BY_PROFILE, "bucket"),
)
Index("ix_rollup_compliance_durations_counts", *[rollup_compliance_durations.c[name] for name in _BY_PROFILE],
      rollup_compliance_durations.c.bucket, rollup_compliance_durations.c.n)
# Migration 0022 (#8): the daily series of those stats, per risk level and profile but not
# per agent, action and outcome (a third of rollup_compliance's day rows at 1M actions).
# Keyed by risk level and profile first, like the two above; SQLite keeps the rows in the
# primary key (WITHOUT ROWID), so the read is one range of one b-tree (a superuser's
# min_risk high at 1M actions: 83 ms from rollup_compliance's period index, 60 in a table
# with a rowid, 32 without).
rollup_compliance_days = _rollup(
    "rollup_compliance_days",
    [Column("risk_level", String(16), nullable=False), Column("profile", String(32), nullable=False)],
    [*_cost_columns(), Column("errors", BigInteger(), nullable=False), Column("blocked", BigInteger(), nullable=False),
     Column("first_at", UTCDateTime(), nullable=False), Column("last_at", UTCDateTime(), nullable=False)],
    ("grain", "risk_level", "profile", "org_id", "user_id", "period"),
    sqlite_with_rowid=False,
)
ROLLUP_TABLES = (rollup_outcomes, rollup_actions, rollup_runs, rollup_durations, rollup_action_outcomes,
                 rollup_compliance, rollup_compliance_runs, rollup_compliance_durations, rollup_compliance_days)

export_log = Table(
    "export_log",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=True),
    Column("user_id", String(64), nullable=False),
    Column("org_id", String(64), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime(), nullable=True),
    Column("format", String(10), nullable=False),
    Column("filters", JSONType, nullable=False),
    Column("row_limit", Integer(), nullable=False),
    Column("total_matched", BigInteger(), nullable=False),
    Column("rows_written", BigInteger(), nullable=True),
    Column("truncated", Boolean(), nullable=False),
    Column("status", String(20), nullable=False),
    Index("ix_export_log_org_started", "org_id", "started_at"),
)

rate_limits = Table(
    "rate_limits",
    metadata,
    Column("user_id", String(64), nullable=False),
    Column("action", String(20), nullable=False),
    Column("window_start", Float(), nullable=False),
    Column("count", Integer(), nullable=False),
    PrimaryKeyConstraint("user_id", "action"),
)

# Failed logins per username (SPEC section 6): 10 within 15 minutes lock it for 15 minutes.
login_failures = Table(
    "login_failures",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("failures", Integer(), nullable=False),
    Column("first_failed_at", Float(), nullable=False),
    Column("locked_until", Float(), nullable=True),
)
