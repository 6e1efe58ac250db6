"""Account administration on behalf of a signed-in administrator (the Admin page, scripts).

    admin = ledger.admin(me)          # Forbidden for a plain user
    admin.users()                     # an org admin's organization; everyone for a superuser
    admin.add_user("zoe", role="user", password="...")
    admin.set_role("zoe", "org_admin"); admin.set_password("zoe", "...")
    record, key = admin.create_api_key("zoe", "nightly export")   # the key is shown once
    admin.api_keys(); admin.revoke_api_key(record.id)

The rules, decided here and nowhere else:
- a superuser manages every account and key;
- an org admin manages the accounts and keys of their own organization, may grant the
  roles `user` and `org_admin`, and can neither create, promote to, nor touch a superuser;
- nobody changes their own role (so the last administrator cannot lock everyone out).
Anything else raises `Forbidden`; unknown users raise `UnknownPrincipal`; invalid values
`LedgerValidationError` naming the field. Nothing changes when a call is refused.
"""
from __future__ import annotations

from sqlalchemy import Connection, Engine

from ..contract.common import ROLES, Principal
from ..errors import Forbidden, LedgerValidationError, UnknownPrincipal
from ..store.db import write_transaction
from . import accounts
from .accounts import ApiKeyRecord, UserRecord

ADMIN_ROLES = ("org_admin", "superuser")


class Admin:
    """What `actor` may do to accounts and API keys (see the module docstring)."""

    def __init__(self, engine: Engine, actor: Principal) -> None:
        if actor.role not in ADMIN_ROLES:
            raise Forbidden("only org admins and superusers manage users and API keys")
        self.engine = engine
        self.actor = actor

    @property
    def is_superuser(self) -> bool:
        return self.actor.role == "superuser"

    def grantable_roles(self) -> tuple[str, ...]:
        return ROLES if self.is_superuser else ("user", "org_admin")

    # --- checks ---------------------------------------------------------------------

    def _check_org(self, org_id: str) -> None:
        if not self.is_superuser and org_id != self.actor.org_id:
            raise Forbidden(f"an org admin manages only their own organization ({self.actor.org_id!r})",
                            field="org_id")

    def _check_grant(self, role: str) -> None:
        if role not in ROLES:
            raise LedgerValidationError(f"role: must be one of {', '.join(ROLES)}", field="role")
        if role not in self.grantable_roles():
            raise Forbidden("only a superuser can grant the superuser role", field="role")

    def _managed(self, conn: Connection, username: str) -> UserRecord:
        """The account `username`, if the actor may manage it."""
        record = accounts.get_user(conn, username)
        assert record is not None
        if self.is_superuser:
            return record
        if record.org_id != self.actor.org_id:
            # Not "forbidden": another organization's usernames are not disclosed.
            raise UnknownPrincipal(f"unknown user {username!r}", field="username")
        if record.role == "superuser":
            raise Forbidden("an org admin cannot change a superuser's account", field="username")
        return record

    # --- users ----------------------------------------------------------------------

    def users(self) -> list[UserRecord]:
        with self.engine.connect() as conn:
            return accounts.list_users(conn, None if self.is_superuser else self.actor.org_id)

    def add_user(self, username: str, *, role: str, password: str, org_id: str | None = None,
                 display_name: str | None = None, email: str | None = None) -> UserRecord:
        """Add an account with a password; an org admin adds to their own organization."""
        org_id = org_id or self.actor.org_id
        self._check_org(org_id)
        self._check_grant(role)
        password_hash = accounts.hash_password(password)
        with write_transaction(self.engine) as conn:
            return accounts.add_user(conn, username, org_id=org_id, role=role, password_hash=password_hash,
                                     display_name=display_name or None, email=email or None)

    def set_role(self, username: str, role: str) -> None:
        self._check_grant(role)
        if username == self.actor.user_id:
            raise Forbidden("you cannot change your own role", field="username")
        with write_transaction(self.engine) as conn:
            self._managed(conn, username)
            accounts.set_role(conn, username, role)

    def set_password(self, username: str, password: str) -> None:
        password_hash = accounts.hash_password(password)
        with write_transaction(self.engine) as conn:
            self._managed(conn, username)
            accounts.set_password_hash(conn, username, password_hash)

    # --- API keys -------------------------------------------------------------------

    def api_keys(self) -> list[ApiKeyRecord]:
        """Keys of the accounts in scope (never the keys themselves), active and revoked."""
        with self.engine.connect() as conn:
            keys = accounts.list_api_keys(conn)
            if self.is_superuser:
                return keys
            mine = {user.id for user in accounts.list_users(conn, self.actor.org_id)}
        return [key for key in keys if key.user_id in mine]

    def create_api_key(self, username: str, name: str | None = None) -> tuple[ApiKeyRecord, str]:
        """A new key for `username`: (its record, the key itself, shown only this once)."""
        if name is not None and (not isinstance(name, str) or len(name) > 200 or "\x00" in name):
            raise LedgerValidationError("name: must be text of at most 200 characters", field="name")
        with write_transaction(self.engine) as conn:
            if username != self.actor.user_id:
                self._managed(conn, username)
            return accounts.create_api_key(conn, username, name or None)

    def revoke_api_key(self, key_id: str) -> bool:
        """Revoke a key of an account in scope; False if it is unknown or already revoked."""
        with write_transaction(self.engine) as conn:
            record = accounts.get_api_key(conn, key_id)
            if record is None:
                return False
            if record.user_id != self.actor.user_id:
                try:
                    self._managed(conn, record.user_id)
                except UnknownPrincipal:
                    return False  # another organization's key: as if it did not exist
            return accounts.revoke_api_key(conn, key_id)
