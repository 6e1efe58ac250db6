"""Shared helpers of the UI tests: a small ledger with known contents, and AppTest runs of
the app as a signed-in user (imported by the tests, never through conftest)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from ledger_core import Ledger

from ledger_ui import navigation

APP = str(Path(__file__).resolve().parent / "app_entry.py")  # runs app.py (see its docstring)
COOKIE_KEY = "test-cookie-key-not-secret-0123456789abcdef"

# username: (organization, role, display name); every password is "<username>-pw".
USERS = {
    "alice": ("acme", "user", "Alice Anderson"),
    "carol": ("acme", "user", "Carol Chen"),
    "bob": ("acme", "org_admin", "Bob Brown"),
    "heidi": ("globex", "user", "Heidi Hill"),
    "grace": ("globex", "org_admin", "Grace Green"),
    "root": ("acme", "superuser", "Root"),
}
START = datetime(2025, 1, 1, 9, 0, tzinfo=timezone.utc)
NS = uuid.UUID("6f1c1f5e-2b43-4c61-9a53-0c9d3a1f6e00")


def password(username: str) -> str:
    return f"{username}-pw"


def _entry(user: str, run: str, i: int, *, agent: str, action: str, outcome: str, cost: str, duration: int,
           risk: str = "low", hours: int = 0) -> dict[str, Any]:
    """One action; with its compliance metadata (and risk) when COMPLIANCE lists it."""
    org = USERS[user][0]
    record: dict[str, Any] = {
        "id": str(uuid.uuid5(NS, f"{user}-{run}-{i}")), "run_id": str(uuid.uuid5(NS, f"run-{user}-{run}")),
        "timestamp": (START + timedelta(hours=hours, minutes=i)).isoformat().replace("+00:00", "Z"),
        "action_name": action, "agent_id": agent, "outcome": outcome, "cost_usd": cost,
        "duration_ms": duration, "risk_level": risk, "user_id": user, "org_id": org,
        "input": {"query": f"select {i}"}, "output": {"rows": i},
        "metadata": {"model": "demo", "step": i},
    }
    if outcome == "error":
        record["error_message"] = f"timeout after {duration} ms"
    if outcome == "blocked":
        record["blocked_reason"] = "policy SEC-7 forbids this"
    return _with_compliance(user, run, i, record)


# (user, run, step): (risk level, compliance metadata) for the actions that carry it
# (acme is Enterprise tier). Decision review and no reviewer: a1-1, a2-0, c1-2 (all high).
COMPLIANCE = {
    ("alice", "a1", 0): ("low", "allow", "internal", False, ["SOC2"], None),
    ("alice", "a1", 1): ("high", "review", "confidential", True, ["GDPR", "SOC2"], None),
    ("alice", "a1", 5): ("critical", "review", "restricted", True, ["GDPR"], "erin"),
    ("alice", "a2", 0): ("high", "review", "internal", False, ["SOC2"], None),
    ("carol", "c1", 0): ("medium", "deny", "restricted", True, ["HIPAA"], None),
    ("carol", "c1", 2): ("high", "review", "public", False, [], None),
}


def _with_compliance(user: str, run: str, i: int, record: dict[str, Any]) -> dict[str, Any]:
    if (user, run, i) not in COMPLIANCE:
        return record
    risk, decision, classification, pii, frameworks, reviewer = COMPLIANCE[(user, run, i)]
    return {**record, "risk_level": risk, "compliance": {
        "policy_id": "POL-7", "policy_version": "3", "decision": decision, "data_classification": classification,
        "pii_detected": pii, "regulatory_frameworks": frameworks, "retention_until": "2032-01-01",
        "reviewed_by": reviewer}}


def seed(ledger: Ledger) -> dict[str, list[dict[str, Any]]]:
    """Users of USERS and their actions; returns the records by username.

    alice: run "a1" (6 actions on prod-agent-3: database_query and send_email; 2 errors,
    1 blocked) and run "a2" (4 actions on alice-bot, one of them an error), on Jan 1 and Jan 2;
    carol: 3 http_request on carol-bot (one blocked), Jan 3; heidi (globex): 3
    globex_report on globex-agent, Jan 4. acme is an Enterprise-tier organization: six of
    its actions carry compliance metadata (COMPLIANCE); globex is standard tier.
    """
    ledger.ensure_org("acme", "Acme", "enterprise")
    for name, (org, role, display) in USERS.items():
        ledger.add_user(name, org_id=org, role=role, password=password(name), display_name=display,
                        email=f"{name}@example.com")
    outcomes_a1 = ["success", "error", "success", "blocked", "error", "success"]
    records: dict[str, list[dict[str, Any]]] = {
        "alice": [
            _entry("alice", "a1", i, agent="prod-agent-3", action="database_query" if i % 2 == 0 else "send_email",
                   outcome=outcome, cost=f"0.0{i + 1}25", duration=10 * (i + 1), risk="high" if i == 3 else "low")
            for i, outcome in enumerate(outcomes_a1)
        ] + [
            _entry("alice", "a2", i, agent="alice-bot", action="database_query",
                   outcome="error" if i == 2 else "success", cost="0.5", duration=1500 + i, hours=24)
            for i in range(4)
        ],
        "carol": [_entry("carol", "c1", i, agent="carol-bot", action="http_request",
                         outcome="blocked" if i == 1 else "success", cost="0.1", duration=200, hours=48)
                  for i in range(3)],
        "heidi": [_entry("heidi", "h1", i, agent="globex-agent", action="globex_report", outcome="success",
                         cost="2.5", duration=40_000, risk="critical", hours=72)
                  for i in range(3)],
    }
    report = ledger.ingest([record for rows in records.values() for record in rows])
    assert report.added == sum(len(rows) for rows in records.values())
    return records


def run_id(user: str, run: str) -> str:
    return str(uuid.uuid5(NS, f"run-{user}-{run}"))


def app(username: str | None = None, *, query_params: dict[str, str] | None = None,
        page: str | None = None) -> AppTest:
    """The app, signed in as `username` (as the login leaves the session), optionally with
    query parameters and on the page at URL path `page` (e.g. "stats"); already run."""
    at = AppTest.from_file(APP, default_timeout=60)
    if username:
        org, role, display = USERS[username]
        at.session_state["authentication_status"] = True
        at.session_state["username"] = username
        at.session_state["name"] = display
        at.session_state["roles"] = [role]
    if page:  # land on the Ledger page, then open the page with its URL
        at.run()
        at.switch_page(navigation.page(page))
    for name, value in (query_params or {}).items():
        at.query_params[name] = value
    return at.run()


def texts(at: AppTest, kind: str) -> list[str]:
    """The bodies of every element of a kind ("error", "warning", "info", "markdown", ...)."""
    return [element.value for element in getattr(at, kind)]


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert len(found) == 1, f"no single metric {label!r} in {[m.label for m in at.metric]}"
    return found[0]


def table(at: AppTest, index: int = 0):  # type: ignore[no-untyped-def]
    return at.dataframe[index].value


def select_row(at: AppTest, row: int, index: int = 0) -> AppTest:
    """Select a row of a dataframe (selection state is writable through session state)."""
    key = at.dataframe[index].key
    assert key, "the table has no key"
    at.session_state[key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    return at.run()
