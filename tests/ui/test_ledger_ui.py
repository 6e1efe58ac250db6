"""ledger_ui pieces without a running app: the authenticator's credentials, figures as text."""
from __future__ import annotations

from decimal import Decimal

from ledger_ui import widgets
from ledger_ui.auth import authenticator_credentials


def test_authenticator_credentials_list_users_with_passwords(ledger):  # type: ignore[no-untyped-def]
    ledger.add_user("alice", org_id="acme", role="org_admin", password="pw", display_name="Alice",
                    email="alice@example.com")
    ledger.add_user("svc", org_id="acme", role="user")  # no password: cannot sign in
    credentials = authenticator_credentials(ledger.users())
    assert list(credentials["usernames"]) == ["alice"]
    entry = credentials["usernames"]["alice"]
    assert entry["roles"] == ["org_admin"] and entry["name"] == "Alice" and entry["email"] == "alice@example.com"
    assert entry["password"].startswith("$2") and "pw" not in entry["password"]


def test_figures_read_as_people_write_them() -> None:
    assert widgets.usd(Decimal("1234.5")) == "$1,234.50"
    assert widgets.usd(Decimal("55.61912")) == "$55.6191"
    assert widgets.usd(Decimal("0.0028")) == "$0.0028"
    assert widgets.usd(Decimal("0.00001")) == "$1.0e-05"
    assert widgets.usd(0) == "$0.0000"
    assert widgets.percent(0.1084) == "10.8 %"
    assert widgets.milliseconds(187) == "187 ms" and widgets.milliseconds(17520) == "17.52 s"
    assert widgets.milliseconds(None) == "–"
    assert widgets.wait_text(42) == "in 42 seconds" and widgets.wait_text(600) == "in 10 minutes"


def test_links_and_conflicts_of_the_compliance_filters() -> None:
    from ledger_ui.forms import conflicts, ledger_link, riskiest_link

    view = {"start_date": "2024-10-01", "end_date": "2024-12-31", "risk_level": "high,critical"}
    assert ledger_link(view, risk_level="high") == {**view, "risk_level": "high"}  # the click wins
    assert riskiest_link(view, agent_id="a") == {**view, "agent_id": "a"}  # already high and above
    assert riskiest_link({"min_risk": "critical"}, agent_id="a") == {"min_risk": "critical", "agent_id": "a"}
    assert riskiest_link({"risk_level": "low,high"}, action_name="x") == {
        "risk_level": "low,high", "min_risk": "high", "action_name": "x"}
    assert conflicts({"risk_level": "low,medium", "min_risk": "high"}) == [
        "min_risk: high and above excludes every chosen risk level (low, medium); clear one of the two risk filters"]
    assert conflicts({"risk_level": "low,critical", "min_risk": "high"}) == []
    assert conflicts({"min_risk": "high"}) == [] and conflicts({}) == []
