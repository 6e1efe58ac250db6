"""Chain verification throughput (never run as a test).

    python -m ledger_core --database-url sqlite:////tmp/verify-1m.db demo --actions 1000000
    python bench/bench_verify.py --url sqlite:////tmp/verify-1m.db
    python bench/bench_verify.py --url postgresql+psycopg://postgres@127.0.0.1:5432/ledger --repeat 1

Runs `integrity.verify_ledger` over every organization (what `python -m ledger_core verify`
does) --repeat times and prints, per run, the entries verified, the wall clock, entries/s,
the CPU time of this process (SQLite runs in it; PostgreSQL's share is not counted) and the
peak resident memory; then the best run and the time it implies for 1,000,000
entries. The first run also fills the database page cache. Verification must find the
ledger intact (the script says so otherwise).
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledger_core import Ledger  # noqa: E402
from ledger_core.config import default_database_url  # noqa: E402
from ledger_core.integrity.verify import verify_ledger  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=default_database_url())
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ledger = Ledger(args.url, rate_limits=None)
    ledger.init()
    print(f"{ledger.dialect}: {ledger.engine.url.render_as_string(hide_password=True)}")
    best = None
    where = (": SQLite runs in it, so on a shared machine this is what the run costs" if ledger.dialect == "sqlite"
             else ": the hashing; the server renders the rows")
    for run in range(1, args.repeat + 1):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = verify_ledger(ledger.engine)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rate = result.entries / seconds if seconds else 0.0
        print(f"run {run}: {result.entries:,} entries of {len(result.organizations)} organizations in "
              f"{seconds:.1f} s = {rate:,.0f} entries/s (CPU of this process {cpu:.1f} s{where}); "
              f"peak RSS {peak_mb:.0f} MB; "
              f"{'intact' if result.ok else 'DAMAGED: ' + ', '.join(o.org_id for o in result.damaged)}")
        best = rate if best is None else max(best, rate)
    if best:
        print(f"best: {best:,.0f} entries/s, i.e. {1_000_000 / best:.1f} s per 1,000,000 entries")
    ledger.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
