"""Users, passwords and API keys."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from ledger_core import LedgerValidationError, UnknownPrincipal
from ledger_core.store.schema import api_keys


def test_passwords_are_stored_as_bcrypt_hashes(ledger):  # type: ignore[no-untyped-def]
    ledger.add_user("alice", org_id="acme", role="user", password="correct horse")
    stored = ledger.users()[0].password_hash
    assert stored.startswith("$2") and "correct horse" not in stored
    assert ledger.authenticate("alice", "correct horse").role == "user"
    with pytest.raises(UnknownPrincipal):
        ledger.authenticate("alice", "wrong")
    with pytest.raises(UnknownPrincipal):
        ledger.authenticate("nobody", "correct horse")


def test_principal_carries_user_org_and_role(ledger):  # type: ignore[no-untyped-def]
    ledger.add_user("bob", org_id="globex", role="org_admin", password="pw", display_name="Bob B")
    principal = ledger.principal("bob")
    assert (principal.user_id, principal.org_id, principal.role, principal.display_name) == (
        "bob", "globex", "org_admin", "Bob B")
    with pytest.raises(UnknownPrincipal):
        ledger.principal("ghost")


def test_invalid_role_and_username_are_refused(ledger):  # type: ignore[no-untyped-def]
    with pytest.raises(LedgerValidationError) as error:
        ledger.add_user("alice", org_id="acme", role="admin", password="pw")
    assert error.value.field == "role"
    with pytest.raises(LedgerValidationError) as error:
        ledger.add_user("al ice", org_id="acme", role="user", password="pw")
    assert error.value.field == "username"
    assert ledger.users() == []


def test_api_keys_are_hashed_revocable_and_owned(ledger):  # type: ignore[no-untyped-def]
    ledger.add_user("alice", org_id="acme", role="user", password="pw")
    record, key = ledger.create_api_key("alice", "ci")
    with ledger.engine.connect() as conn:
        stored = conn.execute(select(api_keys.c.key_hash)).scalar_one()
    assert key not in stored and len(stored) == 64
    assert ledger.principal_for_api_key(key).user_id == "alice"
    assert ledger.revoke_api_key(record.id) is True
    assert ledger.revoke_api_key(record.id) is False
    with pytest.raises(UnknownPrincipal):
        ledger.principal_for_api_key(key)
    with pytest.raises(UnknownPrincipal):
        ledger.principal_for_api_key("lk_made_up")
