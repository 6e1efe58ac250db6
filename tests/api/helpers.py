"""Shared by the API tests (imported, never `from conftest import`): a deterministic data set
with its own oracle, the people who look at it, and small HTTP helpers.

The data set: 240 actions in 24 runs of four owners in two organizations, spread over
2024-10-01 .. 2024-12-30 with varied names, agents, outcomes, costs and durations, some
on exact day boundaries. `expected_ids` filters and scopes it in plain Python, so tests
check the API against an oracle that shares no code with the ledger.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import jwt

from ledger_core import Ledger

JWT_KEY = "test-signing-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789-ABCDEF"
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Person:
    username: str
    org_id: str
    role: str


PEOPLE = [
    Person("alice", "acme", "user"),
    Person("bob", "acme", "user"),
    Person("carol", "acme", "org_admin"),
    Person("dave", "globex", "user"),
    Person("erin", "globex", "org_admin"),
    Person("root", "ops", "superuser"),
]
BY_NAME = {person.username: person for person in PEOPLE}
OWNERS = ["alice", "bob", "carol", "dave"]  # who owns runs (erin and root own none)

ACTIONS = ["database_query", "http_request", "send_email", "web_scrape", "llm_call"]
AGENTS = ["prod-agent-3", "prod-agent-30", "dev_agent%1"]
RISKS = ["low", "medium", "high", "critical"]
START = datetime(2024, 10, 1, tzinfo=timezone.utc)
RUNS_PER_OWNER = 6
ACTIONS_PER_RUN = 10


def _uuid(kind: int, number: int) -> str:
    return str(uuid.UUID(int=(kind << 64) | number, version=4))


def make_records() -> list[dict[str, Any]]:
    records = []
    for o, owner in enumerate(OWNERS):
        person = BY_NAME[owner]
        for r in range(RUNS_PER_OWNER):
            run_number = o * RUNS_PER_OWNER + r
            run_id = _uuid(1, run_number)
            agent = AGENTS[run_number % len(AGENTS)]
            # runs 15 days apart per owner, owners interleaved by hours
            run_start = START + timedelta(days=15 * r, hours=3 * o)
            for a in range(ACTIONS_PER_RUN):
                n = run_number * ACTIONS_PER_RUN + a
                # every third run fails (two errors); the others only succeed or are blocked
                outcome = ("error" if run_number % 3 == 0 and a % 5 == 2 else "blocked" if a % 5 == 4
                           else "success")
                moment = run_start + timedelta(minutes=7 * a, microseconds=n)
                if a == 0 and r == 2:
                    moment = datetime(2024, 10, 31, tzinfo=timezone.utc)  # exactly midnight, a day boundary
                records.append({
                    "id": _uuid(2, n),
                    "run_id": run_id,
                    "timestamp": moment.isoformat().replace("+00:00", "Z"),
                    "action_name": ACTIONS[(n * 7) % len(ACTIONS)],
                    "agent_id": agent,
                    "outcome": outcome,
                    "cost_usd": Decimal(n % 13) * Decimal("0.0123") + Decimal("0.0000000001") * (n % 3),
                    "duration_ms": (n * 37) % 5000,
                    "risk_level": RISKS[n % 4],
                    "user_id": owner,
                    "org_id": person.org_id,
                    "input": {"n": n, "text": "=SUM(A1)" if n % 17 == 0 else "plain"},
                    "output": None if outcome != "success" else {"ok": True},
                    "error_message": "timeout after 30 s" if outcome == "error" else None,
                    "blocked_reason": "policy P-7 denies" if outcome == "blocked" else None,
                    "metadata": {"model": "m-1", "tokens": n * 11},
                    "compliance": None if person.org_id != "acme" else {
                        "policy_id": "P-7", "policy_version": "3", "decision": "allow",
                        "data_classification": "internal", "pii_detected": n % 2 == 0,
                        "regulatory_frameworks": ["SOC2"], "retention_until": "2031-12-31", "reviewed_by": None,
                    },
                })
    return records


RECORDS = make_records()


def runs_of(username: str, **params: Any) -> list[dict[str, Any]]:
    """The runs `username` may see (SPEC section 1's hierarchical view), newest first:
    started_at = first action, status failed when an action failed; `params` filter them
    like GET /api/v1/runs (agent_id, start_date and end_date on started_at, status)."""
    runs: dict[str, dict[str, Any]] = {}
    for record in RECORDS:
        if not visible(username, record):
            continue
        run = runs.setdefault(record["run_id"], {
            "id": record["run_id"], "user_id": record["user_id"], "org_id": record["org_id"],
            "agent_id": record["agent_id"], "started_at": moment(record), "status": "completed", "actions": 0})
        run["started_at"] = min(run["started_at"], moment(record))
        run["actions"] += 1
        if record["outcome"] == "error":
            run["status"] = "failed"
    selected = [
        run for run in runs.values()
        if params.get("agent_id") in (None, run["agent_id"]) and params.get("status") in (None, run["status"])
        and ("start_date" not in params or run["started_at"] >= _instant(params["start_date"]))
        and ("end_date" not in params or run["started_at"] <= _instant(params["end_date"], end=True))
    ]
    return sorted(selected, key=lambda run: (run["started_at"], run["id"]), reverse=True)


def visible(username: str, record: dict[str, Any]) -> bool:
    person = BY_NAME[username]
    if person.role == "superuser":
        return True
    if person.role == "org_admin":
        return record["org_id"] == person.org_id
    return record["user_id"] == person.username


def _instant(text: str, *, end: bool = False) -> datetime:
    if len(text) == 10:
        day = datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
        return day + timedelta(days=1) - timedelta(microseconds=1) if end else day
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def moment(record: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(record["timestamp"].replace("Z", "+00:00"))


def matches(record: dict[str, Any], params: dict[str, Any]) -> bool:
    """The SPEC section 3 filters, in plain Python."""
    for name, value in params.items():
        if name in ("outcome", "action_name", "agent_id", "run_id") and record[name] != value:
            return False
        if name == "min_cost" and record["cost_usd"] < Decimal(str(value)):
            return False
        if name == "max_cost" and record["cost_usd"] > Decimal(str(value)):
            return False
        if name == "start_date" and moment(record) < _instant(value):
            return False
        if name == "end_date" and moment(record) > _instant(value, end=True):
            return False
        if name == "search":
            needle = value.lower()
            if not any(needle in record[field].lower() for field in ("action_name", "agent_id", "outcome")):
                return False
    return True


def expected(username: str, **params: Any) -> list[dict[str, Any]]:
    """Records `username` may see that match `params`, newest first (ties by id, descending)."""
    rows = [r for r in RECORDS if visible(username, r) and matches(r, params)]
    return sorted(rows, key=lambda r: (moment(r), r["id"]), reverse=True)


def expected_ids(username: str, **params: Any) -> list[str]:
    return [r["id"] for r in expected(username, **params)]


def load(ledger: Ledger) -> None:
    """The people (all with PASSWORD) and the data set."""
    for person in PEOPLE:
        ledger.add_user(person.username, org_id=person.org_id, role=person.role, password=PASSWORD)
    report = ledger.ingest(RECORDS)
    assert (report.added, report.refused) == (len(RECORDS), 0), report.refusals[:3]


# --- credentials ------------------------------------------------------------------------

def token_for(username: str, *, key: str = JWT_KEY, minutes: int = 30, algorithm: str = "HS256",
              **claims: Any) -> str:
    """A token as the API issues it (or a tampered one)."""
    now = int(datetime.now(timezone.utc).timestamp())
    payload = {"sub": username, "iat": now, "exp": now + minutes * 60, "iss": "agent-activity-ledger",
               "aud": "ledger-api", **claims}
    return jwt.encode(payload, key if algorithm != "none" else None, algorithm=algorithm)


def bearer(username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(username)}"}


# --- answers ----------------------------------------------------------------------------

def error_of(response: Any) -> dict[str, Any]:
    """The SPEC section 9 error body, after checking its form."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "field"}, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]  # type: ignore[no-any-return]


def jsonl_ids(content: bytes) -> list[str]:
    return [json.loads(line)["id"] for line in content.decode().splitlines() if line]


def walk(client: Any, headers: dict[str, str], path: str = "/api/v1/ledger", **params: Any) -> list[str]:
    """Every id over all pages; checks each page against `total`."""
    ids: list[str] = []
    page = 0
    while True:
        response = client.get(path, params={**params, "page": page, "page_size": 50}, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        ids += [item["id"] for item in body["items"]]
        if not body["has_more"]:
            break
        page += 1
    assert len(ids) == body["total"]
    return ids


def test_client(app: Any) -> Any:
    """Starlette's TestClient (its import warns that a successor package exists; the pinned
    httpx is what this project uses)."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
        from fastapi.testclient import TestClient
    return TestClient(app, raise_server_exceptions=False)
