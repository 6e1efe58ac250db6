"""`make bench`: run the bench scripts against existing bench ledgers and write BENCHMARKS.md.

    python bench/run_all.py --sqlite sqlite:////tmp/perf-1m.db \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/ledger_bench_1m

Each URL must already hold demo data (`python -m ledger_core --database-url URL demo
--actions N`); a missing one is skipped. On the SQLite ledger, bench/bench_sidebyside.py
also compares our query with its bare SQL and with Datasette (it builds `.venv-datasette`
on its first run; `--skip-sidebyside` leaves it out, e.g. where that venv cannot be built),
its figures also in bench/out/sidebyside.json. bench/bench_ingest.py times a bulk load of
`--ingest-actions` demo actions into fresh ledgers on both backends. The machine, versions, the load average before
each script and every script's table go into BENCHMARKS.md (figures depend on the
machine and on what else runs on it: never a test).
"""
from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _load() -> str:
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def _postgres_version(url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SHOW server_version")).scalar_one()
    except Exception as exc:  # noqa: BLE001 - reported, not fatal
        return f"unreachable ({type(exc).__name__})"
    finally:
        engine.dispose()


def _server_url(url: str) -> str:
    """`url` on the server's `postgres` database: bench_ingest creates its own databases there."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


def _run(script: str, *args: str) -> str:
    started = _load()
    result = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args],
                            capture_output=True, text=True, cwd=ROOT)
    body = result.stdout.strip() or f"(failed: {result.stderr.strip().splitlines()[-1:]})"
    return f"`bench/{script} {' '.join(args)}` ({started} at the start)\n\n{body}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite", default="sqlite:////tmp/perf-1m.db")
    parser.add_argument("--postgres", action="append",
                        help="a PostgreSQL bench ledger (repeat for several sizes; default: ledger_bench_1m)")
    parser.add_argument("--repeat", default="10")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument("--ingest-actions", type=int, default=200_000,
                        help="bench_ingest.py: actions of the bulk load into fresh ledgers (0: skip it)")
    parser.add_argument("--skip-sidebyside", action="store_true",
                        help="leave out bench_sidebyside.py (ours vs bare SQL vs Datasette, SQLite only)")
    args = parser.parse_args()
    postgres = args.postgres or ["postgresql+psycopg://postgres@127.0.0.1:5432/ledger_bench_1m"]
    sections = []
    for name, url in (("SQLite", args.sqlite), *(("PostgreSQL", url) for url in postgres)):
        path = url.removeprefix("sqlite:///") if url.startswith("sqlite") else None
        if path is not None and not Path(path).exists():
            sections.append(f"## {name}\n\nskipped: {path} does not exist\n")
            continue
        if path is None and _postgres_version(url).startswith("unreachable"):
            sections.append(f"## {name}\n\nskipped: {url} is unreachable\n")
            continue
        sections.append(f"## {name} ({url})\n")
        sections.append(_run("bench_stats.py", "--url", url, "--repeat", args.repeat))
        sections.append(_run("bench_query.py", "--url", url, "--repeat", args.repeat, "--actions", "0"))
        sections.append(_run("bench_export.py", "--url", url, "--formats", "csv,jsonl", "--repeat", "3"))
        if path is not None and not args.skip_sidebyside:
            sections.append(_run("bench_sidebyside.py", "--url", url, "--repeat", args.repeat,
                                 "--json", "bench/out/sidebyside.json"))
    if args.ingest_actions:
        sections.append("## Bulk load\n")
        sections.append(_run("bench_ingest.py", "--actions", str(args.ingest_actions), "--postgres",
                             _server_url(postgres[0])))
    header = f"""# Benchmarks

Written by `make bench` (`bench/run_all.py`) on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC.

- Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}
- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, PostgreSQL {_postgres_version(postgres[0])}
- Data: the deterministic demo data set (`python -m ledger_core demo --actions N`: 4 organizations,
  20 users, 18 months); N is in each table's heading. Warm runs, times in ms (p50 / p95),
  matching totals in brackets. Other jobs may share the machine: the load average is noted
  before each script.
"""
    Path(args.out).write_text(header + "\n" + "\n".join(sections))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
