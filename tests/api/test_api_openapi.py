"""The OpenAPI document: every parameter and response documented, and a schemathesis run
over /openapi.json (fixed seed, bounded examples, authenticated) that must find no server
error and no answer breaking the schema, on SQLite and PostgreSQL."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.python import asgi

from ledger_api.app import create_app
from ledger_api.settings import ApiSettings
from ledger_core import Ledger

from tests.api.helpers import JWT_KEY, load

QUERY_PARAMS = {  # SPEC section 3: name -> (default, minimum, maximum)
    "page": (0, 0, 10_000_000), "page_size": (100, 1, 1000), "outcome": (None, None, None),
    "action_name": (None, None, None), "agent_id": (None, None, None), "run_id": (None, None, None),
    "min_cost": (None, 0, None), "max_cost": (None, 0, None), "start_date": (None, None, None),
    "end_date": (None, None, None), "search": (None, None, None), "sort_by": ("timestamp", None, None),
    "sort_order": ("desc", None, None),
}
COMPLIANCE_PARAMS = {"risk_level", "min_risk", "data_classification", "decision", "regulatory_framework",
                     "pii_detected"}  # SPEC section 3b, on the query, the stats, the export and the summary


def parameters(document: dict[str, Any], path: str) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in document["paths"][path]["get"]["parameters"]}


def test_every_parameter_is_documented(client) -> None:  # type: ignore[no-untyped-def]
    document = client.get("/openapi.json").json()
    ledger = parameters(document, "/api/v1/ledger")
    assert set(ledger) == set(QUERY_PARAMS) | COMPLIANCE_PARAMS
    assert all(ledger[name]["description"] and ledger[name]["schema"].get("default") is None
               for name in COMPLIANCE_PARAMS)
    for name, (default, minimum, maximum) in QUERY_PARAMS.items():
        schema = ledger[name]["schema"]
        assert ledger[name]["description"], name
        assert schema.get("default") == default, name
        assert schema.get("minimum") == minimum and schema.get("maximum") == maximum, name
    assert ledger["outcome"]["schema"]["anyOf"][0]["enum"] == ["success", "error", "blocked"]
    assert ledger["sort_by"]["schema"]["enum"] == ["timestamp", "cost", "duration", "name"]
    assert ledger["run_id"]["schema"]["anyOf"][0]["format"] == "uuid"
    stats = parameters(document, "/api/v1/ledger/stats")
    assert set(stats) == {"start_date", "end_date", "agent_id"} | COMPLIANCE_PARAMS
    assert set(parameters(document, "/api/v1/ledger/compliance")) == set(stats)
    export = parameters(document, "/api/v1/ledger/export")
    assert set(export) == {"format", "outcome", "action_name", "agent_id", "start_date", "end_date",
                           "limit"} | COMPLIANCE_PARAMS
    assert (export["limit"]["schema"]["default"], export["limit"]["schema"]["maximum"]) == (10_000, 100_000)
    assert export["format"]["schema"]["enum"] == ["jsonl", "json", "csv"]
    assert set(parameters(document, "/api/v1/ledger/audit-pack")) == set(export) - {"format"}
    assert set(parameters(document, "/api/v1/runs")) == {"page", "page_size", "agent_id", "start_date",
                                                          "end_date", "status"}


def test_every_response_is_documented(client) -> None:  # type: ignore[no-untyped-def]
    document = client.get("/openapi.json").json()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            statuses = set(operation["responses"])
            assert {"200", "422"} <= statuses, (method, path)
            if path != "/api/v1/auth/token":
                assert "401" in statuses and operation["security"], (method, path)
            for status, response in operation["responses"].items():
                assert response["description"], (method, path, status)
                if status != "200":
                    assert response["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/ErrorOut"}, (method, path, status)
    export = document["paths"]["/api/v1/ledger/export"]["get"]["responses"]["200"]
    assert set(export["content"]) == {"application/x-ndjson", "application/json", "text/csv; charset=utf-8"}
    assert {"X-Total-Count", "X-Export-Truncated", "Content-Disposition", "X-RateLimit-Remaining"} <= set(
        export["headers"])
    assert "Retry-After" in document["paths"]["/api/v1/ledger"]["get"]["responses"]["429"]["headers"]
    schemes = document["components"]["securitySchemes"]
    assert schemes["BearerToken"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                                      "description": schemes["BearerToken"]["description"]}
    assert (schemes["ApiKey"]["in"], schemes["ApiKey"]["name"]) == ("header", "X-API-Key")
    ingest = document["paths"]["/api/v1/ingest"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert ingest["items"] == {"$ref": "#/components/schemas/EntryIn"}
    assert "EntryIn" in document["components"]["schemas"]
    token = document["paths"]["/api/v1/auth/token"]["post"]["requestBody"]["content"]
    assert set(token) == {"application/json", "application/x-www-form-urlencoded"}


def test_docs_page_is_served(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/docs")
    assert response.status_code == 200 and "swagger" in response.text.lower()


# --- schemathesis -----------------------------------------------------------------------

@dataclass
class Target:
    ledger: Ledger
    key: str
    session: Any = None


@pytest.fixture(scope="session")
def fuzz_targets(make_ledger) -> Iterator[dict[str, Target]]:  # type: ignore[no-untyped-def]
    """Ledgers of their own, one for the reading operations (the data set) and one for
    ingest, whose generated batches try actions with any timestamp from year 1 to 9999 (the
    ledger refuses those outside 2000-01-01 .. now + 1 day; before it did, one such action
    could stretch or break the stats of everyone above its owner).
    Calls go as carol, an org admin, with an API key."""
    reads = make_ledger("fuzz")
    load(reads)
    writes = make_ledger("fuzz_ingest")
    writes.add_user("carol", org_id="acme", role="org_admin")
    targets = {name: Target(ledger, ledger.create_api_key("carol", "schemathesis")[1])
               for name, ledger in (("reads", reads), ("ingest", writes))}
    with ExitStack() as stack:
        for target in targets.values():
            app = create_app(target.ledger, ApiSettings(jwt_key=JWT_KEY))
            # one in-process client for all generated calls (opening one per call costs ~30 ms)
            target.session = stack.enter_context(asgi.get_client(app))
        yield targets


@pytest.fixture(scope="session")
def api_schema(fuzz_targets) -> Any:  # type: ignore[no-untyped-def]
    loaded = schemathesis.openapi.from_asgi("/openapi.json", fuzz_targets["reads"].session.app)
    loaded.config.generation.update(with_security_parameters=False, deterministic=True)
    return loaded


OPERATIONS = [
    ("/api/v1/auth/token", "POST"), ("/api/v1/ledger", "GET"), ("/api/v1/ledger/stats", "GET"),
    ("/api/v1/ledger/compliance", "GET"), ("/api/v1/ledger/verify", "GET"),
    ("/api/v1/ledger/export", "GET"), ("/api/v1/ledger/audit-pack", "GET"), ("/api/v1/runs", "GET"),
    ("/api/v1/runs/{run_id}", "GET"),
    ("/api/v1/ingest", "POST"),
]
EXAMPLES = 10  # per operation, mode and backend: 440 generated requests in all
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.negative_data_rejection,
]


def test_the_fuzzed_operations_are_all_of_them(client) -> None:  # type: ignore[no-untyped-def]
    document = client.get("/openapi.json").json()
    assert {(path, method.upper()) for path, methods in document["paths"].items() for method in methods} == set(
        OPERATIONS)


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_schemathesis_finds_no_server_error_nor_schema_violation(api_schema, fuzz_targets, path, method,
                                                                 mode) -> None:  # type: ignore[no-untyped-def]
    """Generated requests (valid ones, and invalid ones for the negative mode) as an org
    admin with an API key; every answer must pass the checks above. Hypothesis runs
    derandomized: the same examples each time. Ingest judges a batch item by item (a bad
    item is refused with its reason, the others are stored), so an array holding a
    non-object is answered 200 with that refusal rather than rejected whole."""
    checks = CHECKS
    target = fuzz_targets["reads"]
    if path == "/api/v1/ingest":
        checks = [check for check in CHECKS if check is not schemathesis.checks.negative_data_rejection]
        target = fuzz_targets["ingest"]
    strategy = api_schema[path][method].as_strategy(mode)

    @given(case=strategy)
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case) -> None:  # type: ignore[no-untyped-def]
        case.call_and_validate(session=target.session, headers={"X-API-Key": target.key}, checks=checks)

    run()
