"""Organizations, users, passwords and API keys."""
from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import bcrypt
from sqlalchemy import Connection, func, select, update

from ..clock import now_utc
from ..config import bcrypt_rounds
from ..contract.common import ROLES, Principal, reject_nul, shorten
from ..errors import LedgerValidationError, UnknownPrincipal
from ..store.schema import api_keys, organizations, users
from . import logins

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}\Z")
API_KEY_PREFIX = "lk_"
TIERS: tuple[str, ...] = ("standard", "enterprise")


def check_text(value: object, field: str, *, max_length: int, optional: bool = False) -> str | None:
    """Text a column can hold: a string of 1..`max_length` characters without NUL or lone
    surrogates (a database driver raises on those); None too when `optional`. Anything else
    is a `LedgerValidationError` naming `field`, before the database is asked."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise LedgerValidationError(f"{field}: must be text, not {type(value).__name__}", field=field)
    try:
        reject_nul(value)
    except ValueError as exc:
        raise LedgerValidationError(f"{field}: {exc}", field=field) from None
    if not 0 < len(value) <= max_length:
        raise LedgerValidationError(f"{field}: must be 1 to {max_length} characters ({len(value):,} were given)",
                                    field=field)
    return value


@dataclass(frozen=True)
class UserRecord:
    id: str
    display_name: str
    email: str
    org_id: str
    role: str
    password_hash: str | None

    def principal(self) -> Principal:
        return Principal(self.user_id, self.org_id, self.role, self.display_name)  # type: ignore[arg-type]

    @property
    def user_id(self) -> str:
        return self.id


@dataclass(frozen=True)
class ApiKeyRecord:
    id: str
    user_id: str
    name: str | None
    created_at: datetime
    revoked_at: datetime | None


def hash_password(password: str) -> str:
    """A bcrypt hash; the password must be text of 1..72 UTF-8 bytes without NUL (bcrypt
    would silently cut it at the NUL: "a\0b" would open the account with "a")."""
    if isinstance(password, str) and not password:
        raise LedgerValidationError("password: must not be empty", field="password")
    check_text(password, "password", max_length=72)
    if len(password.encode()) > 72:
        raise LedgerValidationError("password: must be at most 72 bytes", field="password")
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(bcrypt_rounds())).decode()


@functools.cache
def _dummy_hash() -> str:
    """Compared against when the username is unknown, so that an unknown and a known
    username take the same time to refuse (no bcrypt comparison would answer in 0.1 ms)."""
    return bcrypt.hashpw(b"not a password of anyone", bcrypt.gensalt(bcrypt_rounds())).decode()


def check_password(password: str, password_hash: str | None) -> bool:
    """bcrypt comparison; always costs one comparison, whatever is missing or invalid."""
    usable = (isinstance(password, str) and 0 < len(password.encode("utf-8", "replace")) <= 72
              and "\x00" not in password)
    candidate = password.encode("utf-8", "replace") if usable else b"-"
    matched = bcrypt.checkpw(candidate, (password_hash or _dummy_hash()).encode())
    return matched and usable and bool(password_hash)


def _check_slug(value: str, field: str) -> str:
    if not isinstance(value, str) or not _SLUG.match(value):
        raise LedgerValidationError(
            f"{field}: {shorten(value, 70)} must be 1-64 lower-case letters, digits, '.', '_' or '-'",
            field=field,
        )
    return value


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise LedgerValidationError(f"role: must be one of {', '.join(ROLES)}", field="role")
    return role


def ensure_org(conn: Connection, org_id: str, name: str | None = None, tier: str = "standard") -> bool:
    """Create the organization if it is new; True when it was created."""
    _check_slug(org_id, "org_id")
    check_text(name, "name", max_length=200, optional=True)
    if tier not in TIERS:
        raise LedgerValidationError(f"tier: must be one of {', '.join(TIERS)}", field="tier")
    if conn.execute(select(organizations.c.id).where(organizations.c.id == org_id)).first():
        return False
    conn.execute(
        organizations.insert().values(id=org_id, name=name or org_id, tier=tier, created_at=now_utc())
    )
    return True


def add_user(
    conn: Connection,
    user_id: str,
    *,
    org_id: str,
    role: str,
    password_hash: str | None,
    display_name: str | None = None,
    email: str | None = None,
) -> UserRecord:
    _check_slug(user_id, "username")
    _check_role(role)
    check_text(display_name or None, "display_name", max_length=200, optional=True)
    check_text(email or None, "email", max_length=320, optional=True)
    if get_user(conn, user_id, missing_ok=True):
        raise LedgerValidationError(f"username: user {user_id!r} already exists", field="username")
    ensure_org(conn, org_id)
    record = UserRecord(
        id=user_id,
        display_name=display_name or user_id,
        email=email or f"{user_id}@{org_id}.example",
        org_id=org_id,
        role=role,
        password_hash=password_hash,
    )
    conn.execute(users.insert().values(**record.__dict__, created_at=now_utc()))
    return record


def _plausible_username(user_id: object) -> bool:
    """Text that could be a stored username (anything else cannot match, and some of it,
    a NUL for one, would make the database driver raise)."""
    return logins.countable(user_id)


def get_user(conn: Connection, user_id: str, *, missing_ok: bool = False) -> UserRecord | None:
    if not _plausible_username(user_id):
        if missing_ok:
            return None
        raise UnknownPrincipal(f"unknown user {shorten(user_id, 70)}", field="username")
    row = conn.execute(
        select(users.c.id, users.c.display_name, users.c.email, users.c.org_id, users.c.role,
               users.c.password_hash).where(users.c.id == user_id)
    ).first()
    if row is None:
        if missing_ok:
            return None
        raise UnknownPrincipal(f"unknown user {user_id!r}", field="username")
    return UserRecord(*row)


def list_users(conn: Connection, org_id: str | None = None) -> list[UserRecord]:
    statement = select(users.c.id, users.c.display_name, users.c.email, users.c.org_id,
                       users.c.role, users.c.password_hash).order_by(users.c.org_id, users.c.id)
    if org_id is not None:
        check_text(org_id, "org_id", max_length=64)
        statement = statement.where(users.c.org_id == org_id)
    return [UserRecord(*row) for row in conn.execute(statement)]


def set_role(conn: Connection, user_id: str, role: str) -> None:
    _check_role(role)
    get_user(conn, user_id)
    conn.execute(update(users).where(users.c.id == user_id).values(role=role))


def set_password_hash(conn: Connection, user_id: str, password_hash: str) -> None:
    get_user(conn, user_id)
    conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))


def authenticate(conn: Connection, user_id: str, password: str) -> Principal:
    """The principal for a username and password; `UnknownPrincipal` if they do not match.
    (Counting failures and locking is `Ledger.authenticate`'s part, see `logins`.)"""
    record = get_user(conn, user_id, missing_ok=True)
    matched = check_password(password, record.password_hash if record else None)
    if record is None or not matched:
        raise UnknownPrincipal("invalid username or password")
    return record.principal()


def _key_digest(key: str) -> str:
    # API keys are 256-bit random strings: a plain SHA-256 is enough, and lets the
    # key be found by its digest without scanning.
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(conn: Connection, user_id: str, name: str | None = None) -> tuple[ApiKeyRecord, str]:
    """A new key for `user_id`: (its record, the key itself, which is shown once)."""
    get_user(conn, user_id)
    name = check_text(name or None, "name", max_length=200, optional=True)
    key_id = secrets.token_hex(6)
    key = f"{API_KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    created = now_utc()
    conn.execute(api_keys.insert().values(
        id=key_id, user_id=user_id, name=name, key_hash=_key_digest(key), created_at=created,
    ))
    return ApiKeyRecord(key_id, user_id, name, created, None), key


def list_api_keys(conn: Connection, user_id: str | None = None) -> list[ApiKeyRecord]:
    statement = select(api_keys.c.id, api_keys.c.user_id, api_keys.c.name, api_keys.c.created_at,
                       api_keys.c.revoked_at).order_by(api_keys.c.user_id, api_keys.c.created_at)
    if user_id is not None:
        check_text(user_id, "username", max_length=64)
        statement = statement.where(api_keys.c.user_id == user_id)
    return [ApiKeyRecord(*row) for row in conn.execute(statement)]


def get_api_key(conn: Connection, key_id: str) -> ApiKeyRecord | None:
    """The key with this id, or None (also for text no key id can be)."""
    if not isinstance(key_id, str):
        raise LedgerValidationError(f"key_id: must be text, not {type(key_id).__name__}", field="key_id")
    if "\x00" in key_id or len(key_id) > 32 or not key_id.isascii():
        return None
    row = conn.execute(
        select(api_keys.c.id, api_keys.c.user_id, api_keys.c.name, api_keys.c.created_at,
               api_keys.c.revoked_at).where(api_keys.c.id == key_id)
    ).first()
    return ApiKeyRecord(*row) if row else None


def revoke_api_key(conn: Connection, key_id: str) -> bool:
    """Revoke by key id; False if there is no such key or it was already revoked."""
    if get_api_key(conn, key_id) is None:
        return False
    result = conn.execute(
        update(api_keys)
        .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=now_utc())
    )
    return result.rowcount == 1


def principal_for_api_key(conn: Connection, key: str) -> Principal:
    """The owner of an unrevoked key; `UnknownPrincipal` otherwise."""
    if not isinstance(key, str) or "\x00" in key or len(key) > 200 or not key.isascii():
        raise UnknownPrincipal("invalid or revoked API key", field="api_key")
    row = conn.execute(
        select(api_keys.c.user_id).where(
            api_keys.c.key_hash == _key_digest(key), api_keys.c.revoked_at.is_(None)
        )
    ).first()
    if row is None:
        raise UnknownPrincipal("invalid or revoked API key", field="api_key")
    record = get_user(conn, row.user_id)
    assert record is not None
    return record.principal()


def count_users(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(users)).scalar_one()
