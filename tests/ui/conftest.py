"""Fixtures of the UI tests (helpers live in tests/ui/helpers.py)."""
from __future__ import annotations

import pytest

from tests.ui.helpers import COOKIE_KEY, seed


@pytest.fixture
def ui_ledger(ledger, monkeypatch):  # type: ignore[no-untyped-def]
    """The seeded ledger (tests.ui.helpers.seed) behind the app; fresh caches."""
    from ledger_ui.resources import reset_caches

    monkeypatch.setenv("LEDGER_DATABASE_URL", ledger.url)
    monkeypatch.setenv("LEDGER_COOKIE_KEY", COOKIE_KEY)
    reset_caches()
    ledger.records = seed(ledger)
    yield ledger
    reset_caches()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    """Keep each phase's report on the test item (the browser tests save a screenshot when
    their call failed)."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report
