"""GET /api/v1/ledger/stats and /api/v1/ledger/export: SPEC sections 4 and 5 over HTTP.

Stats: the figures of the data set's oracle, the filters and their errors. Export: the
three formats with their media types, file names and counts, the same bytes as
`Ledger.export`, the limit and its error, and a stream closed when the client goes away.
"""
from __future__ import annotations

import asyncio
import csv
import io
import json
from decimal import Decimal
from typing import Any

import pytest

from tests.api.helpers import RECORDS, bearer, error_of, expected, expected_ids, jsonl_ids

ROOT = bearer("root")
STATS = "/api/v1/ledger/stats"
EXPORT = "/api/v1/ledger/export"


# --- stats ------------------------------------------------------------------------------

@pytest.mark.parametrize(("username", "params"), [
    ("root", {}), ("root", {"start_date": "2024-11-01", "end_date": "2024-11-30"}),
    ("root", {"agent_id": "prod-agent-30"}), ("carol", {"start_date": "2024-10-31"}),
    ("alice", {"end_date": "2024-10-31"}), ("erin", {}),
])
def test_stats_figures(client, api_ledger, username, params) -> None:  # type: ignore[no-untyped-def]
    response = client.get(STATS, params=params, headers=bearer(username))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    stats = response.json()
    rows = expected(username, **params)
    assert stats["total_actions"] == len(rows)
    assert stats["unique_runs"] == len({r["run_id"] for r in rows})
    assert stats["unique_agents"] == len({r["agent_id"] for r in rows})
    assert stats["outcomes"] == {o: sum(r["outcome"] == o for r in rows) for o in ("success", "error", "blocked")}
    assert Decimal(stats["total_cost_usd"]) == sum((r["cost_usd"] for r in rows), Decimal(0))
    assert stats["by_risk_level"] == {k: sum(r["risk_level"] == k for r in rows)
                                      for k in ("low", "medium", "high", "critical")}
    assert sum(day["actions"] for day in stats["daily"]) == len(rows)
    # the same body as the Python API
    python = api_ledger.stats(api_ledger.principal(username), **params).to_json()
    assert response.content == python.encode()


def test_stats_of_nothing(client) -> None:  # type: ignore[no-untyped-def]
    stats = client.get(STATS, params={"agent_id": "nobody"}, headers=ROOT).json()
    assert (stats["total_actions"], stats["success_rate"], stats["avg_cost_usd"], stats["daily"]) == (0, 0.0, None, [])


@pytest.mark.parametrize(("params", "field"), [
    ({"start_date": "2024-12-01", "end_date": "2024-11-01"}, "start_date"),
    ({"start_date": "31/12/2024"}, "start_date"), ({"end_date": "2024-02-30"}, "end_date"),
    ({"agent_id": "a" * 201}, "agent_id"), ({"agent_id": "a\x00"}, "agent_id"),
    ({"outcome": "error"}, "outcome"), ({"page": "1"}, "page"),
])
def test_stats_invalid_parameters(client, params, field) -> None:  # type: ignore[no-untyped-def]
    response = client.get(STATS, params=params, headers=ROOT)
    assert response.status_code == 422, response.text
    assert (error_of(response)["code"], error_of(response)["field"]) == ("invalid_parameter", field)


# --- export -----------------------------------------------------------------------------

def python_export(ledger, username: str, **params: Any) -> bytes:  # type: ignore[no-untyped-def]
    with ledger.export(ledger.principal(username), **params) as export:
        return b"".join(export)


@pytest.mark.parametrize(("fmt", "media_type", "extension"), [
    ("jsonl", "application/x-ndjson", "jsonl"), ("json", "application/json", "json"),
    ("csv", "text/csv; charset=utf-8", "csv"),
])
@pytest.mark.parametrize("username", ["root", "carol", "dave"])
def test_export_formats_equal_the_python_export(client, api_ledger, fmt, media_type, extension,
                                                username) -> None:  # type: ignore[no-untyped-def]
    params = {"format": fmt, "outcome": "error", "start_date": "2024-10-15"}
    response = client.get(EXPORT, params=params, headers=bearer(username))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media_type
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="ledger-export-') and disposition.endswith(f'.{extension}"')
    rows = expected_ids(username, outcome="error", start_date="2024-10-15")
    assert response.headers["x-total-count"] == str(len(rows))
    assert response.headers["x-export-truncated"] == "false"
    assert response.content == python_export(api_ledger, username, **params)
    if fmt == "jsonl":
        assert jsonl_ids(response.content) == rows
    elif fmt == "json":
        assert [item["id"] for item in json.loads(response.content)] == rows
    else:
        table = list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))
        assert table[0][:3] == ["id", "run_id", "timestamp"]
        assert [row[0] for row in table[1:]] == rows


def test_export_defaults_jsonl_everything(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(EXPORT, headers=ROOT)
    assert response.headers["content-type"] == "application/x-ndjson"
    assert jsonl_ids(response.content) == expected_ids("root")
    assert (response.headers["x-total-count"], response.headers["x-export-truncated"]) == ("240", "false")


@pytest.mark.parametrize("params", [
    {"outcome": "blocked"}, {"action_name": "send_email"}, {"agent_id": "dev_agent%1"},
    {"start_date": "2024-11-01T00:00:00Z", "end_date": "2024-11-30"}, {"end_date": "2024-10-31"},
])
def test_export_filters(client, params) -> None:  # type: ignore[no-untyped-def]
    response = client.get(EXPORT, params=params, headers=ROOT)
    assert jsonl_ids(response.content) == expected_ids("root", **params)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_truncated_says_so(client, fmt) -> None:  # type: ignore[no-untyped-def]
    response = client.get(EXPORT, params={"limit": 5, "format": fmt}, headers=ROOT)
    assert (response.headers["x-total-count"], response.headers["x-export-truncated"]) == ("240", "true")
    assert response.headers["x-export-rows"] == "5"
    lines = response.content.decode().splitlines()
    assert len(lines) == (5 if fmt == "jsonl" else 6)
    if fmt == "jsonl":
        assert jsonl_ids(response.content) == expected_ids("root")[:5]


def test_export_limit_bounds(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get(EXPORT, params={"limit": 100_000}, headers=ROOT).status_code == 200
    assert client.get(EXPORT, params={"limit": 1}, headers=ROOT).headers["x-export-rows"] == "1"
    response = client.get(EXPORT, params={"limit": 100_001}, headers=ROOT)
    assert response.status_code == 422
    error = error_of(response)
    assert (error["code"], error["field"]) == ("export_limit_exceeded", "limit")
    assert error["message"].startswith("Export limit exceeded")
    assert "Narrow the dates" in error["message"] and "batches" in error["message"]


@pytest.mark.parametrize(("params", "field"), [
    ({"limit": "0"}, "limit"), ({"limit": "-5"}, "limit"), ({"limit": "many"}, "limit"),
    ({"format": "xml"}, "format"), ({"format": "CSV"}, "format"), ({"outcome": "lost"}, "outcome"),
    ({"start_date": "2024-12-01", "end_date": "2024-01-01"}, "start_date"), ({"end_date": "soon"}, "end_date"),
    ({"search": "x"}, "search"), ({"page": "0"}, "page"), ({"min_cost": "1"}, "min_cost"),
])
def test_export_invalid_parameters(client, params, field) -> None:  # type: ignore[no-untyped-def]
    response = client.get(EXPORT, params=params, headers=ROOT)
    assert response.status_code == 422, response.text
    assert (error_of(response)["code"], error_of(response)["field"]) == ("invalid_parameter", field)


def test_export_is_logged_completed(client, api_ledger) -> None:  # type: ignore[no-untyped-def]
    client.get(EXPORT, params={"format": "csv", "outcome": "blocked", "limit": 7}, headers=bearer("dave"))
    record = api_ledger.export_log(api_ledger.principal("dave"), limit=1)[0]
    assert (record.user_id, record.format, record.status, record.row_limit, record.rows_written) == (
        "dave", "csv", "completed", 7, min(7, len(expected("dave", outcome="blocked"))))
    assert record.filters == {"outcome": "blocked"}


def test_export_stream_is_closed_when_the_client_disconnects(client, api_ledger) -> None:  # type: ignore[no-untyped-def]
    """The client goes away after the first chunk: the export stops, frees its connection
    and is logged as aborted (ASGI 2.4: the server's send raises OSError)."""
    app = client.app
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and message.get("body"):
            raise OSError("connection reset by peer")

    token = ROOT["Authorization"].encode()
    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
        "method": "GET", "scheme": "http", "path": EXPORT, "raw_path": EXPORT.encode(), "root_path": "",
        "query_string": b"format=jsonl", "headers": [(b"host", b"testserver"), (b"authorization", token)],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }

    async def call() -> Any:
        try:
            await app(scope, receive, send)
        except Exception:  # noqa: BLE001 - the server sees the disconnect as an error; that is fine
            pass
        # read at once, before the event loop could finalize a forgotten generator
        return api_ledger.export_log(api_ledger.principal("root"), limit=1)[0]

    record = asyncio.run(call())
    assert sent[0]["status"] == 200
    assert len([m for m in sent if m["type"] == "http.response.body"]) == 1
    assert (record.status, record.total_matched) == ("aborted", len(RECORDS))
    assert 0 < record.rows_written < len(RECORDS)
