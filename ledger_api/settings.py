"""The API's settings: the token signing key (required), token lifetime, body limits."""
from __future__ import annotations

from dataclasses import dataclass

from ledger_core import secret

JWT_KEY_SETTING = "LEDGER_JWT_KEY"
JWT_KEY_SECRET = "ledger_jwt_key"
MIN_JWT_KEY_LENGTH = 32
TOKEN_MINUTES = 30  # access tokens expire after this; then ask for a new one
MAX_INGEST_BYTES = 10 * 1024 * 1024  # POST /api/v1/ingest bodies (about 10,000 actions)
MAX_OTHER_BODY_BYTES = 64 * 1024  # every other request body (the token request is ~100 bytes)


class MissingSetting(RuntimeError):
    """The API cannot start: a required setting is missing or unusable."""


@dataclass(frozen=True)
class ApiSettings:
    jwt_key: str
    token_minutes: int = TOKEN_MINUTES
    max_ingest_bytes: int = MAX_INGEST_BYTES
    max_other_body_bytes: int = MAX_OTHER_BODY_BYTES

    def __post_init__(self) -> None:
        check_jwt_key(self.jwt_key)
        if not 1 <= self.token_minutes <= 24 * 60:
            raise MissingSetting(f"token_minutes must be 1..1440, not {self.token_minutes}")


def check_jwt_key(key: str | None) -> str:
    if not key:
        raise MissingSetting(
            f"{JWT_KEY_SETTING} is not set: the API signs its access tokens with it. Set the "
            f"environment variable {JWT_KEY_SETTING}, or `{JWT_KEY_SECRET}` in .streamlit/secrets.toml "
            "(`make api` creates one), to a long random string, e.g. the output of "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    if len(key) < MIN_JWT_KEY_LENGTH:
        raise MissingSetting(
            f"{JWT_KEY_SETTING} is too short ({len(key)} characters): use at least "
            f"{MIN_JWT_KEY_LENGTH} random characters, e.g. the output of "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    return key


def jwt_key_from_settings() -> str:
    """`LEDGER_JWT_KEY` from the environment, else `ledger_jwt_key` from .streamlit/secrets.toml."""
    return check_jwt_key(secret(JWT_KEY_SECRET))
