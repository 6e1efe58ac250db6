"""GET /api/v1/runs and /api/v1/runs/{run_id}: the hierarchical view, its parameters and errors."""
from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from tests.api.helpers import RECORDS, bearer, error_of, runs_of

ROOT = bearer("root")
RUNS = "/api/v1/runs"


def run_ids(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return [run["id"] for run in response.json()["items"]]


def test_runs_default_page(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(RUNS, headers=ROOT)
    body = response.json()
    assert (body["page"], body["page_size"], body["total"], body["total_pages"], body["has_more"]) == (
        0, 50, 24, 1, False)
    assert run_ids(response) == [run["id"] for run in runs_of("root")]
    first = body["items"][0]
    expected = runs_of("root")[0]
    actions = [r for r in RECORDS if r["run_id"] == expected["id"]]
    assert (first["user_id"], first["agent_id"], first["status"], first["actions"]) == (
        expected["user_id"], expected["agent_id"], expected["status"], 10)
    assert Decimal(first["total_cost_usd"]) == sum((r["cost_usd"] for r in actions), Decimal(0))
    assert first["errors"] == sum(r["outcome"] == "error" for r in actions)
    assert first["blocked"] == sum(r["outcome"] == "blocked" for r in actions)


@pytest.mark.parametrize("params", [
    {"agent_id": "prod-agent-30"}, {"status": "failed"}, {"status": "completed"},
    {"start_date": "2024-11-01"}, {"end_date": "2024-10-31"}, {"start_date": "2024-10-31", "end_date": "2024-11-15"},
    {"agent_id": "dev_agent%1", "status": "completed", "start_date": "2024-10-15T00:00:00Z"},
])
def test_runs_filters(client, params) -> None:  # type: ignore[no-untyped-def]
    found = run_ids(client.get(RUNS, params={**params, "page_size": 500}, headers=ROOT))
    assert found == [run["id"] for run in runs_of("root", **params)]
    assert 0 < len(found) < 24


def test_runs_pages(client) -> None:  # type: ignore[no-untyped-def]
    pages = [client.get(RUNS, params={"page": page, "page_size": 10}, headers=ROOT).json() for page in range(3)]
    assert [run["id"] for page in pages for run in page["items"]] == [run["id"] for run in runs_of("root")]
    assert [page["has_more"] for page in pages] == [True, True, False]
    assert pages[0]["total_pages"] == 3


@pytest.mark.parametrize(("params", "field"), [
    ({"page": "-1"}, "page"), ({"page_size": "0"}, "page_size"), ({"page_size": "501"}, "page_size"),
    ({"status": "running"}, "status"), ({"start_date": "2024-99-01"}, "start_date"),
    ({"start_date": "2024-12-01", "end_date": "2024-11-01"}, "start_date"), ({"agent_id": "x" * 201}, "agent_id"),
    ({"outcome": "error"}, "outcome"),
])
def test_runs_invalid_parameters(client, params, field) -> None:  # type: ignore[no-untyped-def]
    response = client.get(RUNS, params=params, headers=ROOT)
    assert response.status_code == 422, response.text
    assert (error_of(response)["code"], error_of(response)["field"]) == ("invalid_parameter", field)


def test_run_detail_has_its_actions_in_order(client, api_ledger) -> None:  # type: ignore[no-untyped-def]
    run = runs_of("root")[5]
    response = client.get(f"{RUNS}/{run['id']}", headers=ROOT)
    assert response.status_code == 200
    body = response.json()
    actions = sorted((r for r in RECORDS if r["run_id"] == run["id"]), key=lambda r: (r["timestamp"], r["id"]))
    assert [a["id"] for a in body["actions"]] == [r["id"] for r in actions]
    assert (body["run"]["id"], body["run"]["actions"], body["truncated"]) == (run["id"], 10, False)
    assert response.content == api_ledger.run(api_ledger.principal("root"), run["id"]).to_json().encode()
    limited = client.get(f"{RUNS}/{run['id']}", params={"limit": 3}, headers=ROOT).json()
    assert [a["id"] for a in limited["actions"]] == [r["id"] for r in actions[:3]]
    assert limited["truncated"] is True


@pytest.mark.parametrize(("path", "params", "status", "code", "field"), [
    (f"{RUNS}/not-a-uuid", {}, 422, "invalid_parameter", "run_id"),
    (f"{RUNS}/{uuid.UUID(int=7)}", {}, 404, "not_found", "run_id"),
    (f"{RUNS}/{RECORDS[0]['run_id']}", {"limit": "0"}, 422, "invalid_parameter", "limit"),
    (f"{RUNS}/{RECORDS[0]['run_id']}", {"limit": "10001"}, 422, "invalid_parameter", "limit"),
    (f"{RUNS}/{RECORDS[0]['run_id']}", {"page": "1"}, 422, "invalid_parameter", "page"),
])
def test_run_detail_errors(client, path, params, status, code, field) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path, params=params, headers=ROOT)
    assert response.status_code == status, response.text
    assert (error_of(response)["code"], error_of(response)["field"]) == (code, field)
