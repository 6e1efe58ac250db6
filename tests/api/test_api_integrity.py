"""GET /api/v1/ledger/verify: org admins verify their organization, superusers all; a
damaged chain answers 200 with `ok: false` and the first broken link."""
from __future__ import annotations

from sqlalchemy import update

from ledger_core.store.schema import ledger_entries as le
from tests.api.helpers import BY_NAME, RECORDS, bearer, error_of, load
from tests.helpers import tamper

PATH = "/api/v1/ledger/verify"


def _count(org: str) -> int:
    return sum(record["org_id"] == org for record in RECORDS)


def test_an_org_admin_verifies_their_organization(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(PATH, headers=bearer("carol"))
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["ok"] is True and body["entries"] == _count("acme")
    (org,) = body["organizations"]
    assert org["org_id"] == "acme" and org["ok"] and org["damage"] is None
    assert org["head_count"] == org["entries"] == _count("acme")
    assert org["checkpoint_status"] in {"signed", "unverified", "unsigned"}
    assert client.get(PATH, params={"org_id": "acme"}, headers=bearer("carol")).json()["ok"] is True


def test_a_superuser_verifies_every_organization_or_one(client) -> None:  # type: ignore[no-untyped-def]
    body = client.get(PATH, headers=bearer("root")).json()
    orgs = {person.org_id for person in BY_NAME.values()}
    assert [org["org_id"] for org in body["organizations"]] == sorted(orgs)
    assert body["ok"] is True and body["entries"] == len(RECORDS)
    one = client.get(PATH, params={"org_id": "globex"}, headers=bearer("root")).json()
    assert [org["org_id"] for org in one["organizations"]] == ["globex"] and one["entries"] == _count("globex")


def test_refusals(client) -> None:  # type: ignore[no-untyped-def]
    for username in ("alice", "dave"):
        response = client.get(PATH, headers=bearer(username))
        assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
    response = client.get(PATH, params={"org_id": "globex"}, headers=bearer("carol"))
    assert response.status_code == 403 and error_of(response)["field"] == "org_id"
    response = client.get(PATH, params={"org_id": "nope"}, headers=bearer("root"))
    assert response.status_code == 422 and error_of(response)["field"] == "org_id"
    assert client.get(PATH).status_code == 401
    response = client.get(PATH, params={"org": "acme"}, headers=bearer("root"))
    assert response.status_code == 422 and error_of(response)["field"] == "org"


def test_a_damaged_chain_is_reported(make_ledger, client_for) -> None:  # type: ignore[no-untyped-def]
    ledger = make_ledger("api_verify")
    load(ledger)
    api = client_for(ledger)
    tamper(ledger, update(le).where(le.c.org_id == "globex", le.c.seq == 3).values(outcome="blocked"))
    body = api.get(PATH, headers=bearer("root")).json()
    assert body["ok"] is False
    damaged = [org for org in body["organizations"] if not org["ok"]]
    assert [org["org_id"] for org in damaged] == ["globex"]
    damage = damaged[0]["damage"]
    assert damage["kind"] == "altered" and damage["seq"] == 3 and damage["entry_id"]
    assert api.get(PATH, headers=bearer("carol")).json()["ok"] is True  # acme is intact
