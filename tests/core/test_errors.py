"""Errors never echo a huge input whole (issue 9): messages and fields are cut, with the length said."""
from __future__ import annotations

import pytest

from ledger_core import Ledger, LedgerError, LedgerValidationError
from ledger_core.errors import MAX_FIELD_CHARS, MAX_MESSAGE_CHARS


def test_a_ledger_error_cuts_its_message_and_field() -> None:
    error = LedgerValidationError("search: " + "x" * 1_000_000, field="f" * 5000)
    assert len(error.message) <= MAX_MESSAGE_CHARS and "(1,000,008 characters)" in error.message
    assert str(error) == error.message and error.to_dict()["message"] == error.message
    assert len(error.field or "") <= MAX_FIELD_CHARS and error.field.startswith("f" * 50)  # type: ignore[union-attr]
    assert LedgerError("short", field="page").to_dict() == {"code": "ledger_error", "message": "short",
                                                            "field": "page"}


@pytest.mark.parametrize("params", [
    {"run_id": "r" * 1_000_000}, {"start_date": "2024" * 250_000}, {"page": "9" * 1_000_000},
    {"outcome": "o" * 1_000_000}, {"search": "s" * 1_000_000}, {"p" * 1_000_000: 1},
], ids=lambda params: next(iter(params))[:8])
def test_a_megabyte_parameter_is_never_echoed_whole(ledger: Ledger, params) -> None:  # type: ignore[no-untyped-def]
    ledger.add_user("alice", org_id="acme", role="user")
    with pytest.raises(LedgerValidationError) as caught:
        ledger.query(ledger.principal("alice"), **params)
    assert len(caught.value.message) < 400, caught.value.message[:100]
    assert caught.value.field is not None and len(caught.value.field) <= MAX_FIELD_CHARS
