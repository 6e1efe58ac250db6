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


# --- odd input to every account function (issue 9) ------------------------------------------------

ODD_TEXT = ["a\x00b", "\x00", "x" * 1_000_000, "\ud800", 12, None, ["alice"], {"u": 1}, b"alice", 1.5,
            True]


def _account_calls(ledger):  # type: ignore[no-untyped-def]
    """(field named, call(value)) for every account function that takes text from outside."""
    root = ledger.principal("root")
    admin = ledger.admin(root)
    return [
        ("username", lambda v: ledger.principal(v)),
        ("username", lambda v: ledger.authenticate(v, "pw")),
        ("username", lambda v: ledger.set_role(v, "user")),
        ("username", lambda v: ledger.set_password(v, "pw")),
        ("username", lambda v: ledger.create_api_key(v)),
        ("username", lambda v: ledger.api_keys(v) if v is not None else ledger.api_keys(12)),  # None: all
        ("username", lambda v: ledger.add_user(v, org_id="acme", role="user", password="pw")),
        ("org_id", lambda v: ledger.users(v) if v is not None else ledger.users(12)),  # None: all
        ("org_id", lambda v: ledger.add_user("zoe", org_id=v, role="user", password="pw")),
        ("org_id", lambda v: ledger.ensure_org(v)),
        ("name", lambda v: ledger.ensure_org("neworg", name=v)),
        ("display_name", lambda v: ledger.add_user("zoe", org_id="acme", role="user", display_name=v)),
        ("email", lambda v: ledger.add_user("zoe", org_id="acme", role="user", email=v)),
        ("name", lambda v: ledger.create_api_key("alice", v)),
        ("password", lambda v: ledger.add_user("zoe", org_id="acme", role="user",
                                               password=12 if v is None else v)),  # None: no password
        ("password", lambda v: ledger.set_password("alice", v)),
        ("api_key", lambda v: ledger.principal_for_api_key(v)),
        ("username", lambda v: admin.set_role(v, "user")),
        ("username", lambda v: admin.set_password(v, "pw")),
        ("username", lambda v: admin.create_api_key(v)),
        ("username", lambda v: admin.add_user(v, role="user", password="pw")),
        ("display_name", lambda v: admin.add_user("zoe", role="user", password="pw", display_name=v)),
        ("name", lambda v: admin.create_api_key("alice", v)),
    ]


def _accounts_fingerprint(ledger):  # type: ignore[no-untyped-def]
    from ledger_core.store.schema import organizations, users

    with ledger.engine.connect() as conn:
        return (sorted(tuple(row) for row in conn.execute(select(users.c.id, users.c.role, users.c.password_hash))),
                sorted(conn.execute(select(organizations.c.id)).scalars()),
                sorted(tuple(row) for row in conn.execute(select(api_keys.c.id, api_keys.c.revoked_at))))


def test_odd_text_in_every_account_function_is_a_ledger_error_naming_the_field(ledger) -> None:  # type: ignore[no-untyped-def]
    """On PostgreSQL a NUL once raised psycopg.DataError from principal, authenticate,
    set_role, users, api_keys and create_api_key; now every odd value is a LedgerError that
    names the field, short, with nothing changed."""
    from ledger_core import LedgerError

    ledger.add_user("root", org_id="ops", role="superuser", password="pw")
    ledger.add_user("alice", org_id="acme", role="user", password="pw")
    before = _accounts_fingerprint(ledger)
    checked = 0
    for field, call in _account_calls(ledger):
        for value in ODD_TEXT:
            if field in ("name", "display_name", "email") and value is None:
                continue  # optional: None means "not given"
            with pytest.raises(LedgerError) as caught:
                call(value)
            error = caught.value
            assert error.field == field, (field, repr(value)[:40], error.message)
            assert len(error.message) < 300
            checked += 1
    assert checked > 240
    assert _accounts_fingerprint(ledger) == before
    # revoke by an odd key id: nothing to revoke (text), or refused naming the field (not text)
    assert ledger.revoke_api_key("a\x00b") is False and ledger.revoke_api_key("x" * 100_000) is False
    with pytest.raises(LedgerValidationError) as caught:
        ledger.revoke_api_key(12)  # type: ignore[arg-type]
    assert caught.value.field == "key_id"
    with pytest.raises(LedgerValidationError) as caught:  # `$` once let a trailing newline through
        ledger.add_user("zoe\n", org_id="acme", role="user")
    assert caught.value.field == "username"


def test_a_password_with_a_nul_is_refused_not_cut(ledger) -> None:  # type: ignore[no-untyped-def]
    """bcrypt stops at a NUL: "a\\0b" would have been stored as the hash of "a"."""
    with pytest.raises(LedgerValidationError) as caught:
        ledger.add_user("zoe", org_id="acme", role="user", password="a\x00b")
    assert caught.value.field == "password"
    ledger.add_user("zoe", org_id="acme", role="user", password="a")
    with pytest.raises(UnknownPrincipal):
        ledger.authenticate("zoe", "a\x00b")
