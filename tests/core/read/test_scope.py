"""Scope (SPEC section 6): who sees which rows, checked against a pandas oracle on both backends.

A `user` sees only their own runs' actions (not a colleague's in the same organization), an
`org_admin` only their organization's, a `superuser` everything; with filters and search too.
"""
from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.helpers import walk_ids

from ledger_core import Ledger, Principal
from ledger_core.read.scope import scope_clause

UTC = timezone.utc
N_RECORDS = 2000
# user -> (organization, role); the ones marked "no rows" own no action
PEOPLE = {
    "alice": ("acme", "user"),
    "bob": ("acme", "user"),
    "carol": ("acme", "org_admin"),
    "frank": ("acme", "user"),  # no rows
    "dave": ("globex", "user"),
    "erin": ("globex", "org_admin"),  # no rows of her own
    "gina": ("globex", "user"),
    "ivan": ("initech", "org_admin"),  # an organization without rows
    "root": ("ops", "superuser"),
}
OWNERS = ["alice", "bob", "carol", "dave", "gina"]
ACTIONS = ["database_query", "http_request", "send_email", "QueryCache"]
AGENTS = ["prod-agent-3", "prod-agent-30", "etl_job%v2", "shared-agent"]  # the same agents in every org
OUTCOMES = ["success", "error", "blocked"]
COSTS = ["0", "0.0123", "0.5", "2"]
RISKS = ["low", "medium", "high", "critical"]
DECISIONS = ["allow", "deny", "review"]
CLASSIFICATIONS = ["public", "internal", "confidential", "restricted"]
FRAMEWORKS = ["GDPR", "SOC2", "HIPAA"]


def build(seed: int = 6) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    rng = random.Random(seed)
    runs = []
    for _ in range(60):
        owner = rng.choice(OWNERS)
        runs.append((str(uuid.UUID(int=rng.getrandbits(128), version=4)), owner, PEOPLE[owner][0],
                     rng.choice(AGENTS)))
    base = datetime(2024, 12, 30, tzinfo=UTC)
    stamps = [base + timedelta(minutes=rng.randrange(4 * 24 * 60)) for _ in range(80)]  # many ties
    records = []
    for _ in range(N_RECORDS):
        run_id, owner, org, agent = rng.choice(runs)
        records.append({
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "run_id": run_id,
            "timestamp": rng.choice(stamps).isoformat(), "action_name": rng.choice(ACTIONS), "agent_id": agent,
            "outcome": rng.choice(OUTCOMES), "cost_usd": rng.choice(COSTS), "duration_ms": rng.randrange(5),
            "risk_level": "low", "user_id": owner, "org_id": org,
        })
    add_compliance(records, seed)
    frame = pd.DataFrame(records)
    frame["ts"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame["cost"] = frame["cost_usd"].map(Decimal).astype(object)
    return records, frame


def add_compliance(records: list[dict[str, Any]], seed: int) -> None:
    """Risk levels for all, compliance metadata for most (drawn apart, so the records above
    stay as they were)."""
    rng = random.Random(seed + 1)
    for record in records:
        record["risk_level"] = rng.choice(RISKS)
        if rng.random() < 0.7:
            record["compliance"] = {
                "policy_id": "POL-1", "policy_version": "1", "decision": rng.choice(DECISIONS),
                "data_classification": rng.choice(CLASSIFICATIONS), "pii_detected": rng.random() < 0.3,
                "regulatory_frameworks": rng.sample(FRAMEWORKS, rng.randrange(3)), "retention_until": "2030-01-01",
            }


def oracle(frame: pd.DataFrame, principal: Principal, **filters: Any) -> list[str]:
    """Scoped, filtered ids in the default order (timestamp desc, id desc)."""
    role = PEOPLE[principal.user_id][1]
    if role == "user":
        frame = frame[frame["user_id"] == principal.user_id]
    elif role == "org_admin":
        frame = frame[frame["org_id"] == principal.org_id]
    for name, value in filters.items():
        if name in ("outcome", "action_name", "agent_id", "run_id"):
            frame = frame[frame[name] == value]
        elif name == "search":
            hit = pd.Series(False, index=frame.index)
            for column in ("action_name", "agent_id", "outcome"):
                hit |= frame[column].str.lower().str.contains(value.lower(), regex=False)
            frame = frame[hit]
        elif name == "min_cost":
            frame = frame[frame["cost"].map(Decimal(value).__le__).astype(bool)]
        elif name == "start_date":
            frame = frame[frame["ts"] >= pd.Timestamp(value, tz="UTC")]
        elif name == "end_date":  # date-only values here
            frame = frame[frame["ts"] < pd.Timestamp(value, tz="UTC") + pd.Timedelta(days=1)]
        else:
            raise AssertionError(name)
    return frame.sort_values(["ts", "id"], ascending=False)["id"].tolist()


@dataclass
class Dataset:
    ledger: Ledger
    frame: pd.DataFrame
    principals: dict[str, Principal]

    def ids(self, who: str | Principal, **params: Any) -> list[str]:
        principal = self.principals[who] if isinstance(who, str) else who
        return walk_ids(self.ledger, principal, **params)


@pytest.fixture(scope="module")
def data(make_ledger) -> Dataset:  # type: ignore[no-untyped-def]
    ledger = make_ledger(f"scope_{uuid.uuid4().hex[:6]}")
    for user, (org, role) in PEOPLE.items():
        ledger.add_user(user, org_id=org, role=role)
    records, frame = build()
    report = ledger.ingest(records)
    assert (report.added, report.refused) == (N_RECORDS, 0), report.refusals[:3]
    return Dataset(ledger, frame, {user: ledger.principal(user) for user in PEOPLE})


def test_principals_carry_org_and_role(data: Dataset) -> None:
    for user, (org, role) in PEOPLE.items():
        principal = data.principals[user]
        assert (principal.user_id, principal.org_id, principal.role) == (user, org, role)


@pytest.mark.parametrize("who", sorted(PEOPLE))
def test_each_principal_sees_exactly_their_scope(data: Dataset, who: str) -> None:
    principal = data.principals[who]
    expected = oracle(data.frame, principal)
    assert data.ids(who) == expected
    page = data.ledger.query(principal, page_size=10)
    assert page.total == len(expected)
    assert page.total_pages == -(-len(expected) // 10)
    org, role = PEOPLE[who]
    items = data.ledger.query(principal, page_size=1000).items
    if role == "user":
        assert {item.user_id for item in items} <= {who}
    elif role == "org_admin":
        assert {item.org_id for item in items} <= {org}


def test_expected_sizes(data: Dataset) -> None:
    frame = data.frame
    sizes = {who: len(data.ids(who)) for who in PEOPLE}
    assert sizes["root"] == N_RECORDS
    assert sizes["frank"] == sizes["ivan"] == 0
    assert sizes["carol"] == (frame["org_id"] == "acme").sum() == sizes["alice"] + sizes["bob"] + (
        frame["user_id"] == "carol").sum()
    assert sizes["erin"] == sizes["dave"] + sizes["gina"] > sizes["dave"] > 0
    assert sizes["alice"] > 0 and sizes["bob"] > 0


FILTER_SETS: list[dict[str, Any]] = [
    {"agent_id": "prod-agent-3"},
    {"search": "query"},
    {"search": "AGENT-3", "outcome": "blocked"},
    {"search": "_"},
    {"action_name": "send_email", "min_cost": "0.0123"},
    {"start_date": "2024-12-31", "end_date": "2024-12-31", "search": "e"},
    {"outcome": "error", "agent_id": "shared-agent", "start_date": "2025-01-01"},
]


@pytest.mark.parametrize("who", ["alice", "bob", "carol", "dave", "erin", "root", "frank"])
@pytest.mark.parametrize("filters", FILTER_SETS, ids=lambda f: repr(f)[1:-1])
def test_scope_with_filters_and_search(data: Dataset, who: str, filters: dict[str, Any]) -> None:
    assert data.ids(who, **filters) == oracle(data.frame, data.principals[who], **filters)


def test_a_user_never_sees_a_colleagues_run(data: Dataset) -> None:
    frame = data.frame
    bobs_run = frame.loc[frame["user_id"] == "bob", "run_id"].iloc[0]
    assert data.ledger.query(data.principals["alice"], run_id=bobs_run).total == 0
    assert data.ledger.query(data.principals["bob"], run_id=bobs_run).total == (frame["run_id"] == bobs_run).sum()
    assert data.ledger.query(data.principals["carol"], run_id=bobs_run).total == (frame["run_id"] == bobs_run).sum()
    assert data.ledger.query(data.principals["erin"], run_id=bobs_run).total == 0
    assert data.ledger.query(data.principals["dave"], run_id=bobs_run).total == 0
    # bob's rows are invisible to alice whatever she searches for
    bobs = set(frame.loc[frame["user_id"] == "bob", "id"])
    for term in ["", "a", "e", "_", "%", "query", "prod"]:
        assert not bobs & set(data.ids("alice", search=term))


def test_an_org_admin_never_sees_another_organization(data: Dataset) -> None:
    globex = set(data.frame.loc[data.frame["org_id"] == "globex", "id"])
    for params in [{}, {"agent_id": "prod-agent-3"}, {"search": "shared"}, {"sort_by": "cost"}]:
        assert not globex & set(data.ids("carol", **params))
        assert set(data.ids("erin", **params)) <= globex
        assert data.ids("ivan", **params) == []


def test_principal_with_a_mismatched_org_sees_nothing(data: Dataset) -> None:
    # a user principal is scoped by user and organization together
    forged = Principal("alice", "globex", "user")
    assert data.ledger.query(forged).total == 0


def test_unknown_role_is_refused_not_widened(data: Dataset) -> None:
    with pytest.raises(PermissionError):
        data.ledger.query(Principal("alice", "acme", "admin"))  # type: ignore[arg-type]


def test_role_change_takes_effect(make_ledger) -> None:  # type: ignore[no-untyped-def]
    ledger = make_ledger(f"scope_role_{uuid.uuid4().hex[:6]}")
    ledger.add_user("alice", org_id="acme", role="user")
    ledger.add_user("bob", org_id="acme", role="user")
    records, _ = build(seed=1)
    records = [dict(record, user_id=owner, org_id="acme") for record, owner in zip(records[:40], ["alice", "bob"] * 20)]
    # runs must keep one owner: give each record its own run
    for record in records:
        record["run_id"] = str(uuid.uuid4())
    assert ledger.ingest(records).added == 40
    assert ledger.query(ledger.principal("alice")).total == 20
    ledger.set_role("alice", "org_admin")
    assert ledger.query(ledger.principal("alice")).total == 40


def test_scope_clause_shapes() -> None:
    from sqlalchemy import select
    from sqlalchemy.dialects import postgresql, sqlite

    from ledger_core.store.schema import ledger_entries

    for principal, expected in [
        (Principal("alice", "acme", "user"), {"acme", "alice"}),
        (Principal("carol", "acme", "org_admin"), {"acme"}),
        (Principal("root", "ops", "superuser"), set()),
    ]:
        statement = select(ledger_entries.c.id).where(scope_clause(principal, ledger_entries))
        for dialect in (sqlite.dialect(), postgresql.dialect()):
            compiled = statement.compile(dialect=dialect)
            assert set(compiled.params.values()) == expected  # values are bound, never formatted in


# --- property: whatever a principal asks, nothing outside their scope comes back ---------------

SCOPE_FILTERS = {
    "outcome": st.sampled_from(OUTCOMES),
    "action_name": st.sampled_from(ACTIONS),
    "agent_id": st.sampled_from(AGENTS),
    "min_cost": st.sampled_from(COSTS),
    "search": st.sampled_from(["query", "_", "%", "AGENT", "e", "prod-agent-3"]),
    "start_date": st.sampled_from(["2024-12-30", "2024-12-31", "2025-01-02"]),
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(who=st.sampled_from(sorted(PEOPLE)), filters=st.fixed_dictionaries({}, optional=SCOPE_FILTERS),
       sort_by=st.sampled_from(["timestamp", "cost", "duration", "name"]))
def test_no_row_count_or_stat_leaves_the_scope(data: Dataset, who: str, filters: dict[str, Any],
                                                sort_by: str) -> None:
    principal = data.principals[who]
    expected = oracle(data.frame, principal, **filters)
    got = data.ids(who, sort_by=sort_by, **filters)
    assert sorted(got) == sorted(expected), (who, filters)
    org, role = PEOPLE[who]
    visible = data.frame if role == "superuser" else data.frame[
        (data.frame["org_id"] == org) & ((data.frame["user_id"] == who) | (role == "org_admin"))]
    assert set(got) <= set(visible["id"])
    stats_filters = {k: v for k, v in filters.items() if k in ("agent_id", "start_date")}
    stats = data.ledger.stats(principal, **stats_filters)
    assert stats.total_actions == len(oracle(data.frame, principal, **stats_filters))
    export = data.ledger.export(principal, format="jsonl", limit=100_000,
                                **{k: v for k, v in filters.items() if k in ("outcome", "action_name", "agent_id",
                                                                             "start_date")})
    exported = [json.loads(line)["id"] for line in b"".join(export).decode().splitlines()]
    assert set(exported) <= set(visible["id"])


# --- property: with the compliance filters too, every row, count, stat and exported line is
# exactly the superuser's answer cut down to the principal's scope (issue 9) -----------------

COMPLIANCE_FILTERS = {
    "risk_level": st.sampled_from(["low", "high", "medium,critical", "low,high,critical"]),
    "min_risk": st.sampled_from(RISKS),
    "data_classification": st.sampled_from(["public", "confidential,restricted", "internal"]),
    "decision": st.sampled_from(DECISIONS),
    "regulatory_framework": st.sampled_from(["GDPR", "SOC2", "HIPAA", "gdpr"]),
    "pii_detected": st.sampled_from(["true", "false"]),
}
ALL_FILTERS = {**SCOPE_FILTERS, "end_date": st.sampled_from(["2025-01-02", "2025-01-03"]), **COMPLIANCE_FILTERS}
STATS_PARAMS = ("start_date", "end_date", "agent_id", *COMPLIANCE_FILTERS)
EXPORT_PARAMS = ("outcome", "action_name", "agent_id", "start_date", "end_date", *COMPLIANCE_FILTERS)


def visible_ids(data: Dataset, who: str) -> set[str]:
    org, role = PEOPLE[who]
    frame = data.frame
    if role == "org_admin":
        frame = frame[frame["org_id"] == org]
    elif role == "user":
        frame = frame[(frame["org_id"] == org) & (frame["user_id"] == who)]
    return set(frame["id"])


def _only(filters: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: value for name, value in filters.items() if name in names}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(who=st.sampled_from(sorted(PEOPLE)), filters=st.fixed_dictionaries({}, optional=ALL_FILTERS))
def test_rows_counts_stats_and_export_lines_stay_in_scope_with_compliance_filters(
        data: Dataset, who: str, filters: dict[str, Any]) -> None:
    principal, root = data.principals[who], data.principals["root"]
    visible = visible_ids(data, who)
    everyone = set(data.ids("root", **filters))
    got = data.ids(who, **filters)
    assert set(got) == everyone & visible, (who, filters)
    assert data.ledger.query(principal, page_size=1, **filters).total == len(got)

    stats_filters = _only(filters, STATS_PARAMS)
    expected = set(data.ids("root", **stats_filters)) & visible
    stats = data.ledger.stats(principal, **stats_filters)
    assert stats.total_actions == len(expected) == sum(stats.outcomes.values()) == sum(stats.by_risk_level.values())
    assert sum(day.actions for day in stats.daily) == len(expected)
    rows = data.frame[data.frame["id"].isin(expected)]
    assert stats.total_cost_usd == sum(rows["cost"], Decimal(0))
    assert stats.unique_runs == rows["run_id"].nunique()
    assert {agent.agent_id for agent in stats.cost_by_agent} == set(rows["agent_id"])
    assert stats.unique_runs <= data.ledger.stats(root, **stats_filters).unique_runs

    export_filters = _only(filters, EXPORT_PARAMS)
    export = data.ledger.export(principal, format="jsonl", limit=100_000, **export_filters)
    lines = [json.loads(line) for line in b"".join(export).decode().splitlines()]
    assert {line["id"] for line in lines} == set(data.ids("root", **export_filters)) & visible
    assert all(line["org_id"] == principal.org_id for line in lines) or PEOPLE[who][1] == "superuser"
    assert export.total == len(lines)
    # the export log the principal reads holds only exports within their scope
    role = PEOPLE[who][1]
    for record in data.ledger.export_log(principal, limit=20):
        assert role == "superuser" or (record.org_id == principal.org_id and (role != "user" or record.user_id == who))
