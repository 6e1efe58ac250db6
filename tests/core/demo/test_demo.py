"""The demo data generator (ledger_core/demo.py): deterministic, valid, and telling a story."""
from __future__ import annotations

import collections
import datetime as dt
import json
import re
import statistics
import uuid
from decimal import Decimal

import pytest

from ledger_core import EntryIn
from ledger_core import demo

END = dt.date(2025, 6, 30)
N = 20_000
SEED = 7

ENTRY_KEYS = {
    "id", "run_id", "timestamp", "action_name", "agent_id", "outcome", "cost_usd",
    "duration_ms", "risk_level", "user_id", "org_id", "input", "output", "error_message",
    "blocked_reason", "metadata", "compliance",
}
COMPLIANCE_KEYS = {
    "policy_id", "policy_version", "decision", "data_classification", "pii_detected",
    "regulatory_frameworks", "retention_until", "reviewed_by",
}
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
FORMULA_START = ("=", "+", "-", "@", "\t")


def _all(**kwargs) -> list[dict]:
    return [record for batch in demo.generate_actions(**kwargs) for record in batch]


def _when(record: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(record["timestamp"].replace("Z", "+00:00"))


def _dump(records: list[dict]) -> str:
    return "\n".join(json.dumps(r, default=str, ensure_ascii=False, sort_keys=True) for r in records)


@pytest.fixture(scope="module")
def batches() -> list[list[dict]]:
    return list(demo.generate_actions(actions=N, seed=SEED, end=END, batch_size=6_000))


@pytest.fixture(scope="module")
def records(batches) -> list[dict]:
    return [record for batch in batches for record in batch]


@pytest.fixture(scope="module")
def window_bounds() -> tuple[dt.datetime, dt.datetime]:
    first, last = demo.demo_period(END)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=dt.timezone.utc)
    stop = dt.datetime.combine(last, dt.time.max, tzinfo=dt.timezone.utc)
    return start, stop


# --- size, batching, determinism ---------------------------------------------------------

def test_exact_count_and_batch_sizes(batches, records):
    assert len(records) == N
    assert [len(b) for b in batches] == [6_000, 6_000, 6_000, 2_000]
    assert all(isinstance(b, list) for b in batches)


@pytest.mark.parametrize("count", [0, 1, 2, 8_191, 8_192, 8_193])
def test_small_and_boundary_counts(count):
    got = _all(actions=count, seed=1, end=END, batch_size=5_000)
    assert len(got) == count
    assert len({r["id"] for r in got}) == count


def test_invalid_arguments_are_refused():
    with pytest.raises(ValueError):
        demo.generate_actions(actions=-1)
    with pytest.raises(ValueError):
        demo.generate_actions(actions=10, batch_size=0)


def test_same_arguments_give_identical_records(records):
    again = _all(actions=N, seed=SEED, end=END)  # default batch size: same records
    assert again == records
    assert _dump(again) == _dump(records)


def test_a_different_seed_gives_different_data(records):
    other = _all(actions=N, seed=SEED + 1, end=END)
    assert len(other) == N
    assert not {r["id"] for r in other} & {r["id"] for r in records}
    assert not {r["run_id"] for r in other} & {r["run_id"] for r in records}


def test_ids_are_unique(records):
    ids = [r["id"] for r in records]
    assert len(set(ids)) == len(ids)
    assert not set(ids) & {r["run_id"] for r in records}


def test_records_are_json_serialisable(records):
    text = _dump(records[:500])
    assert text.count("\n") == 499


def test_roughly_chronological(records):
    latest = _when(records[0])
    for record in records:
        moment = _when(record)
        assert latest - moment <= dt.timedelta(hours=2)
        latest = max(latest, moment)


# --- every record is a valid LedgerEntry ingest form -------------------------------------

def test_every_record_is_valid(records, window_bounds):
    start, stop = window_bounds
    assert start.date() >= demo.shift_months(END, -18)
    for r in records:
        assert set(r) == ENTRY_KEYS
        assert uuid.UUID(r["id"]).version == 4 and str(uuid.UUID(r["id"])) == r["id"]
        assert uuid.UUID(r["run_id"]).version == 4 and str(uuid.UUID(r["run_id"])) == r["run_id"]
        assert TIMESTAMP.match(r["timestamp"]), r["timestamp"]
        assert start <= _when(r) <= stop
        assert r["outcome"] in ("success", "error", "blocked")
        assert r["risk_level"] in ("low", "medium", "high", "critical")
        cost = r["cost_usd"]
        assert isinstance(cost, Decimal) and cost.is_finite() and cost >= 0
        assert cost.as_tuple().exponent >= -6
        assert type(r["duration_ms"]) is int and r["duration_ms"] >= 0
        for key in ("action_name", "agent_id", "user_id", "org_id"):
            assert isinstance(r[key], str) and r[key] and "\x00" not in r[key]
        assert r["input"] is None or isinstance(r["input"], dict)
        assert r["output"] is None or isinstance(r["output"], dict)
        assert isinstance(r["metadata"], dict)
        assert r["metadata"]["environment"] in ("prod", "staging")
        if r["outcome"] == "error":
            assert isinstance(r["error_message"], str) and r["error_message"].strip()
            assert "\x00" not in r["error_message"]
        else:
            assert r["error_message"] is None
        if r["outcome"] == "blocked":
            assert isinstance(r["blocked_reason"], str) and r["blocked_reason"].strip()
            assert r["cost_usd"] == 0
        else:
            assert r["blocked_reason"] is None
        if r["action_name"].startswith("llm_"):
            meta = r["metadata"]
            assert isinstance(meta["model"], str)
            assert meta["total_tokens"] == meta["prompt_tokens"] + meta["completion_tokens"]


def test_records_pass_the_ingest_model(records):
    for record in records[::20]:
        entry = EntryIn.model_validate(record)
        assert entry.cost_usd == record["cost_usd"]


def test_timestamps_are_never_in_the_future():
    today = dt.datetime.now(dt.timezone.utc).date()
    for end in (None, today, today + dt.timedelta(days=3)):
        before = dt.datetime.now(dt.timezone.utc)
        got = _all(actions=3_000, seed=3, end=end)
        after = dt.datetime.now(dt.timezone.utc)
        assert len(got) == 3_000
        latest = max(_when(r) for r in got)
        assert latest <= after
        assert latest.date() >= (before - dt.timedelta(days=2)).date()  # data reaches today
        assert min(_when(r) for r in got).date() >= demo.shift_months(today, -18)


def test_runs_are_consistent(records):
    owners: dict[str, tuple[str, str, str]] = {}
    sizes = collections.Counter()
    times: dict[str, list[dt.datetime]] = collections.defaultdict(list)
    for r in records:
        owner = (r["user_id"], r["org_id"], r["agent_id"])
        assert owners.setdefault(r["run_id"], owner) == owner
        sizes[r["run_id"]] += 1
        times[r["run_id"]].append(_when(r))
    assert 0.5 * N / 10 < len(sizes) < 2 * N / 10  # a handful to a few dozen actions a run
    assert max(sizes.values()) <= 60
    assert statistics.median(sizes.values()) >= 3
    # a run's actions are seconds to minutes apart, not days
    spans = [max(t) - min(t) for t in times.values()]
    assert statistics.median(spans) < dt.timedelta(minutes=5)


# --- organizations, users, agents ---------------------------------------------------------

def test_orgs_users_and_roles():
    orgs = {o.id: o for o in demo.demo_orgs()}
    assert len(orgs) == 4
    assert orgs["acme"].tier == "enterprise" and orgs["acme"].name == "Acme Corp"
    assert {o.tier for o in orgs.values()} == {"enterprise", "standard"}
    assert sum(o.tier == "enterprise" for o in orgs.values()) == 1
    users = {u.id: u for u in demo.demo_users()}
    assert 15 <= len(users) <= 25
    assert {u.role for u in users.values()} == {"user", "org_admin", "superuser"}
    assert all(u.org_id in orgs for u in users.values())
    for org in orgs:
        assert any(u.org_id == org and u.role == "org_admin" for u in users.values()), org
    assert 1 <= sum(u.role == "superuser" for u in users.values()) <= 2
    assert (users["alice"].role, users["alice"].org_id) == ("user", "acme")
    assert (users["bob"].role, users["bob"].org_id) == ("org_admin", "acme")
    assert users["root"].role == "superuser"
    assert demo.DEMO_PASSWORDS == {u.id: u.password for u in users.values()}
    assert all(len(p) >= 8 for p in demo.DEMO_PASSWORDS.values())
    assert len({u.email for u in users.values()}) == len(users)


def test_records_reference_known_users_agents_and_orgs(records):
    users = {u.id: u for u in demo.demo_users()}
    agents = {a.id: a for a in demo.demo_agents()}
    assert len(agents) >= 30
    for r in records:
        assert users[r["user_id"]].org_id == r["org_id"]
        agent = agents[r["agent_id"]]
        assert agent.org_id == r["org_id"]
        assert r["user_id"] in agent.users
        assert r["metadata"]["environment"] == agent.environment


def test_agent_names_include_near_collisions(records):
    seen = {r["agent_id"] for r in records}
    assert {"prod-agent-3", "prod-agent-30"} <= seen
    assert any(a.startswith("staging-agent-") for a in seen)
    assert "billing-bot" in seen
    assert len(seen) >= 30


def test_every_user_has_actions():
    got = _all(actions=100_000, seed=SEED, end=END)
    assert {r["user_id"] for r in got} == {u.id for u in demo.demo_users()}


# --- the story ------------------------------------------------------------------------------

def test_enterprise_rows_carry_compliance(records):
    enterprise = {o.id for o in demo.demo_orgs() if o.tier == "enterprise"}
    seen_enterprise = 0
    for r in records:
        comp = r["compliance"]
        if r["org_id"] not in enterprise:
            assert comp is None
            continue
        seen_enterprise += 1
        assert isinstance(comp, dict) and set(comp) == COMPLIANCE_KEYS
        assert comp["decision"] in ("allow", "deny", "review")
        assert comp["data_classification"] in ("public", "internal", "confidential", "restricted")
        assert isinstance(comp["pii_detected"], bool)
        assert comp["regulatory_frameworks"] and all(isinstance(f, str) for f in comp["regulatory_frameworks"])
        retention = dt.date.fromisoformat(comp["retention_until"])
        assert retention > _when(r).date()
        assert comp["reviewed_by"] is None or isinstance(comp["reviewed_by"], str)
        assert isinstance(comp["policy_id"], str) and isinstance(comp["policy_version"], str)
        if r["outcome"] == "blocked":
            assert comp["decision"] == "deny"
    assert seen_enterprise > N / 5
    frameworks = {f for r in records if r["compliance"] for f in r["compliance"]["regulatory_frameworks"]}
    assert {"SOC2", "GDPR", "EU_AI_ACT"} <= frameworks


def test_outcome_mix(records):
    counts = collections.Counter(r["outcome"] for r in records)
    assert 0.80 <= counts["success"] / N <= 0.90
    assert 0.07 <= counts["error"] / N <= 0.13
    assert 0.03 <= counts["blocked"] / N <= 0.07


def test_action_catalog_is_rich(records):
    assert len(demo.demo_action_names()) >= 50
    seen = {r["action_name"] for r in records}
    assert len(seen) >= 50
    for name in ("llm_completion", "llm_embedding", "llm_chat_gpt4", "database_query", "shell_exec",
                 "send_email", "http_request", "file_read", "file_write", "payment_transfer"):
        assert name in seen, name


def test_llm_calls_cost_more_than_database_queries(records):
    llm = [r["cost_usd"] for r in records if r["action_name"].startswith("llm_")]
    db = [r["cost_usd"] for r in records if r["action_name"] == "database_query"]
    assert llm and db
    assert sum(llm) / len(llm) > 50 * (sum(db) / len(db))


def test_risk_profiles(records):
    shell = [r for r in records if r["action_name"] == "shell_exec"]
    assert shell and all(r["risk_level"] in ("high", "critical") for r in shell)
    blocked = sum(r["outcome"] == "blocked" for r in shell) / len(shell)
    assert blocked > 0.15  # often blocked
    payments = [r for r in records if r["action_name"] == "payment_transfer"]
    assert payments and all(r["risk_level"] == "critical" for r in payments)
    assert all(r["risk_level"] == "low" for r in records if r["action_name"] == "cache_get")


def test_prod_agent_3_has_blocked_actions(records):
    assert sum(r["agent_id"] == "prod-agent-3" and r["outcome"] == "blocked" for r in records) >= 10


def test_incident_shows_an_error_spike(records):
    start, stop = demo.incident_window(END)
    end_dt = dt.datetime.combine(END, dt.time.min, tzinfo=dt.timezone.utc)
    assert dt.timedelta(weeks=7) <= end_dt - start <= dt.timedelta(weeks=10)
    inside = [r for r in records if start <= _when(r) < stop]
    assert len(inside) >= 50
    rate_inside = sum(r["outcome"] == "error" for r in inside) / len(inside)
    rate_overall = sum(r["outcome"] == "error" for r in records) / len(records)
    assert rate_inside > 1.5 * rate_overall
    messages = collections.Counter(r["error_message"] for r in inside if r["outcome"] == "error")
    assert messages["connection timeout after 30000ms"] + messages["HTTP 503 from api.example.com"] >= 5
    timeouts = [r["duration_ms"] for r in records if r["error_message"] == "connection timeout after 30000ms"]
    assert timeouts and all(30_000 <= d < 30_100 for d in timeouts)


def test_cost_spike_shows_llm_spend_jump(records):
    start, stop = demo.cost_spike_window(END)
    end_dt = dt.datetime.combine(END, dt.time.min, tzinfo=dt.timezone.utc)
    assert dt.timedelta(days=100) <= end_dt - start <= dt.timedelta(days=140)
    daily: dict[dt.date, Decimal] = collections.defaultdict(Decimal)
    for r in records:
        if r["action_name"].startswith("llm_"):
            daily[_when(r).date()] += r["cost_usd"]
    inside = [v for d, v in daily.items() if start.date() <= d < stop.date()]
    around = [v for d, v in daily.items()
              if start.date() - dt.timedelta(days=60) <= d < start.date() - dt.timedelta(days=7)]
    assert inside and around
    assert sum(inside) / len(inside) > 3 * (sum(around) / len(around))
    spike_agent = collections.Counter(r["agent_id"] for r in records
                                      if start <= _when(r) < stop and r["action_name"].startswith("llm_"))
    assert spike_agent.most_common(1)[0][0] == "prod-agent-30"


def test_time_shape(records):
    by_weekday = collections.Counter(_when(r).weekday() for r in records)
    weekday_avg = sum(by_weekday[d] for d in range(5)) / 5
    weekend_avg = (by_weekday[5] + by_weekday[6]) / 2
    assert weekend_avg < 0.6 * weekday_avg
    by_hour = collections.Counter(_when(r).hour for r in records)
    assert sum(by_hour[h] for h in range(9, 17)) > 2 * sum(by_hour[h] for h in (0, 1, 2, 3, 4, 5, 22, 23))
    first, _ = demo.demo_period(END)
    early = sum(_when(r).date() < first + dt.timedelta(days=180) for r in records)
    late = sum(_when(r).date() > END - dt.timedelta(days=180) for r in records)
    assert late > 1.8 * early  # growth over the period


def test_messages_exercise_csv_hardening(records):
    texts = [r["error_message"] for r in records if r["error_message"]]
    texts += [r["blocked_reason"] for r in records if r["blocked_reason"]]
    assert any(t.startswith("=") for t in texts)
    assert sum(t.startswith(FORMULA_START) for t in texts) >= 10
    assert any("\n" in t for t in texts)
    assert any('"' in t for t in texts)
    assert any("," in t for t in texts)
    assert any(not t.isascii() for t in texts)
    # ... but only a few of them
    assert sum(t.startswith(FORMULA_START) for t in texts) < 0.1 * len(texts)
