"""The scope matrix (SPEC section 6): for each role, the ledger, stats, export and runs return
exactly the caller's scope, and no filter widens it. (Ingest: test_api_ingest.py.)"""
from __future__ import annotations

import pytest

from tests.api.helpers import PEOPLE, RECORDS, bearer, error_of, expected, expected_ids, jsonl_ids, runs_of, walk

NAMES = [person.username for person in PEOPLE]


@pytest.fixture(scope="module")
def keys(api_ledger) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    return {name: {"X-API-Key": api_ledger.create_api_key(name, "scope tests")[1]} for name in NAMES}


@pytest.mark.parametrize("username", NAMES)
@pytest.mark.parametrize("credential", ["jwt", "key"])
def test_ledger_stats_export_runs_hold_exactly_the_scope(client, keys, username, credential) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(username) if credential == "jwt" else keys[username]
    mine = expected(username)
    assert walk(client, headers) == [r["id"] for r in mine]
    stats = client.get("/api/v1/ledger/stats", headers=headers).json()
    assert (stats["total_actions"], stats["unique_runs"]) == (len(mine), len({r["run_id"] for r in mine}))
    export = client.get("/api/v1/ledger/export", params={"format": "jsonl"}, headers=headers)
    assert jsonl_ids(export.content) == [r["id"] for r in mine]
    assert export.headers["x-total-count"] == str(len(mine))
    runs = client.get("/api/v1/runs", params={"page_size": 500}, headers=headers).json()
    assert [run["id"] for run in runs["items"]] == [run["id"] for run in runs_of(username)]


def test_scopes_differ_as_the_roles_say() -> None:
    sizes = {name: len(expected(name)) for name in NAMES}
    assert sizes["root"] == len(RECORDS)
    assert sizes["carol"] == sizes["alice"] + sizes["bob"] + 60  # carol's own runs too
    assert sizes["erin"] == sizes["dave"] == 60
    assert sizes["alice"] == 60


@pytest.mark.parametrize("username", ["alice", "bob", "carol", "dave", "erin"])
def test_other_scopes_runs_answer_404_like_missing_ones(client, username) -> None:  # type: ignore[no-untyped-def]
    visible = {run["id"] for run in runs_of(username)}
    others = [run["id"] for run in runs_of("root") if run["id"] not in visible]
    assert others
    missing = client.get("/api/v1/runs/00000000-0000-4000-8000-000000000000", headers=bearer(username))
    for run_id in others:
        response = client.get(f"/api/v1/runs/{run_id}", headers=bearer(username))
        assert response.status_code == 404 == missing.status_code
        error = error_of(response)
        assert error == {**error_of(missing), "message": error_of(missing)["message"].replace(
            "00000000-0000-4000-8000-000000000000", run_id)}
    for run_id in visible:
        assert client.get(f"/api/v1/runs/{run_id}", headers=bearer(username)).status_code == 200


@pytest.mark.parametrize(("username", "params"), [
    ("alice", {"run_id": next(r["run_id"] for r in RECORDS if r["user_id"] == "bob")}),
    ("alice", {"agent_id": next(r["agent_id"] for r in RECORDS if r["user_id"] == "dave")}),
    ("dave", {"search": "acme"}), ("erin", {"action_name": "database_query"}),
    ("carol", {"run_id": next(r["run_id"] for r in RECORDS if r["user_id"] == "dave")}),
])
def test_filters_never_widen_the_scope(client, username, params) -> None:  # type: ignore[no-untyped-def]
    found = walk(client, bearer(username), **params)
    assert found == expected_ids(username, **params)
    assert all(r["id"] in {x["id"] for x in expected(username)} for r in RECORDS if r["id"] in found)
    export_params = {k: v for k, v in params.items() if k in ("agent_id", "action_name")}
    export = client.get("/api/v1/ledger/export", params=export_params, headers=bearer(username))
    assert set(jsonl_ids(export.content)) <= set(expected_ids(username))
    runs = client.get("/api/v1/runs", params={k: v for k, v in params.items() if k == "agent_id"},
                      headers=bearer(username)).json()
    assert {run["user_id"] for run in runs["items"]} <= {r["user_id"] for r in expected(username)}
