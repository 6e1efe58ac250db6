"""The browser app (AppTest): nothing but the login form before login; scoped rows after."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def app_ledger(ledger, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LEDGER_DATABASE_URL", ledger.url)
    monkeypatch.setenv("LEDGER_COOKIE_KEY", "test-cookie-key-not-secret-0123456789abcdef")
    monkeypatch.setenv("LEDGER_LOGIN_SLEEP_TIME", "0")
    from pages.shared import get_ledger

    get_ledger.clear()
    ledger.add_user("alice", org_id="acme", role="user", password="alice-pw", display_name="Alice")
    ledger.add_user("erin", org_id="acme", role="user", password="erin-pw")
    records = []
    for i, user in enumerate(["alice"] * 3 + ["erin"] * 2):
        records.append({
            "id": str(uuid.uuid4()), "run_id": str(uuid.uuid4()),
            "timestamp": f"2025-01-0{i + 1}T10:00:00Z", "action_name": f"action_{user}",
            "agent_id": "prod-agent-3", "outcome": "success", "cost_usd": "0.5",
            "duration_ms": 10, "risk_level": "low", "user_id": user, "org_id": "acme",
        })
    assert ledger.ingest(records).added == 5
    yield ledger
    get_ledger.clear()


def log_in(username: str, password: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    assert not at.exception
    return at


def test_only_the_login_form_before_login(app_ledger):  # type: ignore[no-untyped-def]
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert len(at.dataframe) == 0


def test_wrong_password_is_refused(app_ledger):  # type: ignore[no-untyped-def]
    at = log_in("alice", "nope")
    assert any("incorrect" in e.value for e in at.error)
    assert len(at.dataframe) == 0


def test_login_shows_only_own_actions(app_ledger):  # type: ignore[no-untyped-def]
    at = log_in("alice", "alice-pw")
    frame = at.dataframe[0].value
    assert len(frame) == 3
    assert set(frame["action_name"]) == {"action_alice"}
    assert list(frame["timestamp"]) == sorted(frame["timestamp"], reverse=True)
