"""API fixtures: the data set of `helpers.py` in one ledger per backend, and clients."""
from __future__ import annotations

from collections.abc import Callable, Iterator
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


@pytest.fixture(scope="session")
def client(api_ledger) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """A client of the API over the data set (kept open: one event loop for all requests)."""
    with test_client(create_app(api_ledger, ApiSettings(jwt_key=JWT_KEY))) as opened:
        yield opened


@pytest.fixture
def client_for() -> Iterator[Callable[..., Any]]:
    """`client_for(ledger, **settings)`: a client of an API over another ledger, closed after the test."""
    opened: list[Any] = []

    def make(ledger: Ledger, **settings: Any) -> Any:
        opened.append(test_client(create_app(ledger, ApiSettings(jwt_key=JWT_KEY, **settings))))
        return opened[-1].__enter__()

    yield make
    for item in opened:
        item.__exit__(None, None, None)
