"""GET /api/v1/ledger: every parameter and error of SPEC section 3, on SQLite and PostgreSQL.

The oracle is `helpers.expected`, the data set filtered and sorted in plain Python; the
answers must also equal `Ledger.query` byte for byte (the API adds nothing of its own).
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.api.helpers import RECORDS, bearer, error_of, expected, expected_ids, moment, walk

ROOT = bearer("root")
PATH = "/api/v1/ledger"


def get(client, **params):  # type: ignore[no-untyped-def]
    return client.get(PATH, params=params, headers=ROOT)


def ids(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_defaults_first_page_newest_first(client) -> None:  # type: ignore[no-untyped-def]
    response = get(client)
    body = response.json()
    assert response.headers["content-type"] == "application/json"
    assert (body["page"], body["page_size"], body["total"], body["total_pages"], body["has_more"]) == (
        0, 100, len(RECORDS), 3, True)
    assert ids(response) == expected_ids("root")[:100]


def test_answer_equals_the_python_api(client, api_ledger) -> None:  # type: ignore[no-untyped-def]
    params = {"outcome": "error", "page": 1, "page_size": 7, "sort_by": "cost", "sort_order": "asc"}
    response = get(client, **params)
    assert response.content == api_ledger.query(api_ledger.principal("root"), **params).to_json().encode()


def test_items_are_the_wire_form(client) -> None:  # type: ignore[no-untyped-def]
    item = get(client, run_id=RECORDS[5]["run_id"], page_size=1000).json()["items"]
    by_id = {record["id"]: record for record in RECORDS}
    for entry in item:
        record = by_id[entry["id"]]
        assert Decimal(str(entry["cost_usd"])) == record["cost_usd"]
        assert entry["timestamp"].endswith("Z") and len(entry["timestamp"]) == 27
        for field in ("run_id", "action_name", "agent_id", "outcome", "duration_ms", "risk_level", "user_id",
                      "org_id", "input", "output", "error_message", "blocked_reason", "metadata", "compliance"):
            assert entry[field] == record[field], field
        assert len(entry["entry_hash"]) == 64 and len(entry["prev_hash"]) == 64


def test_costs_keep_their_exact_decimal_text(client) -> None:  # type: ignore[no-untyped-def]
    # 0.0123 * 6 + 0.0000000001 * 2 = 0.0738000002 must not become 0.07380000019999999
    text = get(client, min_cost="0.0738000002", max_cost="0.0738000002").text
    assert '"cost_usd":0.0738000002,' in text


@pytest.mark.parametrize(("page", "page_size", "count", "has_more"), [
    (0, 100, 100, True), (1, 100, 100, True), (2, 100, 40, False), (3, 100, 0, False),
    (0, 1000, 240, False), (0, 1, 1, True), (239, 1, 1, False), (10_000_000, 1, 0, False),
])
def test_pages(client, page, page_size, count, has_more) -> None:  # type: ignore[no-untyped-def]
    body = get(client, page=page, page_size=page_size).json()
    assert [item["id"] for item in body["items"]] == expected_ids("root")[page * page_size:][:count]
    assert (body["page"], body["page_size"], body["total"], body["has_more"]) == (page, page_size, 240, has_more)
    assert body["total_pages"] == -(-240 // page_size)


def test_nothing_matches_gives_zero_pages(client) -> None:  # type: ignore[no-untyped-def]
    body = get(client, action_name="no_such_action").json()
    assert (body["items"], body["total"], body["total_pages"], body["has_more"]) == ([], 0, 0, False)


@pytest.mark.parametrize("params", [
    {"outcome": "success"}, {"outcome": "error"}, {"outcome": "blocked"},
    {"action_name": "database_query"}, {"action_name": "database"},
    {"agent_id": "prod-agent-3"}, {"agent_id": "prod-agent-30"}, {"agent_id": "PROD-AGENT-3"},
    {"run_id": RECORDS[37]["run_id"]},
    {"min_cost": "0.0615"}, {"max_cost": "0.0615"}, {"min_cost": "0.0615", "max_cost": "0.0615"},
    {"min_cost": "0", "max_cost": "0"}, {"min_cost": "0.1"},
    {"start_date": "2024-10-31"}, {"end_date": "2024-10-31"}, {"end_date": "2024-10-30"},
    {"start_date": "2024-10-31", "end_date": "2024-10-31"},
    {"start_date": "2024-11-15T03:00:00Z", "end_date": "2024-11-15T06:03:00.000010Z"},
    {"search": "DATABASE"}, {"search": "Blocked"}, {"search": "_agent"}, {"search": "t%a"}, {"search": "%1"},
    {"outcome": "error", "agent_id": "prod-agent-30", "start_date": "2024-11-01", "max_cost": "0.1"},
])
def test_filters_match_the_oracle(client, params) -> None:  # type: ignore[no-untyped-def]
    found = walk(client, ROOT, **params)
    assert found == expected_ids("root", **params)
    assert len(found) < len(RECORDS) or params == {"min_cost": "0"}


def test_filters_select_something() -> None:
    # the oracle itself is not trivially empty for the interesting cases
    assert len(expected("root", min_cost="0.0615", max_cost="0.0615")) == 6
    assert [r["timestamp"] for r in expected("root", start_date="2024-10-31", end_date="2024-10-31")][-1] == (
        "2024-10-31T00:00:00Z")
    assert len(expected("root", search="_agent")) == len(expected("root", agent_id="dev_agent%1")) > 0
    assert expected("root", search="t%a") == []


@pytest.mark.parametrize("same", [
    "2024-10-31T00:00:00", "2024-10-31T00:00:00Z", "2024-10-31T02:00:00+02:00", "2024-10-30T19:00:00-05:00",
])
def test_times_without_zone_are_utc_and_offsets_convert(client, same) -> None:  # type: ignore[no-untyped-def]
    assert walk(client, ROOT, start_date=same) == expected_ids("root", start_date="2024-10-31")


@pytest.mark.parametrize(("sort_by", "key"), [
    ("timestamp", lambda r: moment(r)), ("cost", lambda r: r["cost_usd"]),
    ("duration", lambda r: r["duration_ms"]), ("name", lambda r: (r["action_name"], moment(r))),
])
@pytest.mark.parametrize("sort_order", ["asc", "desc"])
def test_sorting_visits_every_row_once(client, sort_by, key, sort_order) -> None:  # type: ignore[no-untyped-def]
    found = walk(client, ROOT, sort_by=sort_by, sort_order=sort_order)
    rows = sorted(RECORDS, key=lambda r: (key(r), r["id"]), reverse=sort_order == "desc")
    assert found == [r["id"] for r in rows]


@pytest.mark.parametrize(("params", "field"), [
    ({"page": "-1"}, "page"), ({"page": "abc"}, "page"), ({"page": "1.5"}, "page"), ({"page": ""}, "page"),
    ({"page": "10000001"}, "page"),
    ({"page_size": "0"}, "page_size"), ({"page_size": "1001"}, "page_size"), ({"page_size": "ten"}, "page_size"),
    ({"outcome": "failed"}, "outcome"), ({"outcome": "ERROR"}, "outcome"),
    ({"run_id": "not-a-uuid"}, "run_id"), ({"run_id": "1234"}, "run_id"),
    ({"min_cost": "-0.01"}, "min_cost"), ({"min_cost": "abc"}, "min_cost"), ({"max_cost": "NaN"}, "max_cost"),
    ({"max_cost": "Infinity"}, "max_cost"),
    ({"min_cost": "2", "max_cost": "1"}, "min_cost"),
    ({"start_date": "2024-13-01"}, "start_date"), ({"end_date": "yesterday"}, "end_date"),
    ({"start_date": "2024-12-01", "end_date": "2024-11-01"}, "start_date"),
    ({"search": "a\x00b"}, "search"), ({"action_name": "x\x00"}, "action_name"),
    ({"search": "s" * 201}, "search"), ({"agent_id": "a" * 201}, "agent_id"),
    ({"sort_by": "price"}, "sort_by"), ({"sort_order": "up"}, "sort_order"),
    ({"outcom": "error"}, "outcom"), ({"risk": "high"}, "risk"),
])
def test_invalid_parameters_answer_422_naming_the_field(client, params, field) -> None:  # type: ignore[no-untyped-def]
    response = get(client, **params)
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert (error["code"], error["field"]) == ("invalid_parameter", field)
    assert error["message"].startswith(f"{field}: ") or field in error["message"]


def test_a_repeated_parameter_is_refused(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"{PATH}?outcome=error&outcome=blocked", headers=ROOT)
    assert response.status_code == 422
    assert error_of(response)["field"] == "outcome"


def test_huge_parameters_are_not_echoed(client) -> None:  # type: ignore[no-untyped-def]
    for params in ({"search": "x" * 60_000}, {"run_id": "y" * 60_000}, {"start_date": "2024" * 15_000},
                   {"z" * 60_000: "1"}):
        response = get(client, **params)
        assert response.status_code == 422
        assert len(response.content) < 1000
        error = error_of(response)
        assert "characters]" in error["message"] or len(error["message"]) < 400
