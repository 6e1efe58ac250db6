"""Stats benchmark: p50/p95 of `Ledger.stats`, of `Ledger.duration_histogram` (the Stats
page's duration chart), of `Ledger.stats_view` (both, as the Stats page reads them), of the
two called one after the other, and of `Ledger.compliance` (the Compliance page) per
request shape and role (never a test).

    python bench/bench_stats.py --url sqlite:////tmp/perf-1m.db [--repeat 20] [--calls stats,histogram,view,...]

The ledger must already hold the data (e.g. `python -m ledger_core demo --actions 1000000`).
Each shape is timed warm (one unmeasured run first) for each principal; a shape whose
filters are all on the rollups' allowlist reads the rollups for its whole days, the others
the entries: stats and the histogram with a risk or compliance filter (min_risk, PII,
review) read the entries, the compliance summary reads `rollup_compliance`. Prints a Markdown table
per call.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from ledger_core import Ledger  # noqa: E402
from ledger_core.store.schema import ledger_entries  # noqa: E402


def shapes(newest) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    end = newest.date()
    quarter = (end - timedelta(days=91)).isoformat()
    return {
        "whole ledger": {},
        "one quarter": {"start_date": quarter, "end_date": end.isoformat()},
        "last 30 days": {"start_date": (end - timedelta(days=29)).isoformat(), "end_date": end.isoformat()},
        "one agent": {"agent_id": "prod-agent-3"},
        "min_risk high": {"min_risk": "high"},
        "risk_level medium": {"risk_level": "medium"},
        "quarter from 12:00 + min_risk high": {"min_risk": "high", "start_date": quarter + "T12:00:00Z"},
        "quarter + agent": {"start_date": quarter, "agent_id": "prod-agent-3"},
        "quarter from 12:00": {"start_date": quarter + "T12:00:00Z"},
        "30 days to 12:00": {"start_date": (end - timedelta(days=29)).isoformat(),
                             "end_date": end.isoformat() + "T12:00:00Z"},
        "PII detected": {"pii_detected": "true"},
        "review + GDPR": {"decision": "review", "regulatory_framework": "GDPR"},
    }


def _stats_then_histogram(ledger: Ledger, principal, params: dict) -> int:  # type: ignore[no-untyped-def]
    total = ledger.stats(principal, **params).total_actions
    ledger.duration_histogram(principal, **params)
    return total


CALLS = {
    "stats": ("stats", lambda ledger, principal, params: ledger.stats(principal, **params).total_actions),
    "histogram": ("duration histogram", lambda ledger, principal, params: sum(
        bucket.count for bucket in ledger.duration_histogram(principal, **params))),
    "compliance": ("compliance summary", lambda ledger, principal, params: ledger.compliance(
        principal, **params).total_actions),
    "view": ("stats view (the Stats page's one read: stats and histogram)", lambda ledger, principal, params: (
        ledger.stats_view(principal, **params).stats.total_actions)),
    "separate": ("stats, then the histogram (the Stats page's two reads before stats_view)", _stats_then_histogram),
}
"""--calls: (title, call returning the number of actions it covered)."""


def measure(ledger: Ledger, principal, params: dict, repeat: int,  # type: ignore[no-untyped-def]
            call=CALLS["stats"][1]) -> tuple[float, float, int]:
    call(ledger, principal, params)
    timings = []
    total = 0
    for _ in range(repeat):
        started = time.perf_counter()
        total = call(ledger, principal, params)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, max(0, round(0.95 * len(timings)) - 1))]
    return statistics.median(timings), p95, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="sqlite:///data/bench-1m.db")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--principals", default="root,bob,alice")
    parser.add_argument("--shapes", default="", help="comma-separated shape names (default: all)")
    parser.add_argument("--calls", default=",".join(CALLS), help=f"comma-separated, of: {', '.join(CALLS)}")
    args = parser.parse_args()
    ledger = Ledger(args.url, rate_limits=None)
    with ledger.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(ledger_entries)).scalar_one()
        newest = conn.execute(select(func.max(ledger_entries.c.timestamp))).scalar_one()
    principals = [ledger.principal(name) for name in args.principals.split(",")]
    wanted = set(filter(None, args.shapes.split(",")))
    for key in args.calls.split(","):
        title, call = CALLS[key]
        print(f"\n{ledger.dialect}, {count:,} actions, {title}, {args.repeat} runs per shape, ms (p50 / p95)\n")
        print("| shape | " + " | ".join(f"{p.user_id} ({p.role})" for p in principals) + " |")
        print("|---" * (len(principals) + 1) + "|")
        for name, params in shapes(newest).items():
            if wanted and name not in wanted:
                continue
            cells = []
            for principal in principals:
                p50, p95, total = measure(ledger, principal, params, args.repeat, call)
                cells.append(f"{p50:.1f} / {p95:.1f} ({total:,})")
            print(f"| {name} | " + " | ".join(cells) + " |", flush=True)

if __name__ == "__main__":
    main()
