"""The compliance filters (SPEC section 3b) over HTTP, and GET /api/v1/ledger/compliance."""
from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.api.helpers import RISKS, bearer, error_of, expected, jsonl_ids, walk

FILTERS = [
    ({"min_risk": "high"}, lambda r: RISKS.index(r["risk_level"]) >= 2),
    ({"risk_level": "low,critical"}, lambda r: r["risk_level"] in ("low", "critical")),
    ({"pii_detected": "true", "regulatory_framework": "SOC2"},
     lambda r: r["compliance"] is not None and r["compliance"]["pii_detected"]),
    ({"decision": "allow", "data_classification": "internal,restricted"}, lambda r: r["compliance"] is not None),
    ({"decision": "deny"}, lambda r: False),
    ({"regulatory_framework": "GDPR"}, lambda r: False),
]


@pytest.mark.parametrize("username", ["alice", "carol", "dave", "root"])
@pytest.mark.parametrize("params,keep", FILTERS, ids=lambda x: str(x) if isinstance(x, dict) else "")
def test_filters_on_the_query_stats_and_export(client, username, params, keep) -> None:  # type: ignore[no-untyped-def]
    mine = [r["id"] for r in expected(username) if keep(r)]
    headers = bearer(username)
    assert walk(client, headers, **params) == mine
    stats = client.get("/api/v1/ledger/stats", params=params, headers=headers)
    assert stats.status_code == 200 and stats.json()["total_actions"] == len(mine)
    export = client.get("/api/v1/ledger/export", params={"format": "jsonl", **params}, headers=headers)
    assert jsonl_ids(export.content) == mine and export.headers["x-total-count"] == str(len(mine))


@pytest.mark.parametrize("params,field", [
    ({"risk_level": "severe"}, "risk_level"), ({"min_risk": "HIGH"}, "min_risk"),
    ({"data_classification": "top-secret"}, "data_classification"), ({"decision": "maybe"}, "decision"),
    ({"pii_detected": "yes"}, "pii_detected"), ({"regulatory_framework": "x" * 65}, "regulatory_framework"),
])
@pytest.mark.parametrize("path", ["/api/v1/ledger", "/api/v1/ledger/stats", "/api/v1/ledger/export",
                                  "/api/v1/ledger/compliance", "/api/v1/ledger/audit-pack"])
def test_bad_values_are_422_naming_the_parameter(client, path, params, field) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path, params=params, headers=bearer("carol"))
    assert response.status_code == 422 and error_of(response)["field"] == field


def test_the_summary_for_an_org_admin_and_a_superuser(client) -> None:  # type: ignore[no-untyped-def]
    for username in ("carol", "root"):
        mine = expected(username)
        body = client.get("/api/v1/ledger/compliance", params={"start_date": "2024-10-01"},
                          headers=bearer(username)).json()
        assert body["total_actions"] == len(mine)
        assert body["by_risk_level"] == {level: sum(r["risk_level"] == level for r in mine) for level in RISKS}
        with_c = [r for r in mine if r["compliance"]]
        assert body["with_compliance"] == len(with_c)
        assert body["by_framework"] == ({"SOC2": len(with_c)} if with_c else {})
        assert body["pii"]["detected"] == sum(r["compliance"]["pii_detected"] for r in with_c)
        assert body["needs_review_total"] == 0 and body["needs_review"] == []


def test_the_summary_is_forbidden_to_a_plain_user_of_a_standard_organization(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/ledger/compliance", headers=bearer("alice"))
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"


@pytest.mark.parametrize("username", ["alice", "carol", "root"])
def test_the_audit_pack_holds_the_export_of_the_same_filters(client, username) -> None:  # type: ignore[no-untyped-def]
    params = {"min_risk": "high", "limit": "5000"}
    headers = bearer(username)
    response = client.get("/api/v1/ledger/audit-pack", params=params, headers=headers)
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith('attachment; filename="ledger-audit-pack-')
    mine = [r["id"] for r in expected(username) if RISKS.index(r["risk_level"]) >= 2]
    assert response.headers["x-total-count"] == str(len(mine)) and response.headers["x-export-truncated"] == "false"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        jsonl = archive.read("entries.jsonl")
        manifest = json.loads(archive.read("manifest.json"))
    export = client.get("/api/v1/ledger/export", params={"format": "jsonl", **params}, headers=headers)
    assert jsonl == export.content and jsonl_ids(jsonl) == mine
    assert manifest["rows"] == len(mine) and manifest["requested_by"]["user_id"] == username


def test_the_audit_pack_needs_credentials_and_refuses_a_huge_limit(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/ledger/audit-pack").status_code == 401
    response = client.get("/api/v1/ledger/audit-pack", params={"limit": 100_001}, headers=bearer("carol"))
    assert response.status_code == 422 and error_of(response)["code"] == "export_limit_exceeded"
