"""Export throughput and memory, per format (never run as a test).

    python bench/bench_export.py                                  # data/ledger.db
    python bench/bench_export.py --url postgresql+psycopg://postgres@127.0.0.1:5432/ledger
    python bench/bench_export.py --rows 100000 --formats csv,jsonl
    python bench/bench_export.py --url sqlite:///data/bench.db --fill 200000   # self-made data

The ledger should hold at least `--rows` actions (e.g. `python -m ledger_core demo
--actions 1000000`); with `--fill N` an EMPTY ledger is first loaded with N synthetic
actions through the ordinary ingest. The export runs as a superuser (the first one, or
a `bench-admin` created for the purpose) with `limit=--rows`, no filters, default order.

Printed per format: rows/s (best wall clock of --repeat runs, the bytes consumed as a
client would), bytes written, peak traced Python allocations during one export
(tracemalloc, in a separate run since tracing slows the loop), and resident memory
growth sampled during the export (warm runs, and the first run, which also fills the
database page cache).
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
import tracemalloc
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledger_core import Ledger  # noqa: E402
from ledger_core.config import default_database_url  # noqa: E402
from ledger_core.formats.export import MEDIA_TYPES  # noqa: E402

FORMATS = tuple(MEDIA_TYPES)


def _rss_mb() -> float:
    """The process's own resident memory (Linux: `RssAnon`, which leaves out the pages of
    files it maps, such as the SQLite database read through its memory map: those are the
    system's file cache), else the peak resident size so far (getrusage)."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _superuser(ledger: Ledger):
    for user in ledger.users():
        if user.role == "superuser":
            return user.principal()
    ledger.add_user("bench-admin", org_id="bench", role="superuser")
    return ledger.principal("bench-admin")


def fill(ledger: Ledger, count: int, seed: int = 7) -> None:
    """Load `count` synthetic actions shaped like the ledger's (orgs, users, runs, payloads)."""
    rng = random.Random(seed)
    orgs = [f"org{i:02d}" for i in range(5)]
    users = []
    existing = {u.id for u in ledger.users()}
    for org in orgs:
        for j in range(4):
            name = f"{org}-user{j}"
            if name not in existing:
                ledger.add_user(name, org_id=org, role="user")
            users.append((name, org))
    actions = [f"action_{i}" for i in range(60)] + ["database_query", "http_request", "send_email"]
    agents = [f"prod-agent-{i}" for i in range(40)]
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)

    def records():
        run = None
        for i in range(count):
            if run is None or rng.random() < 0.1:
                user, org = rng.choice(users)
                run = (str(uuid.UUID(int=rng.getrandbits(128))), user, org, rng.choice(agents))
            outcome = rng.choices(["success", "error", "blocked"], [85, 10, 5])[0]
            yield {
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
                "run_id": run[0],
                "timestamp": (start + timedelta(seconds=i * 30 + rng.random())).isoformat(),
                "action_name": rng.choice(actions),
                "agent_id": run[3],
                "outcome": outcome,
                "cost_usd": f"{rng.lognormvariate(-5, 1.5):.6f}",
                "duration_ms": int(rng.lognormvariate(5, 1)),
                "risk_level": rng.choice(["low", "medium", "high", "critical"]),
                "user_id": run[1],
                "org_id": run[2],
                "input": {"query": "SELECT * FROM orders WHERE id = %d" % rng.randrange(10**6),
                          "params": [rng.randrange(100), "eu-west-1"]},
                "output": {"rows": rng.randrange(500), "cached": rng.random() < 0.5},
                "error_message": "connection reset by peer" if outcome == "error" else None,
                "blocked_reason": "policy: pii egress" if outcome == "blocked" else None,
                "metadata": {"model": "gpt-4o", "tokens": rng.randrange(20000), "environment": "prod"},
                "compliance": None,
            }

    t0 = time.perf_counter()
    report = ledger.ingest(records())
    print(f"filled: {report.summary()} in {time.perf_counter() - t0:.1f} s", flush=True)


def run_once(ledger: Ledger, me, fmt: str, rows: int, trace: bool) -> tuple[float, int, int, float, float]:
    """(seconds, rows, bytes, traced peak MB, RSS growth MB: peak sampled per chunk - before)."""
    if trace:
        tracemalloc.start()
    rss_before = rss_peak = _rss_mb()
    t0 = time.perf_counter()
    export = ledger.export(me, format=fmt, limit=rows)
    written = 0
    for count, chunk in enumerate(export):
        written += len(chunk)
        if count % 16 == 0:
            rss_peak = max(rss_peak, _rss_mb())
    elapsed = time.perf_counter() - t0
    rss_peak = max(rss_peak, _rss_mb())
    peak = 0.0
    if trace:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return elapsed, export.rows, written, peak, rss_peak - rss_before


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=default_database_url(), help="ledger database URL")
    parser.add_argument("--rows", type=int, default=100_000, help="rows per export (limit)")
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated formats")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per format (best is shown)")
    parser.add_argument("--fill", type=int, default=0, help="first ingest N synthetic actions")
    args = parser.parse_args(argv)

    ledger = Ledger(args.url, rate_limits=None)
    ledger.init()
    if args.fill:
        fill(ledger, args.fill)
    me = _superuser(ledger)
    print(f"{ledger.dialect}: {args.url}")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'format':6} {'rows':>8} {'MB':>7} {'best s':>7} {'rows/s':>9} {'traced peak MB':>15} "
          f"{'RSS growth MB':>14} {'first-run RSS MB':>17}")
    for fmt in args.formats.split(","):
        *_, first_growth = run_once(ledger, me, fmt, args.rows, trace=False)  # warms caches
        best = None
        growth = 0.0
        for _ in range(max(1, args.repeat)):
            elapsed, rows, written, _, rss = run_once(ledger, me, fmt, args.rows, trace=False)
            best = elapsed if best is None else min(best, elapsed)
            growth = max(growth, rss)
        _, _, _, peak, _ = run_once(ledger, me, fmt, args.rows, trace=True)
        print(f"{fmt:6} {rows:>8} {written / 2**20:>7.1f} {best:>7.2f} {rows / best:>9,.0f} "
              f"{peak:>15.1f} {growth:>14.1f} {first_growth:>17.1f}", flush=True)
    print("traced peak: Python allocations during one export (tracemalloc); RSS growth: the process's"
          " own resident memory (RssAnon: mapped database pages left out) during a warm export; first-run"
          " RSS includes the database page cache filling (SQLite: up to cache_size, 16 MB per connection"
          " in db.py).")
    ledger.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
