"""Bulk load throughput: the demo data set into a fresh ledger, per backend (never a test).

    python bench/bench_ingest.py --actions 200000
    python bench/bench_ingest.py --actions 1000000 --backends postgresql \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

Each run loads `--actions` demo actions exactly as `python -m ledger_core demo` does
(generated in time order, validated, hash-chained, rollups kept, query indexes built at
the end) into a new SQLite file under a temporary directory, or a new PostgreSQL database
created next to `--postgres` (dropped afterwards unless `--keep`). The demo users are
created first, with their bcrypt password hashes: that part is timed apart.

`--as-of N` generates the actions of an N-action demo and loads its first `--actions`:
the same time span gets denser as N grows, so fewer rollup rows per action, and a part
of a 10M load is measured in minutes instead of an hour.

Printed per backend: the ingest rate (actions/s up to the last row written), the index
build (and planner statistics) that follows, and the whole load.
"""
from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from ledger_core import Ledger  # noqa: E402
from ledger_core.demo.generator import generate_actions  # noqa: E402
from ledger_core.demo.loader import load_demo  # noqa: E402


def _fresh_postgres(base: str) -> tuple[str, str]:
    name = f"ledger_bench_ingest_{uuid.uuid4().hex[:8]}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return str(make_url(base).set(database=name)), name


def _drop_postgres(base: str, name: str) -> None:
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def measure(url: str, actions: int, as_of: int) -> dict[str, float]:
    """Load the demo users, then `actions` demo actions; the seconds of each part."""
    ledger = Ledger(url)
    ledger.init()
    started = time.perf_counter()
    load_demo(ledger, actions=0)  # organizations and users only (bcrypt)
    users_done = time.perf_counter()
    rows_done: list[float] = []

    def progress(line: int, _report) -> None:  # type: ignore[no-untyped-def]
        if line == -1:
            rows_done.append(time.perf_counter())

    records = itertools.islice(itertools.chain.from_iterable(generate_actions(actions=max(actions, as_of))), actions)
    report = ledger.ingest(records, progress=progress, bulk=True)
    finished = time.perf_counter()
    ledger.dispose()
    if report.added != actions:
        raise SystemExit(f"expected {actions} actions added, got {report.summary()}")
    return {"users": users_done - started, "rows": rows_done[0] - users_done,
            "indexes": finished - rows_done[0], "total": finished - users_done}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actions", type=int, default=200_000)
    parser.add_argument("--as-of", type=int, default=0, help="generate as for a demo of N actions (the density)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="a PostgreSQL server (its database is only used to create the bench database)")
    parser.add_argument("--keep", action="store_true", help="keep the loaded ledgers")
    args = parser.parse_args()
    density = f", the first of a {args.as_of:,}-action demo" if args.as_of > args.actions else ""
    print(f"{args.actions:,} demo actions{density} into an empty ledger (`demo`'s bulk load)\n")
    print("| backend | ingest | actions/s | index build | whole load | actions/s overall | users (bcrypt) |")
    print("|---|---|---|---|---|---|---|")
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix="bench-ingest-") as scratch:
            if backend == "sqlite":
                url, name = f"sqlite:///{scratch}/ledger.db", None
                if args.keep:
                    url = f"sqlite:////tmp/bench-ingest-{args.actions}.db"
                    Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
            else:
                url, name = _fresh_postgres(args.postgres)
            try:
                t = measure(url, args.actions, args.as_of)
            finally:
                if name is not None and not args.keep:
                    _drop_postgres(args.postgres, name)
        print(f"| {backend} | {t['rows']:.1f} s | {args.actions / t['rows']:,.0f} | {t['indexes']:.1f} s "
              f"| {t['total']:.1f} s | {args.actions / t['total']:,.0f} | {t['users']:.1f} s |", flush=True)
        if args.keep:
            print(f"  kept: {url}")


if __name__ == "__main__":
    main()
