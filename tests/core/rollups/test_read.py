"""The rollups give exactly what the entries give: stats, query totals and facets, for
random filter sets and every scope, before and after further ingests (never stale)."""
from __future__ import annotations

import random
import re
import uuid
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from ledger_core.contract.common import OUTCOMES, RISK_LEVELS
from ledger_core.contract.query import EntryFilters
from ledger_core.contract.stats import DURATION_EDGES_MS, StatsRequest
from ledger_core.read.filters import where
from ledger_core.read.scope import scope_clause
from ledger_core.rollups import read as rollup_read
from ledger_core.rollups.buckets import bucket_of, width_of
from ledger_core.store.db import refresh_statistics
from ledger_core.store.schema import ROLLUP_TABLES, ledger_entries
from tests.helpers import statements_run

PEOPLE = [("ann", "acme", "user"), ("ben", "acme", "user"), ("cat", "acme", "org_admin"),
          ("dan", "globex", "user"), ("eve", "globex", "org_admin"), ("root", "ops", "superuser")]
AGENTS = ["a1", "a2", "b1", "Zed"]
ACTIONS = ["query", "shell", "email", "Query"]
FIRST_DAY = date(2024, 1, 28)
SEARCHES = ["query", "QUERY", "a", "Z", "e", "err", "Blocked", "ue", "zz", "%", "_"]
"""Terms matching action names (case-folded), agent ids, both, outcomes too, or nothing."""


def _entries(rng: random.Random, count: int) -> list[dict[str, Any]]:
    owners = [(name, org) for name, org, role in PEOPLE if role != "superuser"]
    rows = []
    runs = [(uuid.uuid4(), rng.choice(owners)) for _ in range(count // 4)]
    for _ in range(count):
        run_id, (user, org) = rng.choice(runs)
        moment = datetime.combine(FIRST_DAY, datetime.min.time(), timezone.utc) + timedelta(
            seconds=rng.randrange(0, 120 * 86400), microseconds=rng.choice([0, 999999, 123]))
        cost = rng.choice([Decimal(0), Decimal("0.0000000001"), Decimal(rng.randrange(10**12)).scaleb(-10),
                           Decimal("99999999.9999999999")])
        duration = rng.choice([0, 1, 127, 128, 129, rng.randrange(1000), rng.randrange(10**6),
                               rng.randrange(2**40)])
        rows.append({
            "id": str(uuid.uuid4()), "run_id": str(run_id), "timestamp": moment.isoformat(),
            "action_name": rng.choice(ACTIONS), "agent_id": rng.choice(AGENTS),
            "outcome": rng.choice(["success", "success", "error", "blocked"]), "cost_usd": str(cost),
            "duration_ms": duration, "risk_level": rng.choice(RISK_LEVELS), "user_id": user, "org_id": org,
            "compliance": _compliance(rng),
        })
    return rows


FRAMEWORKS = ["GDPR", "SOC2", "gdpr", "HIPAA"]


def _compliance(rng: random.Random) -> dict[str, Any] | None:
    """Compliance metadata half the time; a framework may be listed twice."""
    if rng.random() < 0.5:
        return None
    return {"policy_id": "P", "policy_version": "1", "decision": rng.choice(["allow", "deny", "review"]),
            "data_classification": rng.choice(["public", "internal", "confidential", "restricted"]),
            "pii_detected": rng.random() < 0.4, "retention_until": "2031-01-01",
            "regulatory_frameworks": [rng.choice(FRAMEWORKS) for _ in range(rng.randrange(3))],
            "reviewed_by": rng.choice([None, "erin"])}


ZONES = [timezone.utc, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))]


def _bound(rng: random.Random) -> tuple[datetime, str | None]:
    """A random day of the data (and a few days around it), and half the time an instant
    of it in some zone: at, just after or just before midnight, at noon, or any time."""
    day = FIRST_DAY + timedelta(days=rng.randrange(-5, 125))
    midnight = datetime.combine(day, time.min, timezone.utc)
    if rng.random() < 0.5:
        return midnight, None
    moment = midnight + rng.choice([timedelta(0), timedelta(microseconds=1), timedelta(hours=12),
                                    timedelta(days=1, microseconds=-1),
                                    timedelta(seconds=rng.randrange(86400), microseconds=rng.choice([0, 123]))])
    return moment, moment.astimezone(rng.choice(ZONES)).isoformat()


def _dates(rng: random.Random) -> dict[str, str]:
    """start_date and end_date, each present 60% of the time: a day or an instant."""
    bounds = sorted(_bound(rng) for _ in range(2))
    params = {}
    for name, (moment, text) in zip(("start_date", "end_date"), bounds):
        if rng.random() < 0.6:
            params[name] = text or moment.date().isoformat()
    return params


def _random_filters(rng: random.Random, *, query: bool) -> dict[str, Any]:
    params: dict[str, Any] = _dates(rng)
    if rng.random() < 0.3:
        params["agent_id"] = rng.choice(AGENTS + ["nobody"])
    if rng.random() < 0.2:
        params["risk_level"] = ",".join(rng.sample(RISK_LEVELS, rng.randrange(1, 3)))
    elif rng.random() < 0.2:
        params["min_risk"] = rng.choice(RISK_LEVELS)
    if query and rng.random() < 0.3:
        params["outcome"] = rng.choice(["success", "error", "blocked"])
    if query and rng.random() < 0.3:
        params["action_name"] = rng.choice(ACTIONS)
    if query and rng.random() < 0.4:
        params["search"] = rng.choice(SEARCHES)
    if rng.random() < 0.2:  # the compliance filters: a query's and the stats'
        params["decision"] = rng.choice(["allow", "deny", "review"])
    if rng.random() < 0.2:
        params["pii_detected"] = rng.choice(["true", "false"])
    if rng.random() < 0.15:
        params["regulatory_framework"] = rng.choice([*FRAMEWORKS, "ISO"])
    if rng.random() < 0.15:
        params["data_classification"] = ",".join(rng.sample(["public", "internal", "confidential"], 2))
    return params


@pytest.fixture
def people(ledger):  # type: ignore[no-untyped-def]
    for name, org, role in PEOPLE:
        ledger.add_user(name, org_id=org, role=role)
    return [ledger.principal(name) for name, _, _ in PEOPLE]


def _raw_stats(ledger, monkeypatch, principal, params):  # type: ignore[no-untyped-def]
    with monkeypatch.context() as patch:
        patch.setattr(rollup_read, "stats_rows", lambda *args: None)
        return ledger.stats(principal, **params)


_PROFILED = ("risk_level", "min_risk", "decision", "pii_detected", "regulatory_framework", "data_classification")


def _check_stats(ledger, monkeypatch, people, rng, rounds: int) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """(requests the rollups answered, of which those with partial days at an edge, and
    those with a risk or compliance filter), as `stats_rows` answered them (not as
    predicted), each equal to the stats read from the entries."""
    answered = split = profiled = 0
    real = rollup_read.stats_rows
    taken: list[bool] = []

    def spy(*args):  # type: ignore[no-untyped-def]
        rows = real(*args)
        taken.append(rows is not None)
        return rows

    for round_ in range(rounds):
        params = _random_filters(rng, query=False) if round_ else {}  # the whole history first
        parts = rollup_read.split_days(StatsRequest.parse(**params))
        for principal in people:
            with monkeypatch.context() as patch:
                patch.setattr(rollup_read, "stats_rows", spy)
                stats = ledger.stats(principal, **params)
            answered += taken[-1]
            split += taken[-1] and bool(parts[1])  # type: ignore[index]
            profiled += taken[-1] and any(name in params for name in _PROFILED)
            assert stats == _raw_stats(ledger, monkeypatch, principal, params), (principal.user_id, params)
    return answered, split, profiled


def test_stats_from_rollups_equal_stats_from_entries(ledger, people, monkeypatch):  # type: ignore[no-untyped-def]
    rng = random.Random(8)
    ledger.ingest(_entries(rng, 500))
    answered, split, profiled = _check_stats(ledger, monkeypatch, people, rng, 40)
    assert answered > 80 and split > 30 and profiled > 30
    ledger.ingest(_entries(rng, 200))  # more, some in the same runs' periods: never stale
    answered, split, profiled = _check_stats(ledger, monkeypatch, people, rng, 30)
    assert answered > 20 and split > 6 and profiled > 20


def test_a_range_from_within_a_day_counts_the_runs_begun_earlier_that_day(ledger, people, monkeypatch):  # type: ignore[no-untyped-def]
    """A run begun at 08:00 that acts again at 14:00 is one of the runs from 12:00 on; one
    that stopped at 09:00 is not (neither spans two days)."""
    ann = people[0]
    rows = _entries(random.Random(5), 4)
    times = ["2024-02-01T08:00:00Z", "2024-02-01T14:00:00Z", "2024-02-01T09:00:00Z", "2024-02-03T10:00:00Z"]
    runs = [str(uuid.uuid4()) for _ in range(3)]
    for row, moment, run, agent in zip(rows, times, [runs[0], runs[0], runs[1], runs[2]], ["a2", "a1", "a2", "a2"]):
        row.update(timestamp=moment, run_id=run, agent_id=agent, user_id="ann", org_id="acme")
    ledger.ingest(rows)
    noon, after_eight, before_ten = "2024-02-01T12:00:00Z", "2024-02-01T08:00:00.000001Z", "2024-02-03T09:59:59Z"
    for params, expected in (({"start_date": noon}, (2, 2)),
                             ({"start_date": noon, "agent_id": "a1"}, (1, 1)),
                             ({"start_date": after_eight, "end_date": before_ten}, (2, 2))):
        stats = ledger.stats(ann, **params)
        assert stats == _raw_stats(ledger, monkeypatch, ann, params)
        assert (stats.total_actions, stats.unique_runs) == expected, params


def test_a_run_whose_start_moves_to_an_earlier_day_is_counted_there(ledger, people, monkeypatch):  # type: ignore[no-untyped-def]
    """A later ingest adds an action of a stored run two days before its first: the run
    now starts that day (`run_days` moves it), and still acts on the later one."""
    ann = people[0]
    run = str(uuid.uuid4())
    first, earlier = _entries(random.Random(6), 4)[:2]
    for row, moment in ((first, "2024-02-03T10:00:00Z"), (earlier, "2024-02-01T10:00:00Z")):
        row.update(timestamp=moment, run_id=run, user_id="ann", org_id="acme")
    ledger.ingest([first])
    assert ledger.stats(ann, start_date="2024-02-03").unique_runs == 1
    assert ledger.stats(ann, end_date="2024-02-02").unique_runs == 0
    ledger.ingest([earlier])
    for params, runs in (({"start_date": "2024-02-01", "end_date": "2024-02-01"}, 1),
                         ({"start_date": "2024-02-02", "end_date": "2024-02-02"}, 0),
                         ({"start_date": "2024-02-03"}, 1), ({"end_date": "2024-02-02"}, 1),
                         ({"start_date": "2024-01-01", "end_date": "2024-12-31"}, 1)):
        stats = ledger.stats(ann, **params)
        assert stats == _raw_stats(ledger, monkeypatch, ann, params)
        assert stats.unique_runs == runs, params


def _runs_of_a_day(rng: random.Random, count: int) -> list[dict[str, Any]]:
    """`_entries` in runs of one to six actions within a few hours of one UTC day, one
    run in ten crossing midnight into the next."""
    rows = _entries(rng, count)
    i = 0
    while i < len(rows):
        size = rng.randrange(1, 7)
        start = datetime.combine(FIRST_DAY + timedelta(days=rng.randrange(40)), time.min, timezone.utc)
        start += timedelta(hours=23, minutes=30) if rng.random() < 0.1 else timedelta(seconds=rng.randrange(70000))
        run = str(uuid.uuid4())
        for row in rows[i:i + size]:
            row.update(run_id=run, user_id=rows[i]["user_id"], org_id=rows[i]["org_id"],
                       timestamp=(start + timedelta(seconds=rng.randrange(3600))).isoformat())
        i += size
    return rows


def test_the_runs_of_a_risk_filter_add_up_from_their_risk_levels_per_day(ledger, people, monkeypatch):  # type: ignore[no-untyped-def]
    """The runs of a risk filter alone come from `run_risk_days` (`runs_at_risk`): equal to
    the entries' for every scope and random ranges, partial days at the edges included,
    and still after a later ingest gives stored runs a new risk level, an earlier start or
    a second day."""
    rng = random.Random(25)
    first = _runs_of_a_day(rng, 600)
    ledger.ingest(first)
    by_run: dict[str, list[dict[str, Any]]] = {}
    for row in first:
        by_run.setdefault(row["run_id"], []).append(row)
    later = _entries(rng, 60)
    for row, (run, actions) in zip(later, rng.sample(sorted(by_run.items()), len(later))):
        moment = datetime.fromisoformat(actions[0]["timestamp"])
        moment += rng.choice([timedelta(minutes=5), timedelta(hours=-20), timedelta(days=3)])
        row.update(run_id=run, user_id=actions[0]["user_id"], org_id=actions[0]["org_id"],
                   timestamp=moment.isoformat(), risk_level=rng.choice(RISK_LEVELS))
    used = []
    real = rollup_read.runs_at_risk
    monkeypatch.setattr(rollup_read, "runs_at_risk", lambda *args: used.append(args) or real(*args))
    for round_ in range(2):
        counted = 0
        for _ in range(25):
            params = {**_dates(rng), **rng.choice([{"min_risk": rng.choice(RISK_LEVELS)},
                                                   {"risk_level": ",".join(rng.sample(RISK_LEVELS, 2))},
                                                   {"risk_level": "low,high", "min_risk": "medium"}])}
            for principal in people:
                stats = ledger.stats(principal, **params)
                assert stats == _raw_stats(ledger, monkeypatch, principal, params), (principal.user_id, params)
                counted += stats.unique_runs
        assert counted > 500
        if not round_:
            ledger.ingest(later)
    assert len(used) > 200 and sum(bool(args[4]) for args in used) > 50  # with partial days too


def _durations_near_every_edge() -> list[int]:
    """Durations at, just below and just above each histogram edge and at the edges of the
    bucket each edge falls in."""
    near = {0, 1, 2**40}
    for edge in DURATION_EDGES_MS:
        lower = bucket_of(edge)
        near.update({edge - 1, edge, edge + 1, lower, lower - 1, lower + width_of(lower) - 1,
                     lower + width_of(lower)})
    return sorted(near)


def test_duration_histogram_from_rollups_equals_the_entries(ledger, people, monkeypatch):  # type: ignore[no-untyped-def]
    rng = random.Random(88)
    near = _durations_near_every_edge()
    taken = []
    real = rollup_read.durations_below

    def spy(*args):  # type: ignore[no-untyped-def]
        taken.append(real(*args) is not None)
        return real(*args)

    for batch in (400, 150):
        entries = _entries(rng, batch)
        for entry in entries:
            entry["duration_ms"] = rng.choice(near)
        ledger.ingest(entries)
        for _ in range(12):
            params = _random_filters(rng, query=False)
            for principal in people:
                with monkeypatch.context() as patch:
                    patch.setattr(rollup_read, "durations_below", spy)
                    fast = ledger.duration_histogram(principal, **params)
                with monkeypatch.context() as patch:
                    patch.setattr(rollup_read, "durations_below", lambda *args: None)
                    raw = ledger.duration_histogram(principal, **params)
                assert fast == raw, (principal.user_id, params)
                assert sum(bucket.count for bucket in fast) == ledger.stats(principal, **params).total_actions
    assert sum(taken) > 50 and not all(taken)  # both paths ran, the rollups' mostly
    assert any(bucket.count for bucket in fast)


def test_query_totals_and_facets_from_rollups_equal_the_entries(ledger, people):  # type: ignore[no-untyped-def]
    rng = random.Random(80)
    combined = 0  # totals of an outcome with an action or a search, found in the rollups
    profiled = 0  # totals with a risk or compliance filter, found in the rollups
    for batch in (300, 100):
        ledger.ingest(_entries(rng, batch))
        every_search = [{"search": term, **extra} for term in SEARCHES
                        for extra in ({}, {"agent_id": "Zed", "start_date": "2024-02-01"}, {"outcome": "error"})]
        every_pair = [{"outcome": outcome, "action_name": action, **extra} for outcome in OUTCOMES
                      for action in ACTIONS for extra in ({}, {"agent_id": "a2", "end_date": "2024-03-09"})]
        for params in every_search + every_pair + [_random_filters(rng, query=True) for _ in range(30)]:
            filters = EntryFilters.parse(**params)
            for principal in people:
                with ledger.engine.connect() as conn:
                    fast = rollup_read.count(conn, principal, filters)
                    raw = conn.execute(select(func.count()).select_from(ledger_entries).where(
                        where(conn, scope_clause(principal, ledger_entries), filters))).scalar_one()
                assert fast == raw or (fast is None and rollup_read.split_days(filters) is None), params
                assert ledger.query(principal, **params).total == raw
                combined += fast is not None and raw > 0 and "outcome" in params and (
                    "action_name" in params or "search" in params)
                profiled += fast is not None and raw > 0 and bool(
                    {"risk_level", "min_risk", "decision", "pii_detected", "regulatory_framework",
                     "data_classification"} & set(params))
        for principal in people:
            with ledger.engine.connect() as conn:
                scope = scope_clause(principal, ledger_entries)
                actions = conn.execute(select(ledger_entries.c.action_name).where(scope).distinct()).scalars()
                agents = conn.execute(select(ledger_entries.c.agent_id).where(scope).distinct()).scalars()
                expected = (sorted(actions), sorted(agents))
            facets = ledger.facets(principal)
            assert (facets.action_names, facets.agent_ids) == expected
    assert combined > 100 and profiled > 100


def test_risk_totals_come_from_the_counts_per_risk_level(ledger, people):  # type: ignore[no-untyped-def]
    """A total whose only filters `rollup_outcomes` lacks are risk filters adds up its
    counts per risk level: equal to the entries' count, whatever the levels (both filters
    at once, levels that exclude each other), dates, partial days, outcome or agent; with
    a compliance filter too, `rollup_compliance` answers."""
    rng = random.Random(81)
    ledger.ingest(_entries(rng, 400))
    requests = [
        {"min_risk": "high"}, {"risk_level": "low,critical"}, {"risk_level": "low", "min_risk": "medium"},
        {"risk_level": "medium,critical", "min_risk": "high"}, {"min_risk": "critical", "outcome": "error"},
        {"min_risk": "medium", "agent_id": "a2", "start_date": "2024-02-03", "end_date": "2024-03-20"},
        {"risk_level": "high", "start_date": "2024-02-03T12:00:00Z", "search": "err"},
        *[{"min_risk": rng.choice(RISK_LEVELS), "risk_level": ",".join(rng.sample(RISK_LEVELS, 2)),
           **_dates(rng)} for _ in range(12)],
    ]
    from_levels = 0
    for params in [*requests, {"min_risk": "high", "decision": "review"}]:
        filters = EntryFilters.parse(**params)
        for principal in people:
            with ledger.engine.connect() as conn, statements_run(ledger.engine) as captured:
                fast = rollup_read.count(conn, principal, filters)
            counted = [statement for statement, _ in captured]
            with ledger.engine.connect() as conn:
                raw = conn.execute(select(func.count()).select_from(ledger_entries).where(
                    where(conn, scope_clause(principal, ledger_entries), filters))).scalar_one()
            assert fast == raw or (fast is None and rollup_read.split_days(filters) is None), params
            if fast is None:
                continue
            by_level = not any("rollup_compliance" in statement for statement in counted)
            assert by_level == ("decision" not in params and "search" not in params), params
            assert not by_level or raw == 0 or any("rollup_outcomes.risk_" in statement for statement in counted)
            from_levels += by_level
    assert from_levels > 60


def test_filters_off_the_allowlist_read_the_entries() -> None:
    """Only allowlisted filters and whole-day dates are answered from rollups."""
    from ledger_core.store.schema import rollup_action_outcomes, rollup_actions, rollup_compliance, rollup_outcomes

    assert rollup_read.answerable(EntryFilters.parse(start_date="2024-02-01", end_date="2024-02-29"),
                                  rollup_outcomes)
    for params in ({"start_date": "2024-02-01T00:00:01Z"}, {"end_date": "2024-02-29T12:00:00Z"},
                   {"risk_level": "high"}, {"min_risk": "high"}, {"min_cost": "1"},
                   {"max_cost": "1"},
                   {"run_id": str(uuid.uuid4())}, {"pii_detected": "true"}, {"decision": "allow"},
                   {"data_classification": "public"}, {"regulatory_framework": "GDPR"}):
        assert not rollup_read.answerable(EntryFilters.parse(**params), rollup_outcomes), params
        assert not rollup_read.answerable(EntryFilters.parse(**params), rollup_action_outcomes), params
        # Risk and compliance filters: only the table keyed by risk level and profile.
        assert rollup_read.answerable(EntryFilters.parse(**params), rollup_compliance) == (
            not {"start_date", "end_date", "min_cost", "max_cost", "run_id"} & set(params)), params
    assert rollup_read.answerable(EntryFilters.parse(min_risk="high", search="err", decision="review"),
                                  rollup_compliance)
    assert not rollup_read.answerable(EntryFilters.parse(min_risk="high", min_cost="1"), rollup_compliance)
    assert not rollup_read.answerable(EntryFilters.parse(outcome="error"), rollup_actions)
    assert not rollup_read.answerable(EntryFilters.parse(action_name="query"), rollup_outcomes)
    # A search reads the action names and agent ids, and the outcomes when it matches one.
    assert rollup_read.answerable(EntryFilters.parse(search="query", agent_id="a1"), rollup_actions)
    assert not rollup_read.answerable(EntryFilters.parse(search="query"), rollup_outcomes)
    for term in ("err", "BLOCK", "s", "success"):
        assert not rollup_read.answerable(EntryFilters.parse(search=term), rollup_actions), term
        assert rollup_read.answerable(EntryFilters.parse(search=term), rollup_action_outcomes), term
    assert not rollup_read.answerable(EntryFilters.parse(search="query", outcome="error"), rollup_actions)
    # An action (or a search) with an outcome: only the table that holds both.
    for params in ({"search": "query", "outcome": "error"}, {"action_name": "query", "outcome": "blocked"},
                   {"action_name": "query", "outcome": "error", "agent_id": "a1", "start_date": "2024-02-01"}):
        assert rollup_read.answerable(EntryFilters.parse(**params), rollup_action_outcomes), params
        assert not rollup_read.answerable(EntryFilters.parse(**params), rollup_outcomes), params


@pytest.mark.parametrize("user", ["ann", "cat", "root"])
def test_a_compliance_total_reads_only_the_matching_profiles_rows(ledger, people, user):  # type: ignore[no-untyped-def]
    """A total with a compliance filter can be counted off `ix_rollup_compliance_profile`
    alone, whatever the scope: SQLite plans it as a covering index when told to use that
    index, PostgreSQL as an index-only scan once its other plans are ruled out (the other
    indexes dropped in a transaction that is rolled back)."""
    ledger.ingest(_entries(random.Random(82), 200))
    with ledger.engine.connect() as conn, statements_run(ledger.engine) as captured:
        total = rollup_read.count(conn, ledger.principal(user), EntryFilters.parse(pii_detected="true"))
    [(statement, parameters)] = [(s, p) for s, p in captured if "rollup_compliance" in s]
    assert "profile IN" in statement and total is not None
    with ledger.engine.connect() as conn:
        if ledger.dialect == "sqlite":
            forced = statement.replace("FROM rollup_compliance",
                                       "FROM rollup_compliance INDEXED BY ix_rollup_compliance_profile")
            plan = " ".join(row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + forced, parameters))
            assert conn.exec_driver_sql(forced, parameters).scalar() == total
            assert "COVERING INDEX ix_rollup_compliance_profile" in plan, plan
            return
        with conn.begin() as transaction:
            conn.exec_driver_sql("DROP INDEX ix_rollup_compliance_groups, ix_rollup_compliance_period")
            conn.exec_driver_sql("ALTER TABLE rollup_compliance DROP CONSTRAINT pk_rollup_compliance")
            for setting in ("enable_seqscan", "enable_bitmapscan"):
                conn.exec_driver_sql(f"SET LOCAL {setting} = off")
            plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
            assert conn.exec_driver_sql(statement, parameters).scalar() == total
            transaction.rollback()
    assert "Index Only Scan using ix_rollup_compliance_profile" in plan, plan


@pytest.mark.parametrize("user", ["ann", "cat", "root"])
def test_a_scoped_risk_filter_seeks_its_scope_in_the_rollups_per_profile(ledger, people, monkeypatch, user):  # type: ignore[no-untyped-def]
    """The duration buckets and daily series per risk level and profile are keyed by
    risk level, profile and then scope: without a compliance filter, a user's or an org
    admin's request names every known profile, so that it seeks its own rows under each
    profile instead of reading every row of the risk levels (a user's min_risk high at
    10M actions on PostgreSQL: 297 -> 134 ms). A superuser reads them all anyway. The runs
    of a risk filter alone add up from `run_risk_days`, not from the runs per profile. The
    stats equal those read from the entries."""
    from ledger_core.rollups import profiles

    ledger.ingest(_entries(random.Random(83), 400))
    refresh_statistics(ledger.engine, [ledger_entries, *ROLLUP_TABLES])
    ledger.engine.dispose()  # a pooled SQLite connection plans with the statistics it loaded first (another test's)
    principal = ledger.principal(user)
    with statements_run(ledger.engine) as captured:
        stats = ledger.stats(principal, min_risk="high")
    assert stats == _raw_stats(ledger, monkeypatch, principal, {"min_risk": "high"}) and stats.total_actions
    with ledger.engine.connect() as conn:
        every = len(profiles.known(conn))
    assert every > 10
    tables = ("rollup_compliance_durations", "rollup_compliance_days")
    read = [(s, p) for s, p in captured if any(f"FROM {table}" in s for table in tables)]
    assert len(read) == 2
    assert [s for s, _ in captured if "FROM run_risk_days" in s]
    assert not [s for s, _ in captured if "FROM rollup_compliance_runs" in s]
    for statement, parameters in read:
        if ledger.dialect == "sqlite":
            listed = re.search(r"profile IN \((\?(?:, \?)*)\)", statement)
            named = listed.group(1).count("?") if listed else 0
        else:
            named = sum(key.startswith("profile_") for key in parameters)
        assert named == (0 if user == "root" else every), statement
        if user != "root" and ledger.dialect == "sqlite":
            with ledger.engine.connect() as conn:
                plan = " ".join(row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
            assert "profile=? AND org_id=?" in plan, plan


def _covers(span: rollup_read.Span, day: date) -> bool:
    _, grain, first, last = span
    if grain == "month":
        return (first is None or day >= first.replace(day=1)) and (last is None or day.replace(day=1) <= last)
    return (first is None or day >= first) and (last is None or day <= last)


def test_period_spans_count_every_day_of_the_range_once_and_no_other() -> None:
    """Each day's rows are added exactly once more than they are taken away if the day
    is in the range, as often as taken away if not: so every count and sum that adds up
    is the range's own; without subtraction, each day of the range is covered once and
    no other (`period_clause`, for first and last instants and distinct runs). Ranges
    over three years (a leap February, year ends), open at either end or both, a day or
    two long, within one month or two, empty."""
    days = [date(2023, 11, 1) + timedelta(days=i) for i in range(0, 560, 3)]
    rng = random.Random(5)
    bounds = [None, *days, date(2024, 2, 29), date(2024, 3, 1), date(2023, 12, 31), date(2024, 1, 1)]
    pairs = [(rng.choice(bounds), rng.choice(bounds)) for _ in range(1500)]
    pairs += [(day, day) for day in days[:40]] + [(day, day + timedelta(days=1)) for day in days[:40]]
    window = [date(2023, 10, 1) + timedelta(days=i) for i in range(700)]
    for start, end in pairs:
        for subtract in (True, False):
            spans = rollup_read.period_spans(start, end, subtract=subtract)
            assert subtract or all(sign == 1 for sign, *_ in spans), (start, end)  # what period_clause ORs
            for day in window:
                inside = (start is None or day >= start) and (end is None or day <= end)
                covered = sum(sign for sign, *rest in spans if _covers((sign, *rest), day))
                assert covered == int(inside), (start, end, subtract, day)


def test_period_spans_take_a_month_less_a_few_days_rather_than_most_of_its_days() -> None:
    assert rollup_read.period_spans(date(2024, 2, 2), date(2024, 4, 30)) == [
        (1, "month", date(2024, 3, 1), date(2024, 4, 30)),
        (1, "month", date(2024, 2, 1), date(2024, 2, 29)), (-1, "day", date(2024, 2, 1), date(2024, 2, 1))]
    # a few days at an edge stay day rows; most of one month is that month less its other days
    assert rollup_read.period_spans(date(2024, 2, 27), date(2024, 3, 31)) == [
        (1, "month", date(2024, 3, 1), date(2024, 3, 31)), (1, "day", date(2024, 2, 27), date(2024, 2, 29))]
    assert rollup_read.period_spans(date(2024, 5, 3), date(2024, 5, 28)) == [
        (1, "month", date(2024, 5, 1), date(2024, 5, 31)), (-1, "day", date(2024, 5, 1), date(2024, 5, 2)),
        (-1, "day", date(2024, 5, 29), date(2024, 5, 31))]
    assert rollup_read.period_spans(date(2024, 5, 28), date(2024, 5, 3)) == []


def test_a_range_over_most_of_a_month_reads_each_rollup_index_only(ledger, people):  # type: ignore[no-untyped-def]
    """The stats and the total of a range from the 2nd of a month read the month less one
    day as separate ranges of the rollups' indexes: their sums and groups OR no spans
    (which made both databases fetch every row from the table), and the figures are the
    entries' own."""
    ledger.ingest(_entries(random.Random(3), 300))
    params = {"start_date": "2024-02-02", "end_date": "2024-04-30"}
    for principal in people:
        with statements_run(ledger.engine) as statements:
            stats = ledger.stats(principal, **params)
            total = ledger.query(principal, **params).total
        signed = [sql for sql, _ in statements if any(f"FROM {table}" in sql for table in (
            "rollup_actions", "rollup_durations")) or ("FROM rollup_outcomes" in sql and "first_at" not in sql
                                                       and "GROUP BY" not in sql)]
        assert len(signed) >= 3 and not [sql for sql in signed if " OR " in sql], signed
        months = {str(value) for _, parameters in statements
                  for value in (parameters.values() if isinstance(parameters, dict) else parameters or ())}
        assert {"2024-02", "2024-02-01"} <= months  # February's row, less its 1st
        with ledger.engine.connect() as conn:
            raw = conn.execute(select(func.count()).select_from(ledger_entries).where(
                where(conn, scope_clause(principal, ledger_entries), EntryFilters.parse(**params)))).scalar_one()
        assert stats.total_actions == total == raw


@pytest.mark.parametrize("params", [{"pii_detected": "true"}, {"decision": "review"},
                                    {"data_classification": "restricted"}, {"regulatory_framework": "GDPR"}])
def test_a_compliance_percentile_walks_the_durations_from_its_nearer_end(databases, params):  # type: ignore[no-untyped-def]
    """The p95 of a compliance filter lies near the top of its bucket: its read walks the
    duration index down from the bucket's end and stops at the rank. PostgreSQL does so
    because it knows how often each compliance value occurs (migration 0023's statistics
    on the members' expressions, gathered by ANALYZE as after every load); expecting 0.5%,
    it read every entry of the bucket from the heap (70 ms at 1M actions). Both
    percentiles equal the entries' nearest-rank values."""
    from ledger_core.store.db import refresh_statistics

    ledger = databases.ledger(f"percentile_{uuid.uuid4().hex[:6]}")
    ledger.add_user("ann", org_id="acme", role="user")
    ledger.add_user("root", org_id="ops", role="superuser")
    base = {"policy_id": "P", "policy_version": "1", "retention_until": "2030-01-01", "reviewed_by": None}
    rows = [{"id": str(uuid.uuid4()), "run_id": str(uuid.UUID(int=i // 50 + 1)), "action_name": "query",
             "timestamp": f"2024-03-{1 + i % 28:02d}T{i % 24:02d}:00:00Z", "agent_id": "a1", "outcome": "success",
             "cost_usd": "0", "duration_ms": 1024 + i * 37 % 128, "risk_level": "low", "user_id": "ann",
             "org_id": "acme",
             "compliance": {**base, "pii_detected": i % 3 == 0, "decision": ("allow", "review", "deny")[i % 7 % 3],
                            "data_classification": ("restricted", "internal")[i % 4 // 3],
                            "regulatory_frameworks": ["GDPR"] if i % 5 < 2 else ["SOC2"]}} for i in range(6000)]
    assert ledger.ingest(rows).added == 6000
    refresh_statistics(ledger.engine, [ledger_entries])
    root = ledger.principal("root")
    with statements_run(ledger.engine) as captured:
        stats = ledger.stats(root, **params)
    durations = sorted(row["duration_ms"] for row in rows if _complies(row["compliance"], params))
    assert 500 < stats.total_actions == len(durations)
    assert (stats.p50_duration_ms, stats.p95_duration_ms) == (durations[(len(durations) + 1) // 2 - 1],
                                                              durations[-(-len(durations) * 95 // 100) - 1])
    [(statement, parameters)] = [(s, p) for s, p in captured if "ledger_entries.duration_ms DESC" in s]
    with ledger.engine.connect() as conn:
        if ledger.dialect == "sqlite":
            plan = " ".join(row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
            assert "USING INDEX ix_le_duration" in plan and "TEMP B-TREE" not in plan, plan
        else:
            plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
            assert "Index Scan Backward using ix_le_duration" in plan and "Bitmap" not in plan, plan
    ledger.dispose()


def _complies(compliance: dict[str, Any], params: dict[str, str]) -> bool:
    [(name, value)] = params.items()
    if name == "pii_detected":
        return compliance["pii_detected"]
    if name == "regulatory_framework":
        return value in compliance["regulatory_frameworks"]
    return compliance[name] == value


@pytest.mark.parametrize("user,params", [("root", {}), ("cat", {}), ("ann", {}),
                                         ("root", {"start_date": "2024-03-03", "end_date": "2024-03-20"})])
def test_a_risk_percentile_reads_the_duration_index_alone(databases, user, params):  # type: ignore[no-untyped-def]
    """The entries of a risk filter's percentile bucket are read from a duration index
    alone (by organization, by user, or by date): the risk level is its last column
    (migration 0024), where every entry was fetched from the table to test it (275 ms for
    a superuser's p50 at 10M actions on PostgreSQL). The percentiles equal the entries'."""
    from ledger_core.store.db import refresh_statistics

    ledger = databases.ledger(f"risk_percentile_{uuid.uuid4().hex[:6]}")
    for name, org, role in PEOPLE:
        ledger.add_user(name, org_id=org, role=role)
    owners = [("ann", "acme"), ("ben", "acme"), ("dan", "globex")]
    rows = [{"id": str(uuid.uuid4()), "run_id": str(uuid.UUID(int=i // 50 + 1)), "action_name": "query",
             "timestamp": f"2024-03-{1 + i % 28:02d}T{i % 24:02d}:00:00Z", "agent_id": "a1", "outcome": "success",
             "cost_usd": "0", "duration_ms": 1024 + i * 37 % 128, "risk_level": RISK_LEVELS[i % 7 % 4],
             "user_id": owners[i // 50 % 3][0], "org_id": owners[i // 50 % 3][1]} for i in range(9000)]
    assert ledger.ingest(rows).added == 9000
    refresh_statistics(ledger.engine, [ledger_entries])
    principal = ledger.principal(user)
    with statements_run(ledger.engine) as captured:
        stats = ledger.stats(principal, min_risk="high", **params)
    seen = {"root": lambda row: True, "cat": lambda row: row["org_id"] == "acme",
            "ann": lambda row: row["user_id"] == "ann"}
    durations = sorted(row["duration_ms"] for row in rows
                       if seen[user](row) and row["risk_level"] in ("high", "critical")
                       and params.get("start_date", "") <= row["timestamp"][:10] <= params.get("end_date", "9"))
    assert 100 < stats.total_actions == len(durations)
    assert (stats.p50_duration_ms, stats.p95_duration_ms) == (durations[(len(durations) + 1) // 2 - 1],
                                                              durations[-(-len(durations) * 95 // 100) - 1])
    reads = [(s, p) for s, p in captured if "SELECT ledger_entries.duration_ms" in s]
    assert reads
    with ledger.engine.connect() as conn:
        for statement, parameters in reads:
            if ledger.dialect == "sqlite":
                plan = " ".join(row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
                assert re.search(r"COVERING INDEX ix_le_\w*duration", plan), plan
            else:
                plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
                assert re.search(r"Index Only Scan (Backward )?using ix_le_\w*duration", plan), plan
    ledger.dispose()
