"""Settings read from the environment (and, for secrets, `.streamlit/secrets.toml`)."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigurationError

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
    return _whole_setting("LEDGER_BCRYPT_ROUNDS", 12, 4, 16)


def _whole_setting(name: str, default: int, low: int, high: int) -> int:
    """A whole-number setting from the environment, checked: `ConfigurationError` names it."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ConfigurationError(
            f"{name} must be a whole number from {low:,} to {high:,}, not {raw[:40]!r}", field=name)
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
        """`LEDGER_RATE_LIMIT_QUERY`, `_STATS`, `_EXPORT` (calls, 1..10,000,000) and `_WINDOW`
        (seconds, 1..31,536,000); `ConfigurationError` naming the setting for anything else
        (a limit of 0 would refuse everything, `abc` nothing: neither is meant)."""
        return cls(
            query=_whole_setting("LEDGER_RATE_LIMIT_QUERY", cls.query, 1, 10_000_000),
            stats=_whole_setting("LEDGER_RATE_LIMIT_STATS", cls.stats, 1, 10_000_000),
            export=_whole_setting("LEDGER_RATE_LIMIT_EXPORT", cls.export, 1, 10_000_000),
            window_seconds=_whole_setting("LEDGER_RATE_LIMIT_WINDOW", cls.window_seconds, 1, 31_536_000),
        )


