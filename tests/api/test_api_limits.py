"""Rate limits over HTTP (SPEC section 6) with small limits and an injected clock, and the
error table: every error in SPEC section 9's form with its status, never a stack trace."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import ledger_core
from ledger_api.app import STATUS_BY_CODE
from ledger_api.errors import shorten
from ledger_core import Ledger, LedgerError

from tests.api.helpers import bearer, error_of

T0 = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def limited(api_ledger, monkeypatch) -> Iterator[tuple[Ledger, Clock]]:  # type: ignore[no-untyped-def]
    """The data set behind a ledger with limits of 3 queries, 2 stats and 2 exports a minute."""
    for name, value in (("QUERY", "3"), ("STATS", "2"), ("EXPORT", "2"), ("WINDOW", "60")):
        monkeypatch.setenv(f"LEDGER_RATE_LIMIT_{name}", value)
    ledger = Ledger(api_ledger.url)
    clock = Clock()
    assert ledger.limiter is not None
    ledger.limiter.clock = clock
    for user in ("alice", "bob"):
        ledger.limiter.reset(user)
    yield ledger, clock
    for user in ("alice", "bob"):
        ledger.limiter.reset(user)
    ledger.dispose()


def limits(response) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    headers = response.headers
    return int(headers["x-ratelimit-limit"]), int(headers["x-ratelimit-remaining"]), int(headers["x-ratelimit-reset"])


def test_query_limit_headers_and_retry_after(limited, client_for) -> None:  # type: ignore[no-untyped-def]
    ledger, clock = limited
    client = client_for(ledger)
    alice = bearer("alice")
    seen = []
    for _ in range(3):
        response = client.get("/api/v1/ledger", headers=alice)
        assert response.status_code == 200
        seen.append(limits(response))
        clock.now += 10
    assert seen == [(3, 2, 60), (3, 1, 50), (3, 0, 40)]
    response = client.get("/api/v1/ledger", headers=alice)
    assert response.status_code == 429
    error = error_of(response)
    assert (error["code"], error["field"]) == ("rate_limited", None)
    assert "at most 3 query calls per minute" in error["message"] and "Try again in 30 seconds" in error["message"]
    assert response.headers["retry-after"] == "30"
    assert limits(response) == (3, 0, 30)
    # another user has a budget of their own
    assert limits(client.get("/api/v1/ledger", headers=bearer("bob"))) == (3, 2, 60)
    # the window ends: calls pass again
    clock.now += 30
    assert limits(client.get("/api/v1/ledger", headers=alice)) == (3, 2, 60)


def test_runs_spend_the_query_budget(limited, client_for) -> None:  # type: ignore[no-untyped-def]
    ledger, _ = limited
    client = client_for(ledger)
    alice = bearer("alice")
    assert limits(client.get("/api/v1/ledger", headers=alice))[1] == 2
    assert limits(client.get("/api/v1/runs", headers=alice))[1] == 1
    run_id = client.get("/api/v1/runs", headers=alice).json()["items"][0]["id"]
    response = client.get(f"/api/v1/runs/{run_id}", headers=alice)
    assert response.status_code == 429 and response.headers["retry-after"] == "60"


@pytest.mark.parametrize(("path", "kind_limit"), [("/api/v1/ledger/stats", 2), ("/api/v1/ledger/export", 2)])
def test_stats_and_export_have_budgets_of_their_own(limited, client_for, path, kind_limit) -> None:  # type: ignore[no-untyped-def]
    ledger, clock = limited
    client = client_for(ledger)
    alice = bearer("alice")
    client.get("/api/v1/ledger", headers=alice)  # a query call does not spend these
    for remaining in range(kind_limit - 1, -1, -1):
        response = client.get(path, headers=alice)
        assert response.status_code == 200
        assert limits(response) == (kind_limit, remaining, 60)
    clock.now += 59.5
    response = client.get(path, headers=alice)
    assert response.status_code == 429
    assert (response.headers["retry-after"], limits(response)) == ("1", (kind_limit, 0, 1))


def test_every_answer_of_a_limited_route_has_the_headers(limited, client_for) -> None:  # type: ignore[no-untyped-def]
    ledger, _ = limited
    client = client_for(ledger)
    alice = bearer("alice")
    for params in ({"page": "x"}, {"start_date": "2024-99-99"}, {"bogus": "1"}):
        response = client.get("/api/v1/ledger", params=params, headers=alice)
        assert response.status_code == 422
        assert limits(response)[0] == 3
    missing = client.get("/api/v1/runs/00000000-0000-4000-8000-000000000000", headers=alice)
    assert missing.status_code in (404, 429) and limits(missing)[0] == 3
    # no headers where there is no budget: unauthenticated calls, ingest, tokens
    assert "x-ratelimit-limit" not in client.get("/api/v1/ledger").headers
    assert "x-ratelimit-limit" not in client.post("/api/v1/ingest", json=[], headers=alice).headers


# --- the error table --------------------------------------------------------------------

def test_every_core_error_code_has_a_status() -> None:
    codes = {cls.code for cls in vars(ledger_core).values()
             if isinstance(cls, type) and issubclass(cls, LedgerError)}
    assert codes <= set(STATUS_BY_CODE)
    assert {code: STATUS_BY_CODE[code] for code in sorted(codes)} == {
        "configuration": 500, "export_limit_exceeded": 422, "file_unreadable": 422, "forbidden": 403,
        "invalid_parameter": 422, "ledger_error": 422, "login_locked": 429, "not_found": 404, "rate_limited": 429,
        "unknown_user": 401,
    }


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("GET", "/api/v1/nothing-here", 404, "not_found"),
    ("GET", "/", 404, "not_found"),
    ("POST", "/api/v1/ledger", 405, "method_not_allowed"),
    ("DELETE", "/api/v1/runs", 405, "method_not_allowed"),
    ("GET", "/api/v1/ingest", 405, "method_not_allowed"),
])
def test_framework_errors_have_the_same_form(client, method, path, status, code) -> None:  # type: ignore[no-untyped-def]
    response = client.request(method, path, headers=bearer("root"))
    assert response.status_code == status
    assert error_of(response)["code"] == code


def test_unexpected_failures_answer_500_without_details(ledger, client_for, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    ledger.add_user("alice", org_id="acme", role="user")
    client = client_for(ledger)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret connection string postgresql://u:p@db")

    monkeypatch.setattr(ledger, "query", broken)
    response = client.get("/api/v1/ledger", headers=bearer("alice"))
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "internal_error"
    assert "secret" not in response.text and "Traceback" not in response.text
    assert "unexpected error on GET /api/v1/ledger" in caplog.text  # logged for the operator


def test_an_exhausted_connection_pool_answers_503_with_retry_after(ledger, client_for, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    ledger.add_user("alice", org_id="acme", role="user")
    client = client_for(ledger)

    def exhausted(*args: Any, **kwargs: Any) -> Any:
        raise PoolTimeout("QueuePool limit of size 10 overflow 70 reached, connection timed out")

    monkeypatch.setattr(ledger, "query", exhausted)
    response = client.get("/api/v1/ledger", headers=bearer("alice"))
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    assert error_of(response)["code"] == "busy" and "QueuePool" not in response.text


def test_a_ledger_error_without_a_status_of_its_own_is_422(ledger, client_for, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ledger.add_user("alice", org_id="acme", role="user")
    client = client_for(ledger)

    def overflow(*args: Any, **kwargs: Any) -> Any:
        raise LedgerError("the costs in this selection add up to more than the SQLite store can sum")

    monkeypatch.setattr(ledger, "stats", overflow)
    response = client.get("/api/v1/ledger/stats", headers=bearer("alice"))
    assert response.status_code == 422
    assert error_of(response)["code"] == "ledger_error"


def test_shorten_keeps_messages_small() -> None:
    assert shorten("page: must be >= 0") == "page: must be >= 0"
    cut = shorten(f"run_id: '{'x' * 1_000_000}' is not a valid UUID")
    assert cut.startswith("run_id: 'xxx") and cut.endswith("characters] is not a valid UUID")
    assert "1,000,002 characters" in cut and len(cut) < 120
    spaced = shorten("search: " + "ab " * 100_000)
    assert len(spaced) <= 400 and spaced.endswith("…[300,008 characters]")
