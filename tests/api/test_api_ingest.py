"""POST /api/v1/ingest: the caller's own actions only, idempotent on id, refusals by index,
exact costs, body errors and the size limit. Each test starts from an empty ledger."""
from __future__ import annotations

import asyncio
import json
import re
import uuid
from typing import Any

import pytest

from ledger_api.settings import MAX_INGEST_BYTES, ApiSettings

from tests.api.helpers import JWT_KEY, PEOPLE, RECORDS, bearer, error_of

INGEST = "/api/v1/ingest"


def body(records: list[Any]) -> bytes:
    """A JSON array with costs as exact JSON numbers (as the JSONL export writes them)."""
    def plain(record: Any) -> Any:
        if isinstance(record, dict) and "cost_usd" in record:
            return {**record, "cost_usd": f"@@{record['cost_usd']}@@"}
        return record
    text = json.dumps([plain(record) for record in records])
    return re.sub(r'"@@([0-9.E+-]+)@@"', r"\1", text).encode()


def post(client, username: str, records: list[Any]):  # type: ignore[no-untyped-def]
    return client.post(INGEST, content=body(records), headers={**bearer(username),
                                                               "content-type": "application/json"})


@pytest.fixture
def people(ledger):  # type: ignore[no-untyped-def]
    for person in PEOPLE:
        ledger.add_user(person.username, org_id=person.org_id, role=person.role)
    return ledger


def own(username: str) -> list[dict[str, Any]]:
    return [r for r in RECORDS if r["user_id"] == username]


def new_record(username: str, org_id: str, **changes: Any) -> dict[str, Any]:
    record = {**RECORDS[0], "id": str(uuid.uuid4()), "run_id": str(uuid.uuid4()), "user_id": username,
              "org_id": org_id}
    record.update(changes)
    return {k: v for k, v in record.items() if v is not ...}


def test_ingest_is_idempotent_and_exact(people, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(people)
    response = post(client, "alice", own("alice"))
    assert response.status_code == 200, response.text
    assert response.json() == {"added": 60, "duplicates": 0, "refused": 0, "conflicts": 0, "refusals": []}
    assert post(client, "alice", own("alice")).json() == {"added": 0, "duplicates": 60, "refused": 0,
                                                          "conflicts": 0, "refusals": []}
    listed = client.get("/api/v1/ledger", params={"page_size": 1000}, headers=bearer("alice"))
    assert {item["id"] for item in listed.json()["items"]} == {r["id"] for r in own("alice")}
    assert '"cost_usd":0.0738000002,' in client.get("/api/v1/ledger", params={"min_cost": "0.0738000002",
                                                    "max_cost": "0.0738000002"}, headers=bearer("alice")).text
    # others see it as their scope says
    assert client.get("/api/v1/ledger", headers=bearer("carol")).json()["total"] == 60
    assert client.get("/api/v1/ledger", headers=bearer("dave")).json()["total"] == 0


def test_refusals_are_reported_by_index(people, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(people)
    bobs = own("bob")[:1]
    people.ingest(bobs)
    batch = [
        new_record("alice", "acme"),                                   # 0 added
        new_record("bob", "acme"),                                     # 1 another user
        new_record("alice", "globex"),                                 # 2 another organization
        "not an object",                                               # 3
        new_record("alice", "acme", outcome="lost"),                   # 4 invalid field
        new_record(..., ..., id=str(uuid.uuid4())),                    # 5 owner left out: the caller's
        new_record("alice", "acme", run_id=bobs[0]["run_id"]),         # 6 into bob's run
        new_record("alice", "acme", id="x"),                           # 7 bad id
        new_record("alice", "acme", cost_usd="0.00000000001"),         # 8 too many decimals
    ]
    response = post(client, "alice", batch)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["added"], result["duplicates"], result["refused"]) == (2, 0, 7)
    reasons = {refusal["index"]: refusal["reason"] for refusal in result["refusals"]}
    assert list(reasons) == [1, 2, 3, 4, 6, 7, 8]
    assert "'bob'" in reasons[1] and "only the caller's own actions" in reasons[1]
    assert "'globex'" in reasons[2]
    assert "JSON object" in reasons[3]
    assert reasons[4].startswith("outcome")
    assert "belongs to user 'bob'" in reasons[6]
    assert reasons[7].startswith("id")
    assert reasons[8].startswith("cost_usd")
    stored = client.get("/api/v1/ledger", headers=bearer("alice")).json()["items"]
    assert {item["id"] for item in stored} == {batch[0]["id"], batch[5]["id"]}
    assert all(item["user_id"] == "alice" and item["org_id"] == "acme" for item in stored)


def test_a_conflicting_duplicate_is_refused_per_item(people, client_for) -> None:  # type: ignore[no-untyped-def]
    """The same id with other content is refused as a conflict, with the fields that differ
    for the caller's own action and nothing about anyone else's; the stored action stays."""
    client = client_for(people)
    mine = new_record("alice", "acme")
    bobs = new_record("bob", "acme", cost_usd="7.5")
    people.ingest([mine, bobs])
    batch = [
        dict(mine),                                                    # 0 the same again: a duplicate
        dict(mine, cost_usd="0.5", outcome="error"),                   # 1 my action, other content
        dict(bobs, user_id="alice", run_id=str(uuid.uuid4())),         # 2 bob's id under my name
    ]
    result = post(client, "alice", batch).json()
    assert (result["added"], result["duplicates"], result["refused"], result["conflicts"]) == (0, 1, 2, 2)
    first, second = result["refusals"]
    assert (first["index"], first["conflict"], first["fields"]) == (1, True, ["outcome", "cost_usd"])
    assert "the stored record is unchanged" in first["reason"]
    assert (second["index"], second["conflict"], second["fields"]) == (2, True, [])
    assert "bob" not in second["reason"] and "7.5" not in second["reason"]
    stored = client.get("/api/v1/ledger", params={"page_size": 10}, headers=bearer("carol")).json()["items"]
    assert {(item["id"], item["outcome"]) for item in stored} == {(mine["id"], mine["outcome"]),
                                                                 (bobs["id"], bobs["outcome"])}
    ordinary = post(client, "alice", [new_record("alice", "acme", outcome="lost")]).json()["refusals"][0]
    assert (ordinary["conflict"], ordinary["fields"]) == (False, [])


@pytest.mark.parametrize(("caller", "owner", "org"), [
    ("alice", "bob", "acme"), ("carol", "alice", "acme"), ("erin", "dave", "globex"), ("root", "dave", "globex"),
    ("root", "alice", "acme"), ("dave", "alice", "acme"),
])
def test_no_role_ingests_for_someone_else(people, client_for, caller, owner, org) -> None:  # type: ignore[no-untyped-def]
    client = client_for(people)
    mine = next(p for p in PEOPLE if p.username == caller)
    result = post(client, caller, [new_record(owner, org), new_record(caller, mine.org_id)]).json()
    assert (result["added"], result["refused"]) == (1, 1)
    assert result["refusals"][0]["index"] == 0
    assert client.get("/api/v1/ledger", headers=bearer("root")).json()["total"] == 1


@pytest.mark.parametrize(("content", "content_type", "status", "code"), [
    (b"[{", "application/json", 400, "invalid_json"),
    (b"", "application/json", 400, "invalid_json"),
    (b"\xff\xfe[]", "application/json", 400, "invalid_json"),
    (b"[" * 100_000, "application/json", 400, "invalid_json"),
    (b'{"id": 1}', "application/json", 422, "invalid_parameter"),
    (b"12", "application/json", 422, "invalid_parameter"),
    (b"[]", "text/plain", 415, "unsupported_media_type"),
    (b"[]", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
])
def test_body_errors(people, client_for, content, content_type, status, code) -> None:  # type: ignore[no-untyped-def]
    client = client_for(people)
    response = client.post(INGEST, content=content, headers={**bearer("alice"), "content-type": content_type})
    assert response.status_code == status, response.text
    error = error_of(response)
    assert (error["code"], error["field"]) == (code, "body")
    assert len(response.content) < 1000


def test_empty_array_adds_nothing(people, client_for) -> None:  # type: ignore[no-untyped-def]
    assert post(client_for(people), "alice", []).json() == {"added": 0, "duplicates": 0, "refused": 0,
                                                            "conflicts": 0, "refusals": []}


def test_body_over_the_limit_is_413(people, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(people, max_ingest_bytes=2000)
    small = body([new_record("alice", "acme")])
    assert len(small) < 2000
    assert post(client, "alice", [new_record("alice", "acme")]).json()["added"] == 1
    big = body([new_record("alice", "acme") for _ in range(5)])
    headers = {**bearer("alice"), "content-type": "application/json"}
    for content in (big, iter([big[:1500], big[1500:]])):  # with Content-Length, then chunked without it
        response = client.post(INGEST, content=content, headers=headers)
        assert response.status_code == 413
        error = error_of(response)
        assert (error["code"], error["field"]) == ("payload_too_large", "body")
        assert "2,000 bytes" in error["message"]
    assert client.get("/api/v1/ledger", headers=bearer("alice")).json()["total"] == 1


def test_declared_oversized_body_is_refused_unread(people) -> None:  # type: ignore[no-untyped-def]
    """With the default 10 MB limit, a Content-Length one byte over is answered 413 before
    a single byte of the body is received."""
    from ledger_api.app import create_app

    app = create_app(people, ApiSettings(jwt_key=JWT_KEY))
    assert ApiSettings(jwt_key=JWT_KEY).max_ingest_bytes == MAX_INGEST_BYTES == 10 * 1024 * 1024
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        raise AssertionError("the body must not be read")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
        "method": "POST", "scheme": "http", "path": INGEST, "raw_path": INGEST.encode(), "root_path": "",
        "query_string": b"", "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                    (b"content-length", str(MAX_INGEST_BYTES + 1).encode()),
                    (b"authorization", bearer("alice")["Authorization"].encode())],
    }
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["error"]["code"] == "payload_too_large"
