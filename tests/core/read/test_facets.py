"""Picker values: the action names and agent ids present in the caller's scope."""
from __future__ import annotations

import uuid


def test_facets_list_only_values_in_scope(ledger):  # type: ignore[no-untyped-def]
    for name, org, role in [("alice", "acme", "user"), ("bob", "acme", "user"), ("carol", "acme", "org_admin"),
                            ("dave", "globex", "user"), ("root", "ops", "superuser")]:
        ledger.add_user(name, org_id=org, role=role)
    rows = [("alice", "acme", "query_a", "agent-z"), ("alice", "acme", "Query_B", "agent-Y"),
            ("bob", "acme", "query_c", "agent-x"), ("dave", "globex", "query_d", "agent-w")]
    ledger.ingest([{
        "id": str(uuid.uuid4()), "run_id": str(uuid.uuid4()), "timestamp": "2025-01-01T00:00:00Z",
        "action_name": action, "agent_id": agent, "outcome": "success", "cost_usd": "0", "duration_ms": 1,
        "risk_level": "low", "user_id": user, "org_id": org,
    } for user, org, action, agent in rows])
    alice = ledger.facets(ledger.principal("alice"))
    assert alice.action_names == ["Query_B", "query_a"] and alice.agent_ids == ["agent-Y", "agent-z"]
    carol = ledger.facets(ledger.principal("carol"))
    assert carol.action_names == ["Query_B", "query_a", "query_c"]
    assert carol.agent_ids == ["agent-Y", "agent-x", "agent-z"]
    root = ledger.facets(ledger.principal("root"))
    assert root.action_names == ["Query_B", "query_a", "query_c", "query_d"]
    assert root.agent_ids == ["agent-Y", "agent-w", "agent-x", "agent-z"]
    assert ledger.facets(ledger.principal("dave")).agent_ids == ["agent-w"]
