"""Account administration by role: who may add, promote, reset and manage keys of whom."""
from __future__ import annotations

import pytest

from ledger_core import Forbidden, LedgerValidationError, UnknownPrincipal

PEOPLE = [("alice", "acme", "user"), ("carol", "acme", "org_admin"), ("sam", "acme", "superuser"),
          ("dave", "globex", "user"), ("erin", "globex", "org_admin"), ("root", "ops", "superuser")]


@pytest.fixture
def people(ledger):  # type: ignore[no-untyped-def]
    for name, org, role in PEOPLE:
        ledger.add_user(name, org_id=org, role=role, password=f"{name}-pw")
    return ledger


def _snapshot(ledger):  # type: ignore[no-untyped-def]
    return ([(u.id, u.org_id, u.role, u.password_hash) for u in ledger.users()],
            [(k.id, k.user_id, k.revoked_at) for k in ledger.api_keys()])


def test_a_plain_user_cannot_administer(people):  # type: ignore[no-untyped-def]
    with pytest.raises(Forbidden):
        people.admin(people.principal("alice"))


def test_org_admin_sees_and_manages_only_their_organization(people):  # type: ignore[no-untyped-def]
    admin = people.admin(people.principal("carol"))
    assert [u.id for u in admin.users()] == ["alice", "carol", "sam"]
    added = admin.add_user("zoe", role="user", password="zoe-pw", display_name="Zoe")
    assert (added.org_id, added.role) == ("acme", "user")
    assert people.authenticate("zoe", "zoe-pw").org_id == "acme"
    admin.set_role("zoe", "org_admin")
    assert people.principal("zoe").role == "org_admin"
    admin.set_password("alice", "new-alice-pw")
    assert people.authenticate("alice", "new-alice-pw").user_id == "alice"


@pytest.mark.parametrize("attempt", [
    lambda a: a.add_user("x1", role="superuser", password="pw"),
    lambda a: a.add_user("x2", role="user", password="pw", org_id="globex"),
    lambda a: a.set_role("alice", "superuser"),
    lambda a: a.set_role("sam", "user"),
    lambda a: a.set_password("sam", "taken-over"),
    lambda a: a.set_role("carol", "user"),
    lambda a: a.create_api_key("sam"),
])
def test_org_admin_refusals_are_forbidden_and_change_nothing(people, attempt):  # type: ignore[no-untyped-def]
    before = _snapshot(people)
    with pytest.raises(Forbidden):
        attempt(people.admin(people.principal("carol")))
    assert _snapshot(people) == before


@pytest.mark.parametrize("attempt", [
    lambda a: a.set_role("dave", "org_admin"),
    lambda a: a.set_password("erin", "x"),
    lambda a: a.create_api_key("dave"),
])
def test_another_organizations_accounts_are_unknown_to_an_org_admin(people, attempt):  # type: ignore[no-untyped-def]
    before = _snapshot(people)
    with pytest.raises(UnknownPrincipal):
        attempt(people.admin(people.principal("carol")))
    assert _snapshot(people) == before


def test_api_keys_are_managed_within_scope(people):  # type: ignore[no-untyped-def]
    carol = people.admin(people.principal("carol"))
    erin = people.admin(people.principal("erin"))
    record, key = carol.create_api_key("alice", "nightly export")
    other, _ = erin.create_api_key("dave")
    assert people.principal_for_api_key(key).user_id == "alice"
    assert [k.id for k in carol.api_keys()] == [record.id]
    assert erin.revoke_api_key(record.id) is False  # not hers: as if it did not exist
    assert people.principal_for_api_key(key).user_id == "alice"
    assert carol.revoke_api_key(record.id) is True
    with pytest.raises(UnknownPrincipal):
        people.principal_for_api_key(key)
    root = people.admin(people.principal("root"))
    assert {k.id for k in root.api_keys()} == {record.id, other.id}
    assert root.revoke_api_key(other.id) is True


def test_superuser_manages_everyone_but_not_their_own_role(people):  # type: ignore[no-untyped-def]
    root = people.admin(people.principal("root"))
    assert len(root.users()) == len(PEOPLE)
    root.add_user("newboss", role="superuser", password="pw", org_id="newco")
    assert people.principal("newboss").role == "superuser"
    root.set_role("sam", "user")
    assert people.principal("sam").role == "user"
    with pytest.raises(Forbidden):
        root.set_role("root", "user")


@pytest.mark.parametrize("kwargs,field", [
    ({"username": "Bad Name", "role": "user", "password": "pw"}, "username"),
    ({"username": "ok", "role": "admin", "password": "pw"}, "role"),
    ({"username": "ok", "role": "user", "password": ""}, "password"),
    ({"username": "alice", "role": "user", "password": "pw"}, "username"),
])
def test_invalid_new_accounts_are_refused_naming_the_field(people, kwargs, field):  # type: ignore[no-untyped-def]
    before = _snapshot(people)
    with pytest.raises(LedgerValidationError) as error:
        people.admin(people.principal("root")).add_user(**kwargs)
    assert error.value.field == field
    assert _snapshot(people) == before
