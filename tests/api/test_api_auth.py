"""Authentication (SPEC section 6): the credential matrix on every protected endpoint, the
token endpoint, the login lockout, role changes and revoked keys applying at once, and the
API refusing to start without its signing key."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jwt
import pytest

from ledger_api.app import create_app
from ledger_api.settings import ApiSettings, MissingSetting
from ledger_core import Ledger

from tests.api.helpers import JWT_KEY, PASSWORD, RECORDS, error_of, expected_ids, token_for

PROJECT = Path(__file__).resolve().parents[2]
RUN_ID = RECORDS[0]["run_id"]  # alice's
ENDPOINTS = [
    ("GET", "/api/v1/ledger"), ("GET", "/api/v1/ledger/stats"), ("GET", "/api/v1/ledger/export"),
    ("GET", "/api/v1/runs"), ("GET", f"/api/v1/runs/{RUN_ID}"), ("POST", "/api/v1/ingest"),
]


@pytest.fixture(scope="session")
def keys(api_ledger) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, valid = api_ledger.create_api_key("alice", "tests")
    revoked_record, revoked = api_ledger.create_api_key("alice", "revoked")
    assert api_ledger.revoke_api_key(revoked_record.id)
    return {"valid": valid, "revoked": revoked}


def credentials(kind: str, keys: dict[str, str]) -> dict[str, str]:
    bearer = {
        "valid JWT": token_for("alice"),
        "expired JWT": token_for("alice", minutes=-1),
        "JWT with a wrong signature": token_for("alice", key="another-key-" + "0123456789" * 6),
        "JWT with alg none": token_for("alice", algorithm="none"),
        "JWT signed HS512": token_for("alice", algorithm="HS512"),
        "JWT for another audience": token_for("alice", aud="someone-else"),
        "JWT of an unknown user": token_for("mallory"),
        "JWT without exp": jwt.encode({"sub": "alice", "iat": 1, "iss": "agent-activity-ledger",
                                       "aud": "ledger-api"}, JWT_KEY, algorithm="HS256"),
        "garbage JWT": "not.a.token",
    }
    if kind in bearer:
        return {"Authorization": f"Bearer {bearer[kind]}"}
    return {
        "no credentials": {},
        "valid key": {"X-API-Key": keys["valid"]},
        "wrong key": {"X-API-Key": "lak_000000000000_wrong"},
        "revoked key": {"X-API-Key": keys["revoked"]},
        "empty key": {"X-API-Key": ""},
        "basic auth": {"Authorization": "Basic YWxpY2U6YWxpY2UtZGVtby1wYXNz"},
        "empty bearer": {"Authorization": "Bearer "},
        "key and JWT both": {"X-API-Key": keys["valid"], "Authorization": f"Bearer {token_for('alice')}"},
    }[kind]


REFUSED = ["no credentials", "wrong key", "revoked key", "empty key", "expired JWT", "JWT with a wrong signature",
           "JWT with alg none", "JWT signed HS512", "JWT for another audience", "JWT of an unknown user",
           "JWT without exp", "garbage JWT", "basic auth", "empty bearer", "key and JWT both"]


def call(client, method: str, path: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    if method == "POST":
        return client.post(path, json=[], headers=headers)
    return client.get(path, headers=headers)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("kind", REFUSED)
def test_refused_credentials_answer_401(client, keys, method, path, kind) -> None:  # type: ignore[no-untyped-def]
    response = call(client, method, path, credentials(kind, keys))
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith('Bearer realm="agent-activity-ledger"')
    assert error_of(response)["code"] == "unauthenticated"
    assert "x-ratelimit-limit" not in response.headers


@pytest.mark.parametrize(("kind", "reason"), [
    ("expired JWT", "expired"), ("JWT with a wrong signature", "signature"), ("JWT with alg none", "HS256"),
    ("revoked key", "revoked"), ("no credentials", "authentication required"),
])
def test_401_says_why(client, keys, kind, reason) -> None:  # type: ignore[no-untyped-def]
    assert reason in error_of(client.get("/api/v1/ledger", headers=credentials(kind, keys)))["message"]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("kind", ["valid key", "valid JWT"])
def test_valid_credentials_are_accepted(client, keys, method, path, kind) -> None:  # type: ignore[no-untyped-def]
    response = call(client, method, path, credentials(kind, keys))
    assert response.status_code == 200, response.text
    if path == "/api/v1/ledger":
        assert [item["id"] for item in response.json()["items"]] == expected_ids("alice")[:100]


# --- POST /api/v1/auth/token ------------------------------------------------------------

TOKEN = "/api/v1/auth/token"


@pytest.mark.parametrize("how", ["json", "form", "multipart"])
def test_token_for_a_password(client, how) -> None:  # type: ignore[no-untyped-def]
    fields = {"username": "dave", "password": PASSWORD}
    if how == "json":
        response = client.post(TOKEN, json=fields)
    elif how == "form":
        response = client.post(TOKEN, data=fields)
    else:
        response = client.post(TOKEN, files={name: (None, value) for name, value in fields.items()})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["token_type"], body["expires_in"]) == ("bearer", 1800)
    assert response.headers["cache-control"] == "no-store"
    assert jwt.get_unverified_header(body["access_token"])["alg"] == "HS256"
    claims = jwt.decode(body["access_token"], JWT_KEY, algorithms=["HS256"], audience="ledger-api")
    assert (claims["sub"], claims["exp"] - claims["iat"]) == ("dave", 1800)
    assert "role" not in claims and "org_id" not in claims  # read from the database at each request
    listed = client.get("/api/v1/ledger", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert listed.json()["total"] == len(expected_ids("dave"))


@pytest.mark.parametrize(("body", "status", "code", "field"), [
    ({"json": {"username": "dave", "password": "wrong"}}, 401, "unauthenticated", None),
    ({"json": {"username": "nobody", "password": "wrong"}}, 401, "unauthenticated", None),
    ({"json": {"username": "dave"}}, 422, "invalid_parameter", "password"),
    ({"json": {"username": "", "password": "x"}}, 422, "invalid_parameter", "username"),
    ({"json": {"username": 5, "password": "x"}}, 422, "invalid_parameter", "username"),
    ({"json": {"username": "u" * 201, "password": "x"}}, 422, "invalid_parameter", "username"),
    ({"json": ["dave", PASSWORD]}, 422, "invalid_parameter", "body"),
    ({"content": b'{"username": "dave",', "headers": {"content-type": "application/json"}}, 400, "invalid_json",
     "body"),
    ({"content": b"dave:pw", "headers": {"content-type": "text/plain"}}, 415, "unsupported_media_type", "body"),
    ({"content": b"x" * 70_000, "headers": {"content-type": "application/json"}}, 413, "payload_too_large",
     "body"),
])
def test_token_refusals(client, body, status, code, field) -> None:  # type: ignore[no-untyped-def]
    response = client.post(TOKEN, **body)
    assert response.status_code == status, response.text
    error = error_of(response)
    assert (error["code"], error["field"]) == (code, field)
    if status == 401:
        assert error["message"] == "invalid username or password"
        assert response.headers["www-authenticate"].startswith("Bearer")


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_login_lockout_answers_429_with_retry_after(ledger, client_for) -> None:  # type: ignore[no-untyped-def]
    ledger.add_user("lucy", org_id="acme", role="user", password=PASSWORD)
    ledger.clock = clock = Clock(1_800_000_000.0)
    client = client_for(ledger)
    for _ in range(10):
        assert client.post(TOKEN, json={"username": "lucy", "password": "guess"}).status_code == 401
    response = client.post(TOKEN, json={"username": "lucy", "password": PASSWORD})  # even the right one
    assert response.status_code == 429
    assert error_of(response)["code"] == "login_locked"
    assert 0 < int(response.headers["retry-after"]) <= 15 * 60
    assert "locked" in error_of(response)["message"]
    clock.now += 15 * 60 + 1
    assert client.post(TOKEN, json={"username": "lucy", "password": PASSWORD}).status_code == 200


def test_role_change_and_revocation_apply_at_once(ledger, client_for) -> None:  # type: ignore[no-untyped-def]
    ledger.add_user("alice", org_id="acme", role="user", password=PASSWORD)
    ledger.add_user("bob", org_id="acme", role="user", password=PASSWORD)
    mine = [r for r in RECORDS if r["user_id"] in ("alice", "bob")]
    assert ledger.ingest(mine).added == len(mine)
    client = client_for(ledger)
    record, key = ledger.create_api_key("alice")
    for headers in ({"Authorization": f"Bearer {token_for('alice')}"}, {"X-API-Key": key}):
        assert client.get("/api/v1/ledger", headers=headers).json()["total"] == len(expected_ids("alice"))
        ledger.set_role("alice", "org_admin")
        assert client.get("/api/v1/ledger", headers=headers).json()["total"] == len(mine)
        ledger.set_role("alice", "user")
        assert client.get("/api/v1/ledger", headers=headers).json()["total"] == len(expected_ids("alice"))
    assert ledger.revoke_api_key(record.id)
    assert client.get("/api/v1/ledger", headers={"X-API-Key": key}).status_code == 401


# --- starting without a key -------------------------------------------------------------

def test_create_app_refuses_without_a_key(ledger, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("ledger_api.settings.secret", lambda name: None)
    with pytest.raises(MissingSetting, match="LEDGER_JWT_KEY is not set.*ledger_jwt_key"):
        create_app(ledger)
    with pytest.raises(MissingSetting, match="LEDGER_JWT_KEY is too short"):
        ApiSettings(jwt_key="short")


def test_uvicorn_stops_at_startup_naming_the_setting(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env: dict[str, Any] = {**os.environ, "LEDGER_JWT_KEY": "too-short",
                           "LEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    result = subprocess.run(
        [sys.executable, "-m", "uvicorn", "ledger_api.app:app", "--host", "127.0.0.1", "--port", "8791"],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "ledger_api cannot start: LEDGER_JWT_KEY is too short" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_key_from_the_environment_starts_it(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LEDGER_JWT_KEY", JWT_KEY)
    ledger = Ledger(f"sqlite:///{tmp_path / 'y.db'}", rate_limits=None)
    try:
        app = create_app(ledger)
        assert app.state.settings.jwt_key == JWT_KEY
    finally:
        ledger.dispose()
