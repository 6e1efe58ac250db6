"""The one wall clock of the ledger: the timestamps it records itself, and "now" for the
accepted range of an action's timestamp (`contract.entry.accepted_timestamp_range`).

Code that needs the time calls `clock.now_utc()` through this module, so a test can
swap it (`monkeypatch.setattr(clock, "now_utc", ...)`) to control what "now" is.
"""
from __future__ import annotations

from datetime import datetime, timezone


def now_utc() -> datetime:
    return datetime.now(timezone.utc)
