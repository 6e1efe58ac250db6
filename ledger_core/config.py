"""Settings read from the environment (and, for secrets, `.streamlit/secrets.toml`)."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "ledger.db"
SECRETS_PATH = PROJECT_ROOT / ".streamlit" / "secrets.toml"


def default_database_url() -> str:
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def database_url() -> str:
    """`LEDGER_DATABASE_URL`, or the embedded SQLite file under `data/`."""
    return os.environ.get("LEDGER_DATABASE_URL") or default_database_url()


def secret(name: str) -> str | None:
    """A secret from the environment (upper-cased name) or `.streamlit/secrets.toml`."""
    value = os.environ.get(name.upper())
    if value:
        return value
    if SECRETS_PATH.exists():
        with SECRETS_PATH.open("rb") as fh:
            data = tomllib.load(fh)
        found = data.get(name.lower()) or data.get(name.upper())
        if isinstance(found, str) and found:
            return found
    return None


def bcrypt_rounds() -> int:
    """bcrypt's cost factor for new password hashes: `LEDGER_BCRYPT_ROUNDS`, 4..16, default 12
    (about 0.25 s a hash here). Lower it only for tests; existing hashes keep their own."""
    raw = os.environ.get("LEDGER_BCRYPT_ROUNDS", "").strip()
    if not raw:
        return 12
    if not raw.isdigit() or not 4 <= int(raw) <= 16:
        raise ValueError(f"LEDGER_BCRYPT_ROUNDS must be a whole number from 4 to 16, not {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class RateLimits:
    """Calls allowed per user per window (SPEC section 6)."""

    query: int = 1000
    stats: int = 600
    export: int = 100
    window_seconds: int = 3600

    @classmethod
    def from_env(cls) -> "RateLimits":
        def read(name: str, default: int) -> int:
            raw = os.environ.get(name)
            return int(raw) if raw else default

        return cls(
            query=read("LEDGER_RATE_LIMIT_QUERY", cls.query),
            stats=read("LEDGER_RATE_LIMIT_STATS", cls.stats),
            export=read("LEDGER_RATE_LIMIT_EXPORT", cls.export),
            window_seconds=read("LEDGER_RATE_LIMIT_WINDOW", cls.window_seconds),
        )


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=database_url)
    rate_limits: RateLimits = field(default_factory=RateLimits.from_env)
