"""Exports are byte-identical to golden files made before the package reorganisation.

The golden ledger is the demo data set (seed 7, 400 actions, ending 2025-06-30) plus a few
crafted records that take the serializers' unusual paths (escapes, control characters,
numbers that jsonb rewrites, formula cells, non-ASCII). The files hold the superuser's
export in every format; the entry hashes inside them pin the canonical hash form too.
Regenerate only on purpose: `python tests/test_golden_export.py` writes the files anew.
"""
from __future__ import annotations

import gzip
import sys
from datetime import date
from pathlib import Path

import pytest

from ledger_core import Ledger
from ledger_core.demo.loader import load_demo

GOLDEN = Path(__file__).resolve().parent / "golden"
FORMATS = ("jsonl", "json", "csv")

CRAFTED = [
    {"input": {"q": "line\nbreak\ttab \u0001 ctl", "emoji": "\U0001f600", "quote": "\"'"},
     "output": [1e20, -0.0, 1.5e-7, 123456789012345678901234567890, True, None],
     "error_message": "=HYPERLINK(\"http://x\")", "outcome": "error", "cost_usd": "0.0000000001"},
    {"input": None, "output": {"nested": {"deep": [{"k": "\u00e9\u00e8\u4e2d"}]}},
     "blocked_reason": "+cmd|' /C calc'!A0", "outcome": "blocked", "cost_usd": "99999999.9999999999"},
    {"input": "plain string input", "output": 42, "metadata": {"b": 2, "a": 1, "z": {"y": [], "x": {}}},
     "error_message": "-2+3, \"quoted\", comma\r\nCRLF", "outcome": "error", "cost_usd": "0"},
    {"input": {"\u2028sep": "\u2029", "slash": "a/b\\c"}, "output": [],
     "metadata": {"tags": ["@mention", "\ttab"]}, "outcome": "success", "cost_usd": "12.5"},
]


def _crafted_records() -> list[dict]:
    records = []
    for i, extra in enumerate(CRAFTED):
        record = {
            "id": f"00000000-0000-4000-8000-00000000000{i}",
            "run_id": "00000000-0000-4000-8000-0000000000ff",
            "timestamp": f"2025-06-1{i}T12:34:56.{i:06d}Z",
            "action_name": "crafted_action", "agent_id": "golden-agent", "duration_ms": i * 7,
            "risk_level": "high", "user_id": "root", "org_id": "acme", "metadata": {},
        }
        record.update(extra)
        records.append(record)
    return records


def build_golden_ledger(ledger: Ledger) -> None:
    load_demo(ledger, actions=400, seed=7, end=date(2025, 6, 30))
    report = ledger.ingest(_crafted_records())
    assert report.added == len(CRAFTED), report.refusals


def export_bytes(ledger: Ledger, fmt: str) -> bytes:
    return b"".join(ledger.export(ledger.principal("root"), format=fmt, limit=1000))


@pytest.fixture(scope="module")
def golden_ledger(make_ledger) -> Ledger:  # type: ignore[no-untyped-def]
    ledger = make_ledger("golden")
    build_golden_ledger(ledger)
    return ledger


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_bytes_equal_the_golden_file(golden_ledger: Ledger, fmt: str) -> None:
    expected = gzip.decompress((GOLDEN / f"export.{fmt}.gz").read_bytes())
    assert export_bytes(golden_ledger, fmt) == expected


if __name__ == "__main__":  # regenerate the golden files (on SQLite)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        made = Ledger(f"sqlite:///{tmp}/golden.db", rate_limits=None)
        made.init()
        build_golden_ledger(made)
        for fmt in FORMATS:
            (GOLDEN / f"export.{fmt}.gz").write_bytes(gzip.compress(export_bytes(made, fmt), mtime=0))
            print(f"wrote {GOLDEN / f'export.{fmt}.gz'}", file=sys.stderr)
