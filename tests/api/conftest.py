"""API fixtures: the data set of `helpers.py` in one ledger per backend, and clients."""
from __future__ import annotations

from typing import Any

import pytest

from ledger_api.app import create_app
from ledger_api.settings import ApiSettings
from ledger_core import Ledger

from tests.api.helpers import JWT_KEY, load, test_client


@pytest.fixture(scope="session")
def api_ledger(make_ledger) -> Ledger:  # type: ignore[no-untyped-def]
    """The data set, loaded once per backend (no rate limits). Tests must leave it as they found it."""
    ledger = make_ledger("api")
    load(ledger)
    return ledger


def make_client(ledger: Ledger, **settings: Any) -> Any:
    return test_client(create_app(ledger, ApiSettings(jwt_key=JWT_KEY, **settings)))


@pytest.fixture(scope="session")
def client(api_ledger) -> Any:  # type: ignore[no-untyped-def]
    return make_client(api_ledger)
