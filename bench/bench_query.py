"""Query benchmark: p50/p95 of the SPEC section 3 query shapes on a demo ledger.

    python bench/bench_query.py --url sqlite:///data/bench-1m.db --actions 1000000

Loads the demo data set first when the ledger is empty (not timed here), then runs
every shape `--repeat` times per principal and prints a Markdown table.
Never run as a test: figures depend on the machine.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text  # noqa: E402

from ledger_core import Ledger  # noqa: E402
from ledger_core.demo.loader import load_demo  # noqa: E402
from ledger_core.store.schema import ledger_entries  # noqa: E402


def shapes(run_id: str, end_day: str, quarter_start: str) -> dict[str, dict]:
    ninety_days_start = (date.fromisoformat(end_day) - timedelta(days=89)).isoformat()
    ledger_page = {"outcome": "error", "agent_id": "prod-agent-3", "start_date": ninety_days_start,
                   "end_date": end_day, "sort_by": "cost", "page_size": 100}
    return {
        "first page (newest)": {},
        "deep page (page 500)": {"page": 500},
        "page_size 1000": {"page_size": 1000},
        "outcome=error": {"outcome": "error"},
        "action_name=database_query": {"action_name": "database_query"},
        "agent_id=prod-agent-3": {"agent_id": "prod-agent-3"},
        "run_id": {"run_id": run_id},
        "cost 0.5..5": {"min_cost": 0.5, "max_cost": 5},
        "one quarter": {"start_date": quarter_start, "end_date": end_day},
        "quarter from 12:00": {"start_date": quarter_start + "T12:00:00Z"},
        "cost range + quarter, by cost": {"min_cost": 0.5, "start_date": quarter_start, "end_date": end_day,
                                          "sort_by": "cost"},
        "outcome + action": {"outcome": "error", "action_name": "database_query"},
        "min_risk high": {"min_risk": "high"},
        "PII detected": {"pii_detected": "true"},
        "decision review + GDPR": {"decision": "review", "regulatory_framework": "GDPR"},
        "PII detected by cost": {"pii_detected": "true", "sort_by": "cost"},
        "review + GDPR by cost": {"decision": "review", "regulatory_framework": "GDPR", "sort_by": "cost"},
        "review + GDPR by duration": {"decision": "review", "regulatory_framework": "GDPR", "sort_by": "duration"},
        "review + GDPR by name": {"decision": "review", "regulatory_framework": "GDPR", "sort_by": "name",
                                   "sort_order": "asc"},
        "min_risk high by cost": {"min_risk": "high", "sort_by": "cost"},
        "search 'query'": {"search": "query"},
        "search 'shell' (rare)": {"search": "shell"},
        "sort cost desc": {"sort_by": "cost"},
        "sort cost asc": {"sort_by": "cost", "sort_order": "asc"},
        "sort duration desc": {"sort_by": "duration"},
        "sort name asc": {"sort_by": "name", "sort_order": "asc"},
        "sort name desc (page 500)": {"sort_by": "name", "page": 500},
        "outcome=error by name": {"outcome": "error", "sort_by": "name"},
        "sort timestamp asc": {"sort_order": "asc"},
        "Ledger page: error, agent, 90 days, by cost": ledger_page,
        "... and search 'query'": {**ledger_page, "search": "query"},
    }


def measure(ledger: Ledger, principal, params: dict, repeat: int) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    timings = []
    total = 0
    for _ in range(repeat):
        started = time.perf_counter()
        page = ledger.query(principal, **params)
        timings.append((time.perf_counter() - started) * 1000)
        total = page.total
    timings.sort()
    p95 = timings[min(len(timings) - 1, max(0, round(0.95 * len(timings)) - 1))]
    return statistics.median(timings), p95, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="sqlite:///data/bench-1m.db")
    parser.add_argument("--actions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--principals", default="root,bob,alice",
                        help="comma-separated usernames (superuser, org admin, user)")
    parser.add_argument("--shapes", default="", help="comma-separated shape names (default: all)")
    args = parser.parse_args()
    wanted = set(filter(None, args.shapes.split(",")))

    ledger = Ledger(args.url, rate_limits=None)
    ledger.init()
    started = time.perf_counter()
    report = load_demo(ledger, actions=args.actions, out=sys.stderr)
    if report.added:
        print(f"loaded {report.added:,} actions in {time.perf_counter() - started:.1f} s "
              f"({report.added / (time.perf_counter() - started):,.0f}/s)", file=sys.stderr)
    with ledger.engine.begin() as conn:
        if ledger.dialect == "sqlite":
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE ledger_entries"))
    with ledger.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(ledger_entries)).scalar_one()
        run_id = str(conn.execute(select(ledger_entries.c.run_id).limit(1)).scalar_one())
        newest = conn.execute(select(func.max(ledger_entries.c.timestamp))).scalar_one()
    end_day = newest.date().isoformat()
    quarter_start = (newest - timedelta(days=91)).date().isoformat()

    print(f"\n{ledger.dialect}, {count:,} actions, {args.repeat} runs per shape, times in ms (p50 / p95)\n")
    principals = [ledger.principal(name) for name in args.principals.split(",")]
    header = "| shape | " + " | ".join(f"{p.user_id} ({p.role})" for p in principals) + " |"
    print(header)
    print("|---" * (len(principals) + 1) + "|")
    for name, params in shapes(run_id, end_day, quarter_start).items():
        if wanted and name not in wanted:
            continue
        cells = []
        for principal in principals:
            p50, p95, total = measure(ledger, principal, params, args.repeat)
            cells.append(f"{p50:.1f} / {p95:.1f} ({total:,})")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
