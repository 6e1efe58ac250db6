"""The compliance filters (risk_level, min_risk, data_classification, decision,
regulatory_framework, pii_detected) alone and combined, for each role, in the query, the
stats and the export, against a plain-Python oracle, on both backends. Entries without
compliance metadata never match a filter on the metadata."""
from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger_core import Ledger, LedgerValidationError, Principal
from ledger_core.contract.compliance import ComplianceRequest
from ledger_core.contract.stats import DURATION_EDGES_MS
from ledger_core.rollups import read as rollup_read
from tests.helpers import statements_run, walk_ids

RISKS = ["low", "medium", "high", "critical"]
CLASSES = ["public", "internal", "confidential", "restricted"]
DECISIONS = ["allow", "deny", "review"]
FRAMEWORKS = ["SOC2", "GDPR", "HIPAA", "EU_AI_ACT", "GDPR-lite", "gdpr"]
PEOPLE = {"alice": ("acme", "user"), "bob": ("acme", "user"), "carol": ("acme", "org_admin"),
          "dave": ("globex", "user"), "root": ("ops", "superuser")}
OWNERS = ["alice", "bob", "carol", "dave"]


def build(seed: int = 11, n: int = 700) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    runs = {owner: [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(5)] for owner in OWNERS}
    records = []
    for i in range(n):
        owner = rng.choice(OWNERS)
        compliance = None
        if rng.random() < 0.75:
            compliance = {
                "policy_id": "POL-1", "policy_version": "1", "decision": rng.choice(DECISIONS),
                "data_classification": rng.choice(CLASSES), "pii_detected": rng.random() < 0.3,
                "regulatory_frameworks": rng.sample(FRAMEWORKS, rng.randrange(0, 3)),
                "retention_until": "2030-01-01", "reviewed_by": rng.choice([None, "erin"]),
            }
        records.append({
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "run_id": rng.choice(runs[owner]),
            "timestamp": f"2024-{10 + i % 3:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00Z",
            "action_name": rng.choice(["db", "http"]), "agent_id": "agent-1", "outcome": "success",
            "cost_usd": "0.1", "duration_ms": i, "risk_level": rng.choice(RISKS), "user_id": owner,
            "org_id": PEOPLE[owner][0], "compliance": compliance,
        })
    return records


def matches(record: dict[str, Any], filters: dict[str, Any]) -> bool:
    c = record["compliance"]
    for name, value in filters.items():
        if name == "risk_level" and record["risk_level"] not in value.split(","):
            return False
        if name == "min_risk" and RISKS.index(record["risk_level"]) < RISKS.index(value):
            return False
        if name in ("data_classification", "decision", "regulatory_framework", "pii_detected") and c is None:
            return False
        if name == "data_classification" and c["data_classification"] not in value.split(","):
            return False
        if name == "decision" and c["decision"] != value:
            return False
        if name == "regulatory_framework" and value not in c["regulatory_frameworks"]:
            return False
        if name == "pii_detected" and c["pii_detected"] != (value == "true"):
            return False
    return True


def visible(record: dict[str, Any], who: str) -> bool:
    org, role = PEOPLE[who]
    return role == "superuser" or (record["org_id"] == org and (role == "org_admin" or record["user_id"] == who))


@dataclass
class Data:
    ledger: Ledger
    records: list[dict[str, Any]]

    def principal(self, who: str) -> Principal:
        return self.ledger.principal(who)

    def expected(self, who: str, filters: dict[str, Any]) -> set[str]:
        return {r["id"] for r in self.records if visible(r, who) and matches(r, filters)}


@pytest.fixture(scope="module")
def data(make_ledger) -> Data:  # type: ignore[no-untyped-def]
    ledger = make_ledger(f"compliance_{uuid.uuid4().hex[:6]}")
    for who, (org, role) in PEOPLE.items():
        ledger.add_user(who, org_id=org, role=role)
    records = build()
    assert ledger.ingest(records).added == len(records)
    return Data(ledger, records)


SINGLE = [
    {"risk_level": "high"}, {"risk_level": "high,critical"}, {"min_risk": "medium"}, {"min_risk": "critical"},
    {"data_classification": "restricted"}, {"data_classification": "public,confidential"},
    {"decision": "review"}, {"decision": "deny"}, {"regulatory_framework": "GDPR"},
    {"regulatory_framework": "gdpr"}, {"regulatory_framework": "ISO27001"}, {"pii_detected": "true"},
    {"pii_detected": "false"},
]
COMBINED = [
    {"min_risk": "high", "decision": "review"},
    {"risk_level": "low,critical", "pii_detected": "false", "regulatory_framework": "SOC2"},
    {"data_classification": "restricted,internal", "min_risk": "medium", "decision": "allow"},
    {"risk_level": "high", "min_risk": "critical"},  # together: nothing can be both
]


@pytest.mark.parametrize("who", ["alice", "carol", "root", "dave"])
@pytest.mark.parametrize("filters", SINGLE + COMBINED, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()))
def test_query_matches_the_oracle(data: Data, who: str, filters: dict[str, Any]) -> None:
    got = walk_ids(data.ledger, data.principal(who), **filters)
    assert set(got) == data.expected(who, filters) and len(got) == len(set(got))


def test_the_data_exercise_every_filter(data: Data) -> None:
    for filters in SINGLE + COMBINED[:3]:
        assert bool(data.expected("root", filters)) == (filters != {"regulatory_framework": "ISO27001"}), filters
    assert not data.expected("root", COMBINED[3])
    assert data.expected("root", {"regulatory_framework": "GDPR"}) != data.expected(
        "root", {"regulatory_framework": "gdpr"})  # exact, case-sensitive
    without = {r["id"] for r in data.records if r["compliance"] is None}
    for filters in ({"pii_detected": "false"}, {"decision": "allow"}, {"data_classification": ",".join(CLASSES)}):
        assert not without & set(walk_ids(data.ledger, data.principal("root"), **filters))


@pytest.mark.parametrize("who", ["alice", "carol", "root"])
@pytest.mark.parametrize("filters", [{"min_risk": "high"}, {"decision": "review", "pii_detected": "true"},
                                     {"regulatory_framework": "GDPR", "start_date": "2024-11-01"}])
def test_stats_and_export_take_the_same_filters(data: Data, who: str, filters: dict[str, Any]) -> None:
    me = data.principal(who)
    expected = data.expected(who, {k: v for k, v in filters.items() if k != "start_date"})
    if "start_date" in filters:
        expected = {i for i in expected if next(r for r in data.records if r["id"] == i)["timestamp"] >= "2024-11-01"}
    assert data.ledger.stats(me, **filters).total_actions == len(expected)
    lines = b"".join(data.ledger.export(me, format="jsonl", limit=100_000, **filters)).decode().splitlines()
    assert {json.loads(line)["id"] for line in lines} == expected
    log = data.ledger.export_log(me, limit=1)[0]
    assert {k: log.filters[k] for k in filters if k != "start_date"} == {
        k: v for k, v in filters.items() if k != "start_date"}


ODD_FRAMEWORKS = ["ISO/IEC 27001", 'Datenschutz "DSGVO"', "LGPD\\BR", "Ünïcode ✓", "tab\there"]


def test_filters_find_values_that_json_escapes(make_ledger) -> None:  # type: ignore[no-untyped-def]
    """Frameworks with a slash, quotes, a backslash, non-ASCII letters and a control
    character are found exactly, each in its own entry and in no other (on SQLite the JSON
    test follows a substring test of the stored text: the needle is encoded as it is)."""
    ledger = make_ledger(f"escapes_{uuid.uuid4().hex[:6]}")
    ledger.add_user("root", org_id="ops", role="superuser")
    run_id = str(uuid.uuid4())
    records = [{
        "id": str(uuid.uuid4()), "run_id": run_id, "timestamp": f"2024-10-0{1 + i}T00:00:00Z",
        "action_name": "db", "agent_id": "agent-1", "outcome": "success", "cost_usd": "0", "duration_ms": i,
        "risk_level": "low", "user_id": "root", "org_id": "ops",
        "compliance": {"policy_id": "P", "policy_version": "1", "decision": "allow", "data_classification": "public",
                       "pii_detected": False, "regulatory_frameworks": [framework],
                       "retention_until": "2030-01-01", "reviewed_by": None},
    } for i, framework in enumerate(ODD_FRAMEWORKS)]
    assert ledger.ingest(records).added == len(records)
    root = ledger.principal("root")
    for record, framework in zip(records, ODD_FRAMEWORKS):
        assert walk_ids(ledger, root, regulatory_framework=framework) == [record["id"]], framework
        assert ledger.stats(root, regulatory_framework=framework).total_actions == 1
    assert walk_ids(ledger, root, regulatory_framework="Datenschutz") == []
    assert walk_ids(ledger, root, regulatory_framework="ünïcode ✓") == []


@pytest.mark.parametrize("who", ["alice", "carol", "root"])
@pytest.mark.parametrize("filters", [{}, {"min_risk": "high"}, {"decision": "review", "pii_detected": "true"},
                                     {"data_classification": "restricted", "start_date": "2024-11-01"}, COMBINED[3]],
                         ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()) or "none")
def test_the_stats_page_view_matches_the_oracle(data: Data, who: str, filters: dict[str, Any]) -> None:
    """`stats_view` (the Stats page's one read) gives the stats `stats` gives and the
    matching entries' durations counted per bucket, as the oracle counts them."""
    me = data.principal(who)
    ids = data.expected(who, {k: v for k, v in filters.items() if k != "start_date"})
    durations = [r["duration_ms"] for r in data.records
                 if r["id"] in ids and r["timestamp"] >= filters.get("start_date", "")]
    edges = (0, *DURATION_EDGES_MS, None)
    expected = [sum(1 for d in durations if low <= d and (high is None or d < high))
                for low, high in zip(edges, edges[1:])]
    view = data.ledger.stats_view(me, **filters)
    assert [bucket.count for bucket in view.durations] == expected
    assert view.stats == data.ledger.stats(me, **filters)
    assert view.stats.total_actions == len(durations)


@pytest.mark.parametrize("params,field", [
    ({"risk_level": "extreme"}, "risk_level"), ({"risk_level": "high,,low"}, "risk_level"),
    ({"risk_level": "High"}, "risk_level"), ({"min_risk": "severe"}, "min_risk"),
    ({"data_classification": "secret"}, "data_classification"), ({"decision": "approve"}, "decision"),
    ({"regulatory_framework": "x" * 65}, "regulatory_framework"), ({"regulatory_framework": "GD\x00PR"},
                                                                   "regulatory_framework"),
    ({"pii_detected": "maybe"}, "pii_detected"), ({"pii_detected": 2}, "pii_detected"),
])
@pytest.mark.parametrize("operation", ["query", "stats", "export"])
def test_bad_values_are_refused_naming_the_parameter(data: Data, params, field, operation) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LedgerValidationError) as error:
        getattr(data.ledger, operation)(data.principal("root"), **params)
    assert error.value.field == field


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(who=st.sampled_from(sorted(PEOPLE)), filters=st.fixed_dictionaries({}, optional={
    "risk_level": st.lists(st.sampled_from(RISKS), min_size=1, max_size=3, unique=True).map(",".join),
    "min_risk": st.sampled_from(RISKS),
    "data_classification": st.lists(st.sampled_from(CLASSES), min_size=1, max_size=2, unique=True).map(",".join),
    "decision": st.sampled_from(DECISIONS),
    "regulatory_framework": st.sampled_from(FRAMEWORKS),
    "pii_detected": st.sampled_from(["true", "false"]),
}))
def test_any_combination_matches_the_oracle(data: Data, who: str, filters: dict[str, Any]) -> None:
    got = walk_ids(data.ledger, data.principal(who), **filters)
    assert set(got) == data.expected(who, filters)


# --- the compliance summary ------------------------------------------------------------------------

def _instant(text: str, *, end: bool) -> datetime:
    if len(text) == 10:  # a day: from its start, or through its end
        return datetime.fromisoformat(text + "T00:00:00+00:00") + (timedelta(days=1, microseconds=-1) if end
                                                                    else timedelta(0))
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def in_range(record: dict[str, Any], params: dict[str, Any]) -> bool:
    moment = datetime.fromisoformat(record["timestamp"].replace("Z", "+00:00"))
    return (("start_date" not in params or moment >= _instant(params["start_date"], end=False))
            and ("end_date" not in params or moment <= _instant(params["end_date"], end=True)))


SUMMARIES = [
    {}, {"start_date": "2024-11-01", "end_date": "2024-11-30"}, {"min_risk": "high"}, {"regulatory_framework": "GDPR"},
    {"decision": "review", "pii_detected": "true"}, {"risk_level": "low,critical", "agent_id": "agent-1"},
    {"data_classification": "public,confidential", "end_date": "2024-11-15"},
    {"start_date": "2024-10-03T05:00:00Z", "end_date": "2024-11-20T12:30:00+02:00", "pii_detected": "false"},
    {"start_date": "2024-10-02T12:00:00Z"}, {"end_date": "2024-12-10T06:00:00-05:00", "min_risk": "medium"},
    {"start_date": "2024-11-07T09:00:00Z", "end_date": "2024-11-07T18:00:00Z"},  # within one day
    {"regulatory_framework": "ISO27001"}, {"agent_id": "nobody"},
]


@pytest.mark.parametrize("who", ["alice", "carol", "root"])
@pytest.mark.parametrize("params", SUMMARIES, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()) or "all")
def test_summary_counts_equal_the_oracle(data: Data, who: str, params: dict[str, Any], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    if who == "alice":  # a plain user of a standard-tier organization
        with pytest.raises(Exception) as refused:
            data.ledger.compliance(data.principal(who), **params)
        assert getattr(refused.value, "code", None) == "forbidden"
        return
    read_from_entries = []
    entry_groups = rollup_read.entry_compliance_groups
    monkeypatch.setattr(rollup_read, "entry_compliance_groups",
                        lambda *args: read_from_entries.append(1) or entry_groups(*args))
    summary = data.ledger.compliance(data.principal(who), **params)
    # Whole days come from the rollup; the entries give a partial day at an edge, or a
    # range within one day.
    split = rollup_read.split_days(ComplianceRequest.parse(**params))
    assert len(read_from_entries) == (1 if split is None else len(split[1])), params
    filters = {k: v for k, v in params.items() if k not in ("start_date", "end_date", "agent_id")}
    rows = [r for r in data.records if visible(r, who) and matches(r, filters) and in_range(r, params)
            and r["agent_id"] == params.get("agent_id", r["agent_id"])]
    with_c = [r for r in rows if r["compliance"]]
    assert summary.total_actions == len(rows) == data.ledger.stats(data.principal(who), **params).total_actions
    assert summary.with_compliance == len(with_c)
    assert summary.by_risk_level == {level: sum(r["risk_level"] == level for r in rows) for level in RISKS}
    assert summary.by_decision == {d: sum(r["compliance"]["decision"] == d for r in with_c) for d in DECISIONS}
    assert summary.by_classification == {
        c: sum(r["compliance"]["data_classification"] == c for r in with_c) for c in CLASSES}
    assert summary.pii == {"detected": sum(r["compliance"]["pii_detected"] for r in with_c),
                           "not_detected": sum(not r["compliance"]["pii_detected"] for r in with_c)}
    frameworks: dict[str, int] = {}
    for r in with_c:
        for name in r["compliance"]["regulatory_frameworks"]:
            frameworks[name] = frameworks.get(name, 0) + 1
    assert summary.by_framework == dict(sorted(frameworks.items(), key=lambda kv: (-kv[1], kv[0])))
    assert list(summary.by_framework.values()) == sorted(summary.by_framework.values(), reverse=True)
    pending = sorted((r for r in with_c if r["compliance"]["decision"] == "review"
                      and r["compliance"]["reviewed_by"] is None),
                     key=lambda r: (r["timestamp"], r["id"]), reverse=True)
    assert summary.needs_review_total == len(pending)
    assert [str(e.id) for e in summary.needs_review] == [r["id"] for r in pending[:20]]
    risky: dict[str, list[int]] = {}
    for r in rows:
        counts = risky.setdefault(r["agent_id"], [0, 0, 0])
        counts[0] += r["risk_level"] == "high"
        counts[1] += r["risk_level"] == "critical"
        counts[2] += 1
    expected = sorted(((name, *c) for name, c in risky.items() if c[0] + c[1]),
                      key=lambda t: (-(t[1] + t[2]), -t[2], t[0]))[:10]
    assert [(a.name, a.high, a.critical, a.total) for a in summary.riskiest_agents] == expected
    risky = {}
    for r in rows:
        counts = risky.setdefault(r["action_name"], [0, 0, 0])
        counts[0] += r["risk_level"] == "high"
        counts[1] += r["risk_level"] == "critical"
        counts[2] += 1
    assert [(a.name, a.high, a.critical, a.total) for a in summary.riskiest_actions] == sorted(
        ((name, *c) for name, c in risky.items() if c[0] + c[1]), key=lambda t: (-(t[1] + t[2]), -t[2], t[0]))
    body = json.loads(summary.to_json())
    assert body["needs_review_total"] == len(pending) and len(body["needs_review"]) == len(summary.needs_review)


def test_an_enterprise_users_summary_is_their_own(make_ledger) -> None:  # type: ignore[no-untyped-def]
    ledger = make_ledger(f"compliance_ent_{uuid.uuid4().hex[:6]}")
    ledger.ensure_org("acme", "Acme", "enterprise")
    ledger.add_user("alice", org_id="acme", role="user")
    ledger.add_user("bob", org_id="acme", role="user")
    records = [r for r in build(seed=3, n=200) if r["org_id"] == "acme" and r["user_id"] in ("alice", "bob")]
    assert ledger.ingest(records).added == len(records)
    summary = ledger.compliance(ledger.principal("alice"))
    assert summary.total_actions == sum(r["user_id"] == "alice" for r in records) > 0


def test_the_actions_awaiting_a_review_are_read_through_their_index(data: Data) -> None:
    """The list's condition repeats `ix_le_unreviewed`'s own, so the database can walk that
    small index newest first (PostgreSQL sorted every entry in scope otherwise: 5-6 s at
    10M actions): SQLite refuses `INDEXED BY` an index it cannot use, PostgreSQL uses it
    once sorting and other scans are ruled out."""
    from sqlalchemy import true

    from ledger_core.read.compliance import latest_awaiting_review

    with data.ledger.engine.connect() as conn:
        statement = latest_awaiting_review(conn, true())
        if data.ledger.dialect == "sqlite":  # as it runs: parameters bound, not written in
            compiled = statement.compile(conn)
            forced = str(compiled).replace("FROM ledger_entries", "FROM ledger_entries INDEXED BY ix_le_unreviewed")
            assert len(conn.exec_driver_sql(forced, tuple(compiled.params[name] for name in compiled.positiontup)
                                            ).all()) == 20
            return
        sql = str(statement.compile(conn, compile_kwargs={"literal_binds": True}))
        with conn.begin():
            for setting in ("enable_seqscan", "enable_sort", "enable_bitmapscan"):
                conn.exec_driver_sql(f"SET LOCAL {setting} = off")
            plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql))
    assert "ix_le_unreviewed" in plan, plan


@pytest.mark.parametrize("params,walks", [({"decision": "review", "regulatory_framework": "GDPR"}, True),
                                          ({"pii_detected": "true", "page": "2", "page_size": "10"}, True),
                                          ({"pii_detected": "true", "sort_by": "cost"}, True),
                                          ({"decision": "review", "sort_by": "duration", "page": "1",
                                            "page_size": "5"}, True),
                                          ({"pii_detected": "true", "sort_by": "cost", "sort_order": "asc"}, True),
                                          ({"decision": "review", "sort_by": "name"}, True),
                                          ({"pii_detected": "true", "sort_by": "name", "sort_order": "asc",
                                            "page": "1", "page_size": "7"}, True),
                                          ({"min_risk": "high"}, False), ({}, False)])
def test_postgresql_walks_the_sort_order_for_compliance_filters(data: Data, params, walks) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL misjudges how many entries match compliance members and sorted every
    entry in scope to fill a page (2.5-5.9 s at 10M actions): a page in time, cost or
    duration order, or by name (an action's entries in time order), with such a filter is
    read with sorting ruled out, and by OFFSET past the first page, as the join of a
    page's ids would need a sort of its own; the page is the one the sort gives. SQLite's
    planner walks the index by itself: it gets no such setting."""
    walks = walks and data.ledger.dialect == "postgresql"
    with statements_run(data.ledger.engine) as captured:
        page = data.ledger.query(data.principal("root"), **params)
    statements = [statement for statement, _ in captured]
    filters = {k: v for k, v in params.items() if k not in ("page", "page_size", "sort_by", "sort_order")}
    assert page.total == len(data.expected("root", filters)) and page.items
    keys = {"timestamp": lambda r: datetime.fromisoformat(r["timestamp"]),
            "cost": lambda r: Decimal(str(r["cost_usd"])), "duration": lambda r: r["duration_ms"],
            "name": lambda r: (r["action_name"], datetime.fromisoformat(r["timestamp"]))}
    key = keys[params.get("sort_by", "timestamp")]
    size, number = int(params.get("page_size", 100)), int(params.get("page", 0))
    ordered = sorted((r for r in data.records if r["id"] in data.expected("root", filters)),
                     key=lambda r: (key(r), r["id"]), reverse=params.get("sort_order", "desc") == "desc")
    assert [str(item.id) for item in page.items] == [r["id"] for r in ordered[number * size:(number + 1) * size]]
    settings_ = [s for s in statements if s.startswith("SET LOCAL enable_sort")]
    assert settings_ == (["SET LOCAL enable_sort = off", "SET LOCAL enable_sort = on"] if walks else [])
    if walks:
        page_statement = statements[statements.index("SET LOCAL enable_sort = off") + 1]
        assert page_statement.startswith("SELECT ledger_entries.id") and " JOIN " not in page_statement
