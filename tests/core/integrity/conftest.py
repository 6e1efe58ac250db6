"""Keys for the integrity tests come only from the environment the tests set: a developer's
own `.streamlit/secrets.toml` (which may hold a signing key) is hidden."""
from __future__ import annotations

import pytest

from ledger_core import config
from ledger_core.integrity.keys import generate_key_pair


@pytest.fixture(autouse=True)
def no_configured_keys(monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(config, "SECRETS_PATH", tmp_path / "no-secrets.toml")
    monkeypatch.delenv("LEDGER_SIGNING_KEY", raising=False)
    monkeypatch.delenv("LEDGER_VERIFY_KEY", raising=False)


@pytest.fixture
def signing_key(monkeypatch) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A fresh key pair; the private half configured as LEDGER_SIGNING_KEY."""
    private, public = generate_key_pair()
    monkeypatch.setenv("LEDGER_SIGNING_KEY", private)
    return private, public
