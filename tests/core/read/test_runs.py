"""Runs (the hierarchical view): listing and one run with its actions, scoped, on both backends."""
from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from ledger_core import LedgerValidationError, NotFound

PEOPLE = [("alice", "acme", "user"), ("bob", "acme", "user"), ("carol", "acme", "org_admin"),
          ("dave", "globex", "user"), ("root", "ops", "superuser")]


def _uid(n: int) -> str:
    return str(uuid.UUID(int=n, version=4))


def _runs_fixture(ledger) -> dict:  # type: ignore[no-untyped-def]
    """Six runs: (owner, org, agent, day, [(outcome, cost, duration), ...])."""
    for name, org, role in PEOPLE:
        ledger.add_user(name, org_id=org, role=role)
    plan = {
        1: ("alice", "acme", "agent-a", 1, [("success", "0.5", 10), ("error", "0.25", 5), ("success", "1", 1)]),
        2: ("alice", "acme", "agent-b", 3, [("blocked", "0", 2)]),
        3: ("bob", "acme", "agent-a", 2, [("success", "0.1", 7), ("success", "0.2", 8)]),
        4: ("dave", "globex", "agent-a", 4, [("error", "2", 100)]),
        5: ("dave", "globex", "agent-c", 5, [("success", "0.0000000001", 0)] * 3),
        6: ("bob", "acme", "agent-b", 6, [("success", "3", 30)]),
    }
    records = []
    n = 100
    for run, (user, org, agent, day, actions) in plan.items():
        for i, (outcome, cost, duration) in enumerate(actions):
            n += 1
            records.append({
                "id": _uid(n), "run_id": _uid(run), "timestamp": f"2025-03-0{day}T10:00:0{i}Z",
                "action_name": f"step_{i}", "agent_id": agent, "outcome": outcome, "cost_usd": cost,
                "duration_ms": duration, "risk_level": "low", "user_id": user, "org_id": org,
            })
    # Ingest in reverse so that run bounds are widened by later-ingested, earlier actions.
    assert ledger.ingest(list(reversed(records))).added == len(records)
    return plan


@pytest.fixture
def runs_ledger(ledger):  # type: ignore[no-untyped-def]
    return ledger, _runs_fixture(ledger)


def _visible(plan: dict, username: str) -> list[int]:
    org, role = {p[0]: (p[1], p[2]) for p in PEOPLE}[username]
    if role == "superuser":
        keys = list(plan)
    elif role == "org_admin":
        keys = [k for k, v in plan.items() if v[1] == org]
    else:
        keys = [k for k, v in plan.items() if v[0] == username]
    return sorted(keys, key=lambda k: plan[k][3], reverse=True)  # newest start first


@pytest.mark.parametrize("username", [p[0] for p in PEOPLE])
def test_runs_list_only_the_callers_runs_newest_first(runs_ledger, username):  # type: ignore[no-untyped-def]
    ledger, plan = runs_ledger
    page = ledger.runs(ledger.principal(username))
    expected = _visible(plan, username)
    assert [str(item.id) for item in page.items] == [_uid(k) for k in expected]
    assert page.total == len(expected)
    for item in page.items:
        owner, org, agent, day, actions = plan[int(uuid.UUID(str(item.id)).int & 0xFFFF)]
        assert (item.user_id, item.org_id, item.agent_id) == (owner, org, agent)
        assert item.actions == len(actions)
        assert item.errors == sum(a[0] == "error" for a in actions)
        assert item.blocked == sum(a[0] == "blocked" for a in actions)
        assert item.total_cost_usd == sum(Decimal(a[1]) for a in actions)
        assert item.total_duration_ms == sum(a[2] for a in actions)
        assert item.status == ("failed" if any(a[0] == "error" for a in actions) else "completed")
        assert item.started_at.isoformat().startswith(f"2025-03-0{day}T10:00:00")
        assert item.ended_at.isoformat().startswith(f"2025-03-0{day}T10:00:0{len(actions) - 1}")


def test_runs_filters_and_pages(runs_ledger):  # type: ignore[no-untyped-def]
    ledger, _ = runs_ledger
    root = ledger.principal("root")
    assert [str(r.id) for r in ledger.runs(root, agent_id="agent-a").items] == [_uid(4), _uid(3), _uid(1)]
    assert [str(r.id) for r in ledger.runs(root, start_date="2025-03-02", end_date="2025-03-04").items] == [
        _uid(4), _uid(2), _uid(3)]
    assert [str(r.id) for r in ledger.runs(root, status="failed").items] == [_uid(4), _uid(1)]
    first, second = ledger.runs(root, page_size=4), ledger.runs(root, page=1, page_size=4)
    assert (first.total, first.total_pages, first.has_more, second.has_more) == (6, 2, True, False)
    assert [str(r.id) for r in first.items + second.items] == [_uid(k) for k in (6, 5, 4, 2, 3, 1)]


@pytest.mark.parametrize("params,field", [
    ({"page_size": 0}, "page_size"), ({"page_size": 501}, "page_size"), ({"page": -1}, "page"),
    ({"page": "1.5"}, "page"), ({"status": "running"}, "status"), ({"start_date": "yesterday"}, "start_date"),
    ({"start_date": "2025-03-05", "end_date": "2025-03-01"}, "start_date"), ({"agent_id": "a\x00"}, "agent_id"),
    ({"outcome": "error"}, "outcome"),
])
def test_runs_refuse_bad_parameters(runs_ledger, params, field):  # type: ignore[no-untyped-def]
    ledger, _ = runs_ledger
    with pytest.raises(LedgerValidationError) as error:
        ledger.runs(ledger.principal("root"), **params)
    assert error.value.field == field


def test_one_run_with_its_actions_in_order(runs_ledger):  # type: ignore[no-untyped-def]
    ledger, plan = runs_ledger
    detail = ledger.run(ledger.principal("alice"), _uid(1))
    assert str(detail.run.id) == _uid(1) and detail.run.actions == 3 and not detail.truncated
    assert [a.action_name for a in detail.actions] == ["step_0", "step_1", "step_2"]
    assert [a.outcome for a in detail.actions] == [a[0] for a in plan[1][4]]
    limited = ledger.run(ledger.principal("root"), _uid(5), limit=2)
    assert len(limited.actions) == 2 and limited.truncated and limited.run.actions == 3


@pytest.mark.parametrize("username,run,visible", [
    ("alice", 1, True), ("alice", 3, False), ("bob", 1, False), ("carol", 3, True), ("carol", 4, False),
    ("dave", 4, True), ("dave", 1, False), ("root", 4, True),
])
def test_a_run_outside_the_scope_is_not_found_like_a_missing_one(runs_ledger, username, run, visible):  # type: ignore[no-untyped-def]
    ledger, _ = runs_ledger
    me = ledger.principal(username)
    if visible:
        assert str(ledger.run(me, _uid(run)).run.id) == _uid(run)
        return
    with pytest.raises(NotFound) as hidden:
        ledger.run(me, _uid(run))
    with pytest.raises(NotFound) as missing:
        ledger.run(me, _uid(999))
    assert hidden.value.message.replace(_uid(run), "X") == missing.value.message.replace(_uid(999), "X")


@pytest.mark.parametrize("run_id,limit,field", [("not-a-uuid", None, "run_id"), (None, None, "run_id"),
                                                (_uid(1), 0, "limit"), (_uid(1), 10_001, "limit"),
                                                (_uid(1), "ten", "limit")])
def test_run_refuses_bad_ids_and_limits(runs_ledger, run_id, limit, field):  # type: ignore[no-untyped-def]
    ledger, _ = runs_ledger
    with pytest.raises(LedgerValidationError) as error:
        ledger.run(ledger.principal("root"), run_id, limit=limit)
    assert error.value.field == field


def test_run_and_page_json_use_the_export_wire_form(runs_ledger):  # type: ignore[no-untyped-def]
    import json
    from decimal import Decimal as D

    ledger, _ = runs_ledger
    root = ledger.principal("root")
    detail = json.loads(ledger.run(root, _uid(5)).to_json(), parse_float=D)
    assert [a["cost_usd"] for a in detail["actions"]] == [D("1E-10")] * 3  # a JSON number, exact
    assert detail["run"]["total_cost_usd"] == "0.0000000003" and detail["truncated"] is False
    page = ledger.query(root, run_id=_uid(1), sort_by="timestamp", sort_order="asc")
    body = json.loads(page.to_json(), parse_float=D)
    assert [i["cost_usd"] for i in body["items"]] == [D("0.5"), D("0.25"), D("1")]
    assert {k: body[k] for k in ("total", "page", "page_size", "total_pages", "has_more")} == {
        "total": 3, "page": 0, "page_size": 100, "total_pages": 1, "has_more": False}
