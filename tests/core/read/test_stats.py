"""`Ledger.stats` (SPEC section 4) on SQLite and PostgreSQL.

Every field is checked against an oracle written here in plain Python over the
generated records (no ledger_core code), for several principals and filter sets.
"""
from __future__ import annotations

import math
import random
import uuid
from functools import partial
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction
from typing import Any

import pytest

from ledger_core import LedgerValidationError, Principal
from ledger_core.contract.stats import LedgerStats, StatsRequest
from tests.helpers import statements_run

UTC = timezone.utc

# --- data set ---------------------------------------------------------------------------

USERS = [  # (username, org, role)
    ("alice", "acme", "user"),
    ("bob", "acme", "user"),
    ("carol", "acme", "org_admin"),
    ("frank", "acme", "user"),  # owns no actions
    ("dave", "globex", "user"),
    ("erin", "globex", "org_admin"),
    ("root", "ops", "superuser"),
]
OWNERS = [("alice", "acme"), ("bob", "acme"), ("carol", "acme"), ("dave", "globex"), ("erin", "globex")]
# Mixed case on purpose: code-point order ("Zeta" < "alpha") differs from a locale collation.
ACTIONS = ["database_query", "http_request", "send_email", "llm_call", "file_read", "file_write",
           "search_web", "Zeta_tool", "alpha_tool", "code_exec", "vector_lookup", "slack_post",
           "calendar_read", "pay_invoice"]
ACME_AGENTS = [f"prod-agent-{i}" for i in range(1, 31)]
GLOBEX_AGENTS = [f"globex-agent-{i}" for i in range(1, 31)]
SHARED_AGENT = "shared-agent"  # used by both organizations
BOB_ONLY_AGENT = "bob-private-agent"
OFFSETS = ["Z", "+00:00", "-02:00", "+05:30", "-08:00", ""]  # "" = no zone = UTC

# Hand-placed records at the edges of the November filter (UTC instant, written as).
EDGE_TIMESTAMPS = [
    "2024-11-01T00:00:00Z",              # first instant of start_date: included
    "2024-10-31T23:59:59.999999Z",       # just before: excluded
    "2024-11-30T23:59:59.999999Z",       # last instant of end_date: included
    "2024-12-01T00:00:00Z",              # next day: excluded
    "2024-11-30T23:30:00-02:00",         # = 2024-12-01T01:30Z: excluded, daily 2024-12-01
    "2024-10-31T23:30:00-02:00",         # = 2024-11-01T01:30Z: included, daily 2024-11-01
    "2024-11-15T00:30:00+02:00",         # = 2024-11-14T22:30Z: daily 2024-11-14
]


def _iso(moment: datetime, offset: str) -> str:
    if offset in ("", "Z", "+00:00"):
        text = moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
        return text + offset
    sign = 1 if offset[0] == "+" else -1
    hours, minutes = map(int, offset[1:].split(":"))
    zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
    return moment.astimezone(zone).isoformat(timespec="microseconds")


def _record(rng: random.Random, run_id: str, user: str, org: str, agent: str, timestamp: str,
            **overrides: Any) -> dict[str, Any]:
    outcome = rng.choices(["success", "error", "blocked"], weights=[80, 13, 7])[0]
    cost_kind = rng.random()
    if cost_kind < 0.15:
        cost: Any = "0.1"
    elif cost_kind < 0.2:
        cost = Decimal(0)
    else:
        cost = Decimal(rng.randint(1, 10**11)).scaleb(-10)  # up to 10 USD, 10 places
        if rng.random() < 0.5:
            cost = str(cost)
    record = {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "run_id": run_id,
        "timestamp": timestamp,
        "action_name": rng.choice(ACTIONS[:12] if rng.random() < 0.97 else ACTIONS),
        "agent_id": agent,
        "outcome": outcome,
        "cost_usd": cost,
        "duration_ms": rng.choice([0, rng.randint(1, 50), int(rng.lognormvariate(6, 1.2))]),
        "risk_level": rng.choices(["low", "medium", "high", "critical"], weights=[60, 25, 10, 5])[0],
        "user_id": user,
        "org_id": org,
        "input": {"n": rng.randint(0, 9)},
        "output": None,
        "error_message": "boom" if outcome == "error" else None,
        "blocked_reason": "policy" if outcome == "blocked" else None,
        "metadata": {"env": "test"},
    }
    record.update(overrides)
    return record


def generate_records(seed: int = 20241201, runs: int = 260) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    start = datetime(2024, 10, 20, tzinfo=UTC)
    span = timedelta(days=50).total_seconds()
    records = []
    for _ in range(runs):
        user, org = rng.choice(OWNERS)
        pool = ACME_AGENTS if org == "acme" else GLOBEX_AGENTS
        agents = pool + [SHARED_AGENT] * 5 + ([BOB_ONLY_AGENT] * 10 if user == "bob" else [])
        run_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        agent = rng.choice(agents)
        for _ in range(rng.randint(1, 24)):
            moment = start + timedelta(seconds=rng.random() * span)
            moment = moment.replace(microsecond=rng.randint(0, 999_999))
            records.append(_record(rng, run_id, user, org, agent, _iso(moment, rng.choice(OFFSETS))))
    for i, timestamp in enumerate(EDGE_TIMESTAMPS):
        user, org = OWNERS[i % len(OWNERS)]
        run_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        records.append(_record(rng, run_id, user, org, SHARED_AGENT, timestamp))
    return records


# --- the oracle: plain Python over the records ------------------------------------------

def utc_of(timestamp: str) -> datetime:
    moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def z(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def plain(amount: Decimal) -> str:
    """Exact decimal text without exponent or trailing zeros."""
    text = format(amount, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def in_scope(record: dict[str, Any], who: tuple[str, str, str]) -> bool:
    user, org, role = who
    if role == "superuser":
        return True
    if role == "org_admin":
        return record["org_id"] == org
    return record["org_id"] == org and record["user_id"] == user


def bounds(start: str | None, end: str | None):  # type: ignore[no-untyped-def]
    """(lower inclusive, upper exclusive-or-inclusive, upper_inclusive, period start, period end)."""
    lower = upper = None
    upper_inclusive = True
    period_start = period_end = None
    if start is not None:
        if len(start) == 10:
            lower = datetime.combine(date.fromisoformat(start), datetime.min.time(), UTC)
            period_start = f"{start}T00:00:00.000000Z"
        else:
            lower = utc_of(start)
            period_start = z(lower)
    if end is not None:
        if len(end) == 10:
            upper = datetime.combine(date.fromisoformat(end) + timedelta(days=1), datetime.min.time(), UTC)
            upper_inclusive = False
            period_end = f"{end}T23:59:59.999999Z"
        else:
            upper = utc_of(end)
            period_end = z(upper)
    return lower, upper, upper_inclusive, period_start, period_end


def oracle(records: list[dict[str, Any]], who: tuple[str, str, str], start_date: str | None = None,
           end_date: str | None = None, agent_id: str | None = None) -> dict[str, Any]:
    """The expected `to_json_dict()` of the stats."""
    lower, upper, upper_inclusive, period_start, period_end = bounds(start_date, end_date)
    rows = []
    for record in records:
        moment = utc_of(record["timestamp"])
        if not in_scope(record, who):
            continue
        if agent_id is not None and record["agent_id"] != agent_id:
            continue
        if lower is not None and moment < lower:
            continue
        if upper is not None and (moment > upper if upper_inclusive else moment >= upper):
            continue
        rows.append((record, moment, Decimal(str(record["cost_usd"]))))
    n = len(rows)
    outcomes = Counter(r["outcome"] for r, _, _ in rows)
    risks = Counter(r["risk_level"] for r, _, _ in rows)
    total = sum((c for _, _, c in rows), Decimal(0))
    durations = sorted(r["duration_ms"] for r, _, _ in rows)

    def pct(p: Fraction) -> int | None:
        return durations[math.ceil(p * n) - 1] if n else None

    by_action: dict[str, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    by_agent: dict[str, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    by_day: dict[str, list[Any]] = defaultdict(lambda: [0, 0, 0, Decimal(0)])
    for record, moment, cost in rows:
        by_action[record["action_name"]][0] += 1
        by_action[record["action_name"]][1] += cost
        by_agent[record["agent_id"]][0] += 1
        by_agent[record["agent_id"]][1] += cost
        day = by_day[moment.date().isoformat()]
        day[0] += 1
        day[1] += record["outcome"] == "error"
        day[2] += record["outcome"] == "blocked"
        day[3] += cost
    actions = [{"action_name": k, "count": v[0], "cost_usd": plain(v[1])} for k, v in by_action.items()]
    daily = []
    if by_day:
        day = date.fromisoformat(min(by_day))
        while day <= date.fromisoformat(max(by_day)):
            a, e, b, c = by_day.get(day.isoformat(), [0, 0, 0, Decimal(0)])
            daily.append({"day": day.isoformat(), "actions": a, "errors": e, "blocked": b, "cost_usd": plain(c)})
            day += timedelta(days=1)
    avg_cost = None
    if n:
        with localcontext() as ctx:
            ctx.prec = 50
            avg_cost = plain((total / n).quantize(Decimal("1e-10"), rounding=ROUND_HALF_EVEN))
    moments = [m for _, m, _ in rows]
    return {
        "total_actions": n,
        "unique_agents": len(by_agent),
        "unique_runs": len({r["run_id"] for r, _, _ in rows}),
        "outcomes": {o: outcomes.get(o, 0) for o in ("success", "error", "blocked")},
        "success_rate": outcomes["success"] / n if n else 0.0,
        "error_rate": outcomes["error"] / n if n else 0.0,
        "block_rate": outcomes["blocked"] / n if n else 0.0,
        "total_cost_usd": plain(total),
        "avg_cost_usd": avg_cost,
        "avg_duration_ms": sum(durations) / n if n else None,
        "p50_duration_ms": pct(Fraction(1, 2)),
        "p95_duration_ms": pct(Fraction(95, 100)),
        "by_risk_level": {k: risks.get(k, 0) for k in ("low", "medium", "high", "critical")},
        "top_actions_by_count": sorted(
            actions, key=lambda a: (-a["count"], a["action_name"]))[:10],
        "top_actions_by_cost": sorted(
            actions, key=lambda a: (-Decimal(a["cost_usd"]), a["action_name"]))[:10],
        "cost_by_agent": sorted(
            ({"agent_id": k, "cost_usd": plain(v[1]), "count": v[0]} for k, v in by_agent.items()),
            key=lambda a: (-Decimal(a["cost_usd"]), a["agent_id"]))[:50],
        "daily": daily,
        "period": {
            "start": period_start,
            "end": period_end,
            "first_action_at": z(min(moments)) if moments else None,
            "last_action_at": z(max(moments)) if moments else None,
        },
    }


def assert_matches(stats: LedgerStats, expected: dict[str, Any]) -> None:
    actual = stats.to_json_dict()
    assert list(actual) == list(expected)
    for key, value in expected.items():
        assert actual[key] == value, key
    # Python form: exact decimals and the documented types.
    assert isinstance(stats.total_cost_usd, Decimal)
    assert stats.total_cost_usd == Decimal(expected["total_cost_usd"])
    assert all(isinstance(item.cost_usd, Decimal) for item in stats.cost_by_agent + stats.daily)
    if expected["avg_cost_usd"] is None:
        assert stats.avg_cost_usd is None
    else:
        assert stats.avg_cost_usd == Decimal(expected["avg_cost_usd"])
    assert sum(stats.outcomes.values()) == stats.total_actions == sum(stats.by_risk_level.values())


# --- fixtures ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return generate_records()


@pytest.fixture(scope="module")
def data_ledger(make_ledger, records):  # type: ignore[no-untyped-def]
    ledger = make_ledger("stats")
    for username, org, role in USERS:
        ledger.add_user(username, org_id=org, role=role, password="pw" if username == "alice" else None)
    report = ledger.ingest(records)
    assert report.refused == 0, report.refusals[:3]
    assert report.added == len(records)
    return ledger


def who(username: str) -> tuple[str, str, str]:
    return next((u, o, r) for u, o, r in USERS if u == username)


def principal(username: str) -> Principal:
    user, org, role = who(username)
    return Principal(user, org, role)  # type: ignore[arg-type]


def _owner(ledger, username: str, org: str, role: str = "user") -> Principal:  # type: ignore[no-untyped-def]
    ledger.add_user(username, org_id=org, role=role)
    return ledger.principal(username)


def _rows(owner: Principal, specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    run_id = str(uuid.uuid4())
    rows = []
    for spec in specs:
        row = {
            "id": str(uuid.uuid4()), "run_id": run_id, "timestamp": "2024-03-01T12:00:00Z",
            "action_name": "tool", "agent_id": "agent-1", "outcome": "success", "cost_usd": "0",
            "duration_ms": 1, "risk_level": "low", "user_id": owner.user_id, "org_id": owner.org_id,
        }
        row.update(spec)
        rows.append(row)
    return rows


# --- against the oracle -----------------------------------------------------------------

FILTER_SETS = {
    "all": {},
    "november": {"start_date": "2024-11-01", "end_date": "2024-11-30"},
    "agent": {"agent_id": SHARED_AGENT},
    "november+agent": {"start_date": "2024-11-01", "end_date": "2024-11-30", "agent_id": "prod-agent-2"},
    "datetimes": {"start_date": "2024-11-10T12:00:00+02:00", "end_date": "2024-11-20T08:00:00Z"},
    "open-start": {"end_date": "2024-11-05"},
}


@pytest.mark.parametrize("username", ["alice", "bob", "carol", "dave", "erin", "root"])
@pytest.mark.parametrize("filter_name", list(FILTER_SETS))
def test_stats_match_oracle(data_ledger, records, username, filter_name):  # type: ignore[no-untyped-def]
    params = FILTER_SETS[filter_name]
    stats = data_ledger.stats(principal(username), **params)
    expected = oracle(records, who(username), **params)
    if filter_name == "all":
        assert expected["total_actions"] > 0
    assert_matches(stats, expected)


def test_data_set_exercises_the_edges(data_ledger, records):  # type: ignore[no-untyped-def]
    root = data_ledger.stats(principal("root"))
    assert root.total_actions == len(records) > 2000
    assert root.unique_agents > 50 and len(root.cost_by_agent) == 50  # the documented cap
    assert len(root.top_actions_by_count) == 10 and len(root.top_actions_by_cost) == 10
    assert all(root.outcomes.values()) and all(root.by_risk_level.values())
    november = data_ledger.stats(principal("root"), start_date="2024-11-01", end_date="2024-11-30")
    assert november.period.first_action_at == "2024-11-01T00:00:00.000000Z"
    assert november.period.last_action_at == "2024-11-30T23:59:59.999999Z"
    assert november.period.start == "2024-11-01T00:00:00.000000Z"
    assert november.period.end == "2024-11-30T23:59:59.999999Z"
    assert november.daily[0].day == "2024-11-01" and november.daily[-1].day == "2024-11-30"
    assert len(november.daily) == 30


def test_user_never_sees_other_users_numbers(data_ledger, records):  # type: ignore[no-untyped-def]
    alice = data_ledger.stats(principal("alice"))
    acme = data_ledger.stats(principal("carol"))
    assert 0 < alice.total_actions < acme.total_actions
    assert alice.total_actions == sum(1 for r in records if r["user_id"] == "alice")
    assert BOB_ONLY_AGENT not in {a.agent_id for a in alice.cost_by_agent}
    empty = data_ledger.stats(principal("alice"), agent_id=BOB_ONLY_AGENT)
    assert empty.total_actions == 0 and empty.total_cost_usd == 0
    assert data_ledger.stats(principal("bob"), agent_id=BOB_ONLY_AGENT).total_actions > 0
    # An org admin sees nothing of another organization, even through a shared agent name.
    globex_shared = data_ledger.stats(principal("erin"), agent_id=SHARED_AGENT)
    assert globex_shared.total_actions == sum(
        1 for r in records if r["org_id"] == "globex" and r["agent_id"] == SHARED_AGENT)
    # A principal whose user id exists in no record but whose org does: zero.
    frank = data_ledger.stats(principal("frank"))
    assert frank.total_actions == 0


# --- empty results ----------------------------------------------------------------------

EMPTY_JSON = {
    "total_actions": 0, "unique_agents": 0, "unique_runs": 0,
    "outcomes": {"success": 0, "error": 0, "blocked": 0},
    "success_rate": 0.0, "error_rate": 0.0, "block_rate": 0.0,
    "total_cost_usd": "0", "avg_cost_usd": None, "avg_duration_ms": None,
    "p50_duration_ms": None, "p95_duration_ms": None,
    "by_risk_level": {"low": 0, "medium": 0, "high": 0, "critical": 0},
    "top_actions_by_count": [], "top_actions_by_cost": [], "cost_by_agent": [], "daily": [],
}


@pytest.mark.parametrize("username,params", [
    ("frank", {}),
    ("alice", {"start_date": "2023-01-01", "end_date": "2023-12-31"}),
    ("root", {"agent_id": "no-such-agent"}),
])
def test_empty_result(data_ledger, username, params):  # type: ignore[no-untyped-def]
    stats = data_ledger.stats(principal(username), **params)
    data = stats.to_json_dict()
    assert {k: data[k] for k in EMPTY_JSON} == EMPTY_JSON
    assert data["period"]["first_action_at"] is None and data["period"]["last_action_at"] is None
    assert stats.total_cost_usd == Decimal(0) and isinstance(stats.total_cost_usd, Decimal)


def test_empty_ledger(ledger):  # type: ignore[no-untyped-def]
    ledger.add_user("root", org_id="ops", role="superuser")
    stats = ledger.stats(ledger.principal("root"), start_date="2024-01-01")
    assert {k: stats.to_json_dict()[k] for k in EMPTY_JSON} == EMPTY_JSON
    assert stats.period.start == "2024-01-01T00:00:00.000000Z" and stats.period.end is None
    whole = ledger.stats(ledger.principal("root"))  # the part-by-part path
    assert {k: whole.to_json_dict()[k] for k in EMPTY_JSON} == EMPTY_JSON
    assert whole.period.model_dump() == {"start": None, "end": None, "first_action_at": None,
                                         "last_action_at": None}


# --- exactness, percentiles, days, ordering ---------------------------------------------

def test_exact_decimal_totals(ledger):  # type: ignore[no-untyped-def]
    me = _owner(ledger, "alice", "acme")
    specs = [{"cost_usd": "0.1", "action_name": "tenth"} for _ in range(1000)]
    specs += [{"cost_usd": Decimal("0.0000000001"), "action_name": "tiny"} for _ in range(3)]
    specs += [{"cost_usd": "12345678.1234567891", "action_name": "big", "agent_id": "agent-2"}
              for _ in range(7)]
    assert ledger.ingest(_rows(me, specs)).added == 1010
    stats = ledger.stats(me)
    assert stats.total_cost_usd == Decimal("86419846.8641975240")
    assert stats.to_json_dict()["total_cost_usd"] == "86419846.864197524"
    by_name = {a.action_name: a for a in stats.top_actions_by_cost}
    assert str(by_name["tenth"].cost_usd) == "100" and by_name["tenth"].count == 1000
    assert by_name["tiny"].cost_usd == Decimal("3E-10")
    assert stats.to_json_dict()["top_actions_by_cost"][-1] == {
        "action_name": "tiny", "count": 3, "cost_usd": "0.0000000003"}
    assert stats.avg_cost_usd == Decimal("85564.2048160372")  # 86419846.864197524 / 1010 = 85564.20481603715...
    assert [(a.agent_id, a.cost_usd) for a in stats.cost_by_agent] == [
        ("agent-2", Decimal("86419746.8641975237")), ("agent-1", Decimal("100.0000000003"))]


def test_average_cost_rounds_half_even_to_ten_places(ledger):  # type: ignore[no-untyped-def]
    me = _owner(ledger, "alice", "acme")
    ledger.ingest(_rows(me, [{"cost_usd": "0", "agent_id": "a"}, {"cost_usd": "0.0000000001", "agent_id": "a"},
                             {"cost_usd": "0", "agent_id": "b"}, {"cost_usd": "0.0000000003", "agent_id": "b"}]))
    assert ledger.stats(me, agent_id="a").avg_cost_usd == Decimal(0)  # 0.00000000005 -> 0
    assert ledger.stats(me, agent_id="b").avg_cost_usd == Decimal("2E-10")  # 0.00000000015 -> 0.0000000002
    assert ledger.stats(me, agent_id="b").to_json_dict()["avg_cost_usd"] == "0.0000000002"
    assert ledger.stats(me).avg_cost_usd == Decimal("1E-10")  # 0.0000000004 / 4


@pytest.mark.parametrize("durations,p50,p95", [
    (list(range(1, 21)), 10, 19),
    (list(range(1, 22)), 11, 20),
    (list(range(1, 101)), 50, 95),
    ([42], 42, 42),
    ([5, 7], 5, 7),
    ([3, 3, 3, 9], 3, 9),
    ([0, 0, 0, 0], 0, 0),
    ([10, 1, 1000, 100], 10, 1000),
])
def test_percentiles_nearest_rank(ledger, durations, p50, p95):  # type: ignore[no-untyped-def]
    me = _owner(ledger, "alice", "acme")
    shuffled = durations[:]
    random.Random(7).shuffle(shuffled)
    ledger.ingest(_rows(me, [{"duration_ms": d} for d in shuffled]))
    stats = ledger.stats(me)
    assert (stats.p50_duration_ms, stats.p95_duration_ms) == (p50, p95)
    assert stats.avg_duration_ms == sum(durations) / len(durations)


def test_daily_buckets_by_utc_day(ledger):  # type: ignore[no-untyped-def]
    me = _owner(ledger, "alice", "acme")
    ledger.ingest(_rows(me, [
        {"timestamp": "2024-03-09T23:30:00-02:00", "outcome": "error", "cost_usd": "1.5"},  # 03-10 01:30Z
        {"timestamp": "2024-03-10T00:30:00+02:00", "cost_usd": "0.25"},  # 03-09 22:30Z
        {"timestamp": "2024-03-09T00:00:00Z", "outcome": "blocked", "cost_usd": "0.25"},
        {"timestamp": "2024-03-12T05:00:00", "outcome": "blocked", "cost_usd": "2"},  # naive = UTC
    ]))
    stats = ledger.stats(me)
    assert [d.model_dump(mode="json") for d in stats.daily] == [
        {"day": "2024-03-09", "actions": 2, "errors": 0, "blocked": 1, "cost_usd": "0.5"},
        {"day": "2024-03-10", "actions": 1, "errors": 1, "blocked": 0, "cost_usd": "1.5"},
        {"day": "2024-03-11", "actions": 0, "errors": 0, "blocked": 0, "cost_usd": "0"},
        {"day": "2024-03-12", "actions": 1, "errors": 0, "blocked": 1, "cost_usd": "2"},
    ]
    assert stats.period.first_action_at == "2024-03-09T00:00:00.000000Z"
    assert stats.period.last_action_at == "2024-03-12T05:00:00.000000Z"
    # The 23:30-02:00 action belongs to March 10 for date filters too.
    march_10 = ledger.stats(me, start_date="2024-03-10", end_date="2024-03-10")
    assert march_10.total_actions == 1 and march_10.outcomes["error"] == 1


def test_ties_are_broken_by_name_in_code_point_order(ledger):  # type: ignore[no-untyped-def]
    me = _owner(ledger, "alice", "acme")
    names = ["b_tool", "a_tool", "Zeta", "alpha", "Alpha", "c1", "c2", "c3", "c4", "c5", "c6", "c7"]
    specs = [{"action_name": name, "agent_id": name.lower() + "-agent", "cost_usd": "1"} for name in names]
    # Exact decimals tie where binary floats would not: 0.1 + 0.2 == 0.3.
    specs += [{"action_name": "zz_sum", "cost_usd": "0.1", "agent_id": "zz"},
              {"action_name": "zz_sum", "cost_usd": "0.2", "agent_id": "zz"},
              {"action_name": "aa_single", "cost_usd": "0.3", "agent_id": "aa"}]
    ledger.ingest(_rows(me, specs))
    stats = ledger.stats(me)
    assert [a.action_name for a in stats.top_actions_by_count] == [
        "zz_sum", "Alpha", "Zeta", "a_tool", "aa_single", "alpha", "b_tool", "c1", "c2", "c3"]
    assert [a.action_name for a in stats.top_actions_by_cost][:10] == [
        "Alpha", "Zeta", "a_tool", "alpha", "b_tool", "c1", "c2", "c3", "c4", "c5"]
    cheapest = ledger.stats(me, agent_id="aa").top_actions_by_cost + ledger.stats(me, agent_id="zz").top_actions_by_cost
    assert [a.cost_usd for a in cheapest] == [Decimal("0.3"), Decimal("0.3")]
    agents = [a.agent_id for a in stats.cost_by_agent]
    assert agents[:3] == ["alpha-agent", "a_tool-agent", "b_tool-agent"]  # Alpha + alpha: cost 2
    assert agents[-2:] == ["aa", "zz"]  # 0.3 == 0.1 + 0.2 exactly: tie, by name


def _selects(ledger, call):  # type: ignore[no-untyped-def]
    with statements_run(ledger.engine) as captured:
        result = call()
    return result, [statement for statement, _ in captured
                    if statement.lstrip().upper().startswith(("SELECT", "WITH"))]


def test_stats_read_rollups_not_entries_when_they_can(ledger, monkeypatch):  # type: ignore[no-untyped-def]
    """Scope, agent and whole days: the rollups answer; only a percentile in a bucket wider
    than 1 ms reads entries, and only that bucket's range, and the runs that span several
    days look up their own entries in the range. A range starting within a day reads the
    entries of that day only, the rollups for the rest. A range within one day reads the
    entries."""
    me = _owner(ledger, "alice", "acme")
    ledger.ingest(_rows(me, [{"duration_ms": d * 7} for d in range(300)]))
    stats, statements = _selects(ledger, lambda: ledger.stats(me, start_date="2024-01-01"))
    assert stats.total_actions == 300 and stats.p95_duration_ms == 284 * 7
    on_entries = [s for s in statements if "ledger_entries" in s]
    percentiles = [s for s in on_entries if "FROM runs" not in s]
    assert len(statements) > len(on_entries) and len(percentiles) == 2 and len(on_entries) == 3
    assert all("duration_ms >=" in s and "LIMIT" in s for s in percentiles)
    assert all("runs.multi_day" in s and "ledger_entries.run_id = runs.id" in s
               for s in on_entries if s not in percentiles)
    stats, statements = _selects(ledger, lambda: ledger.stats(me, start_date="2024-01-01T00:00:01Z"))
    assert any("rollup_outcomes" in s for s in statements)
    monkeypatch.setattr("ledger_core.rollups.read.stats_rows", lambda *args: None)
    assert stats == ledger.stats(me, start_date="2024-01-01T00:00:01Z")
    _, statements = _selects(ledger, lambda: ledger.stats(me, start_date="2024-03-01T01:00:00Z",
                                                          end_date="2024-03-01T23:00:00Z"))
    assert not any("rollup_" in s for s in statements)


def test_risk_and_compliance_filters_read_their_rollups(ledger):  # type: ignore[no-untyped-def]
    """Stats and the duration chart with a risk or compliance filter come from the rollups
    per risk level and compliance profile (migration 0021): the entries are read only for a
    percentile's bucket and a chart edge inside a bucket, over that bucket's range; the
    figures equal those read from the entries. The daily series comes from the days per
    risk level and profile (migration 0022), or with an agent filter, which they do not
    keep, from the day rows per agent. The runs of a risk filter alone come from the runs
    per day and mask of risk levels (migration 0025), those spanning several days from
    their own actions."""
    me = _owner(ledger, "alice", "acme")
    pii = {"policy_id": "P", "policy_version": "1", "decision": "allow", "data_classification": "confidential",
           "regulatory_frameworks": ["GDPR"], "retention_until": "2030-01-01", "reviewed_by": None}
    assert ledger.ingest(_rows(me, [{"duration_ms": d * 7, "risk_level": ("low", "high", "critical")[d % 3],
                              "cost_usd": f"0.{d:03d}", "outcome": ("success", "error", "blocked")[d % 5 % 3],
                              "timestamp": f"2024-03-{1 + d % 7:02d}T{d % 24:02d}:{d % 60:02d}:00Z",
                              "agent_id": f"agent-{d % 2}",
                              "compliance": {**pii, "pii_detected": d % 4 == 0}} for d in range(300)])).added == 300
    views = []
    for params in ({"min_risk": "high"}, {"pii_detected": True}, {"risk_level": "critical", "pii_detected": True},
                   {"min_risk": "high", "agent_id": "agent-1"}):
        view, statements = _selects(ledger, partial(ledger.stats_view, me, **params))
        on_entries = [s for s in statements if "ledger_entries" in s and "FROM runs" not in s]
        risk_only = set(params) <= {"min_risk", "risk_level"}
        assert any("rollup_compliance_runs" in s for s in statements) != risk_only
        assert any("FROM run_risk_days" in s for s in statements) == risk_only
        assert any("rollup_compliance_durations" in s for s in statements)
        assert any("rollup_compliance_days" in s for s in statements) == ("agent_id" not in params)
        assert len(view.stats.daily) == 7 and any(day.errors != day.blocked for day in view.stats.daily)
        assert on_entries and all("duration_ms >=" in s for s in on_entries)
        with_entries = _from_entries(ledger, me, params)
        assert view == with_entries and view.stats.total_actions > 0
        views.append(view.stats)
    assert views[2].total_actions == 25 and views[2].by_risk_level["critical"] == 25
    assert views[3].total_actions == 100 and views[3].unique_agents == 1


def test_a_percentile_in_a_bucket_split_at_a_chart_edge(ledger):  # type: ignore[no-untyped-def]
    """The buckets per profile split 48-51 ms at the chart's 50 ms edge: the median of
    48, 49, 49, 50, 51 lies at the top of the lower half, read from its upper end, which
    is 49 (the whole bucket's upper end would give 51), as the entries say."""
    me = _owner(ledger, "alice", "acme")
    ledger.ingest(_rows(me, [{"duration_ms": d, "risk_level": "high"} for d in (48, 49, 49, 50, 51)]
                  + [{"duration_ms": d} for d in (1, 2, 3, 200)]))
    stats = ledger.stats(me, min_risk="high")
    assert (stats.total_actions, stats.p50_duration_ms, stats.p95_duration_ms) == (5, 49, 51)
    assert ledger.stats_view(me, min_risk="high") == _from_entries(ledger, me, {"min_risk": "high"})


def _from_entries(ledger, principal, params):  # type: ignore[no-untyped-def]
    """`stats_view` read from the entries (the rollups out of the way)."""
    from unittest import mock

    with mock.patch("ledger_core.rollups.read.stats_rows", lambda *args: None):
        return ledger.stats_view(principal, **params)


def test_the_stats_page_reads_the_entries_once(ledger):  # type: ignore[no-untyped-def]
    """Within one day the stats come from the entries: `stats_view` counts the duration
    buckets in the same statement (one read of the entries, not two), each duration in the
    bucket its edges give (an edge belongs to the bucket above it), and gives what
    `stats` and `duration_histogram` give one by one."""
    me = _owner(ledger, "alice", "acme")
    risky = [0, 9, 10, 49, 50, 99, 100, 59_999, 60_000, 3_600_000]
    ledger.ingest(_rows(me, [{"duration_ms": d, "risk_level": ("high", "critical")[i % 2]}
                             for i, d in enumerate(risky)]
                  + [{"duration_ms": d} for d in (5, 70_000, 120)]))  # low risk: left out
    day = {"start_date": "2024-03-01T06:00:00Z", "end_date": "2024-03-01T18:00:00Z"}
    view, statements = _selects(ledger, lambda: ledger.stats_view(me, min_risk="high", **day))
    assert len([s for s in statements if "ledger_entries" in s]) == 1
    assert {b.label: b.count for b in view.durations if b.count} == {
        "< 10 ms": 2, "10–50 ms": 2, "50–100 ms": 2, "100–250 ms": 1, "30–60 s": 1, "≥ 60 s": 2}
    assert view.stats.total_actions == 10 and view.stats.p50_duration_ms == 50
    assert view.stats == ledger.stats(me, min_risk="high", **day)
    assert view.durations == ledger.duration_histogram(me, min_risk="high", **day)
    nothing = ledger.stats_view(me, risk_level="medium", **day)
    assert nothing.stats.total_actions == 0 and len(nothing.durations) == 12
    assert not any(b.count for b in nothing.durations)
    whole = ledger.stats_view(me)  # the rollups answer both
    assert whole.stats == ledger.stats(me) and whole.durations == ledger.duration_histogram(me)
    assert sum(b.count for b in whole.durations) == 13


def test_aggregates_run_in_the_database(ledger, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("ledger_core.rollups.read.stats_rows", lambda *args: None)  # the raw path
    me = _owner(ledger, "alice", "acme")
    root = _owner(ledger, "root", "ops", "superuser")
    ledger.ingest(_rows(me, [{"duration_ms": d} for d in range(300)]))
    # A scoped or filtered request: one statement over a materialised CTE.
    stats, statements = _selects(ledger, lambda: ledger.stats(me))
    assert stats.total_actions == 300 and stats.p95_duration_ms == 284
    assert len(statements) == 1 and "MATERIALIZED" in statements[0]
    assert "input" not in statements[0] and "GROUP BY" in statements[0]  # aggregates, no payloads
    # The whole ledger: the four parts one by one (covering indexes), same numbers.
    whole, statements = _selects(ledger, lambda: ledger.stats(root))
    assert len(statements) == 4 and all("NOT MATERIALIZED" in s for s in statements)
    assert whole == stats
    filtered, statements = _selects(ledger, lambda: ledger.stats(root, start_date="2024-01-01"))
    assert len(statements) == 1 and filtered == stats.model_copy(update={"period": filtered.period})


def test_databases_without_materialized_keyword(ledger, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("ledger_core.rollups.read.stats_rows", lambda *args: None)  # the raw path
    me = _owner(ledger, "alice", "acme")
    ledger.ingest(_rows(me, [{"duration_ms": d, "outcome": "error" if d % 3 else "success"} for d in range(50)]))
    expected = ledger.stats(me)
    old = (3, 31, 1) if ledger.dialect == "sqlite" else (11, 22)
    monkeypatch.setattr(ledger.engine.dialect, "server_version_info", old)
    stats, statements = _selects(ledger, lambda: ledger.stats(me))
    assert stats == expected
    assert len(statements) == 4 and not any("MATERIALIZED" in s for s in statements)


def test_every_path_gives_the_same_numbers(data_ledger, records):  # type: ignore[no-untyped-def]
    """The single materialised statement, the part-by-part reading and the plain CTE
    (old databases) agree, on the whole data set."""
    from ledger_core.read.filters import where
    from ledger_core.read.scope import scope_clause
    from ledger_core.read.stats import read_parts, stats_parts
    from ledger_core.store.schema import ledger_entries

    root = principal("root")
    expected = data_ledger.stats(root)
    with data_ledger.engine.connect() as conn, conn.begin():
        condition = where(conn, scope_clause(root, ledger_entries), StatsRequest.parse().filters())
        single = sorted(map(tuple, read_parts(conn, condition, whole_ledger=False)), key=repr)
        by_part = sorted(map(tuple, read_parts(conn, condition, whole_ledger=True)), key=repr)
        plain = sorted((tuple(row) for part in stats_parts(condition, materialize=None)
                        for row in conn.execute(part)), key=repr)
    assert single == by_part == plain
    assert expected.total_actions == len(records)


# --- invalid input -----------------------------------------------------------------------

@pytest.mark.parametrize("params,field", [
    ({"start_date": "2024-12-01", "end_date": "2024-11-01"}, "start_date"),
    ({"start_date": "2024-11-02T00:00:00Z", "end_date": "2024-11-01T23:59:59Z"}, "start_date"),
    ({"start_date": "2024-13-01"}, "start_date"),
    ({"end_date": "tomorrow"}, "end_date"),
    ({"end_date": 12}, "end_date"),
    ({"agent_id": "prod\x00agent"}, "agent_id"),
    ({"agent_id": "x" * 201}, "agent_id"),
    ({"outcome": "error"}, "outcome"),
    ({"page": 1}, "page"),
    ({"start_date": "2024-01-01", "sort_by": "cost"}, "sort_by"),
])
def test_invalid_input(data_ledger, params, field):  # type: ignore[no-untyped-def]
    with pytest.raises(LedgerValidationError) as info:
        data_ledger.stats(principal("root"), **params)
    assert info.value.field == field
    assert field in str(info.value)


def test_blank_filters_mean_no_filter(data_ledger):  # type: ignore[no-untyped-def]
    everything = data_ledger.stats(principal("alice"))
    assert data_ledger.stats(principal("alice"), agent_id="", start_date=None, end_date="") == everything


def test_json_form(data_ledger):  # type: ignore[no-untyped-def]
    import json

    stats = data_ledger.stats(principal("carol"), start_date="2024-11-01", end_date="2024-11-30")
    data = json.loads(stats.to_json())
    assert data == stats.to_json_dict() == stats.model_dump(mode="json")
    assert isinstance(data["total_cost_usd"], str) and Decimal(data["total_cost_usd"]) == stats.total_cost_usd
    assert "E" not in data["total_cost_usd"] and "E" not in data["avg_cost_usd"]
    assert all(isinstance(item["cost_usd"], str) for item in data["daily"] + data["cost_by_agent"])
    assert isinstance(data["success_rate"], float) and isinstance(data["p95_duration_ms"], int)


def test_cost_totals_beyond_64_bit_counts_are_exact(ledger):  # type: ignore[no-untyped-def]
    """SQLite keeps costs as 64-bit counts of 1e-10 USD; their sum used to overflow past
    $922,337,203 (a clear error then). `store.db.exact_sum` now sums them exactly."""
    import uuid as _uuid
    from decimal import Decimal as _D

    ledger.add_user("whale", org_id="bigco", role="org_admin", password="pw")
    records = [{
        "id": str(_uuid.uuid4()), "run_id": str(_uuid.uuid4()), "timestamp": "2025-01-01T00:00:00Z",
        "action_name": "wire_transfer", "agent_id": "treasury-bot", "outcome": "success",
        "cost_usd": "99999999.9999999999", "duration_ms": 1, "risk_level": "critical",
        "user_id": "whale", "org_id": "bigco",
    } for _ in range(10)]
    assert ledger.ingest(records).added == 10
    stats = ledger.stats(ledger.principal("whale"))
    assert stats.total_cost_usd == _D("999999999.999999999")
    assert stats.cost_by_agent[0].cost_usd == stats.daily[0].cost_usd == _D("999999999.999999999")
    assert stats.avg_cost_usd == _D("99999999.9999999999")


# --- actions stored outside the accepted timestamp range (issue 9) ------------------------------

@pytest.mark.parametrize("extreme", ["9999-12-31T12:00:00Z", "0001-01-01T00:00:00Z"])
def test_an_action_stored_outside_the_timestamp_range_cannot_break_anyones_stats(
        ledger, monkeypatch, extreme):  # type: ignore[no-untyped-def]
    """A row kept from before the range was enforced (here: ingested with the rule lifted)
    once made stats raise OverflowError (year 9999) or build 740,000 days (year 1) for its
    owner, their org admin and every superuser. The series now stays within the selection."""
    from ledger_core.contract import entry

    alice = _owner(ledger, "alice", "acme")
    carol = _owner(ledger, "carol", "acme", "org_admin")
    root = _owner(ledger, "root", "ops", "superuser")
    refused = ledger.ingest(_rows(alice, [{"timestamp": extreme}]), owner=alice)
    assert refused.refused == 1 and refused.refusals[0].reason.startswith("timestamp")
    lifted = (datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, tzinfo=UTC))
    monkeypatch.setattr(entry, "accepted_timestamp_range", lambda: lifted)
    ledger.ingest(_rows(alice, [{"timestamp": extreme, "cost_usd": "1"},
                                {"timestamp": "2024-03-01T12:00:00Z"}, {"timestamp": "2024-03-03T12:00:00Z"}]))
    monkeypatch.undo()
    for me in (alice, carol, root):
        stats = ledger.stats(me)
        assert stats.total_actions == 3 and stats.total_cost_usd == Decimal(1)
        assert [d.day for d in stats.daily] == ["2024-03-01", "2024-03-02", "2024-03-03"]
        assert extreme[:10] in (stats.period.first_action_at or "") + (stats.period.last_action_at or "")
        wide = ledger.stats(me, start_date="0001-01-01", end_date="9999-12-31")
        assert wide.total_actions == 3 and len(wide.daily) == 3
        only = ledger.stats(me, start_date=extreme[:10], end_date=extreme[:10])
        assert only.total_actions == 1 and only.daily == []
        page = ledger.query(me, sort_by="timestamp")
        assert page.total == 3 and int(extreme[:4]) in {item.timestamp.year for item in page.items}
        exported = b"".join(ledger.export(me, format="csv"))
        assert exported.count(b"\r\n") == 4
        assert ledger.runs(me).total == 1
