"""Side by side on ONE SQLite ledger file: our query, the bare SQL it runs, Datasette's table view.

    python bench/bench_sidebyside.py --url sqlite:////tmp/sbs-small.db --repeat 20 --json bench/out/sidebyside.json

For each shape (same filter, sort and page, as the superuser, who has no scope filter, so
Datasette sees the same rows), warm (`--warmup` untimed runs, then `--repeat` timed ones):

1. ours: `Ledger.query(root, **params)` as bench/bench_query.py calls it (a page of
   `LedgerEntry` objects and its exact total, in one read snapshot);
2. bare SQL: the very SELECTs that call executed (captured from the engine with their
   bound parameters: the exact total, from a rollup where one answers, and the page), run
   on a raw `sqlite3` connection to the same file, all of them timed together (a total
   from the rollups may be several sums; every shape's total is checked against a count
   of the entries themselves, untimed);
3. Datasette (pinned in bench/requirements-datasette.txt, installed into `.venv-datasette`
   by this script, never a runtime dependency): its table view `.json` for the same
   filter, sort and page, timed in a worker process through `Datasette.client` (its ASGI
   app in that process: no socket, no HTTP parsing). By default that view runs the page
   (`limit size+1`), a `count(*)` of the filter (1 s time limit) and, on a first page
   only, suggested facets (for every column a `group by`, a JSON-array and a date probe,
   50 ms limit each); the `_nosuggest=1` column shows the page and count alone.

The page ids of all three, and the totals of ours, Datasette and the entries' count,
must be equal (a mismatch is printed instead of the figure).
Prints a Markdown table; `--json PATH` writes every figure. Never run as a test: the
figures depend on the machine.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, select, true  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from ledger_core import Ledger  # noqa: E402
from ledger_core.contract.common import Principal  # noqa: E402
from ledger_core.contract.query import LedgerQuery  # noqa: E402
from ledger_core.read.filters import where  # noqa: E402
from ledger_core.read.query import ORDER_COLUMNS  # noqa: E402
from ledger_core.store.schema import ledger_entries as le  # noqa: E402

DATASETTE_VENV = ROOT / ".venv-datasette"
DATASETTE_REQUIREMENTS = ROOT / "bench" / "requirements-datasette.txt"
DATASETTE_WORKER = ROOT / "bench" / "datasette_worker.py"
TARGET_OURS_OVER_BARE = 1.5
TARGET_DATASETTE_OVER_OURS = 10.0
# The SQLite settings our engine gives each connection that matter to a read
# (`store.db._configure_sqlite`); the bare connection gets them too, so that the
# ours/bare ratio measures our Python layer, not a different page cache.
READ_PRAGMAS = ("PRAGMA cache_size=-16384", "PRAGMA temp_store=MEMORY")


# --- shapes -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Shape:
    name: str
    params: dict[str, Any]  # `Ledger.query` parameters, page size added by `build_shapes`


def build_shapes(ledger: Ledger, page_size: int, agent: str) -> list[Shape]:
    """The shapes, with a quarter ending on the newest entry's day (as bench_query.py)."""
    with ledger.engine.connect() as conn:
        newest = conn.execute(select(func.max(le.c.timestamp))).scalar_one()
    end_day = newest.date().isoformat()
    quarter_start = (newest - timedelta(days=91)).date().isoformat()
    shapes = [
        Shape("first page (newest)", {}),
        Shape("outcome=blocked", {"outcome": "blocked"}),
        Shape(f"agent_id={agent}", {"agent_id": agent}),
        Shape("min_cost 0.01", {"min_cost": "0.01"}),
        Shape("one quarter", {"start_date": quarter_start, "end_date": end_day}),
        Shape("sort cost desc", {"sort_by": "cost"}),
        Shape("deep page (page 100)", {"page": 100}),
    ]
    return [Shape(s.name, {**s.params, "page_size": page_size}) for s in shapes]


# Our filters that are one Datasette column filter: (column, Datasette operator).
DATASETTE_FILTERS = {
    "outcome": (le.c.outcome, "exact"),
    "action_name": (le.c.action_name, "exact"),
    "agent_id": (le.c.agent_id, "exact"),
    "min_cost": (le.c.cost_usd, "gte"),
    "max_cost": (le.c.cost_usd, "lte"),
    "start_date": (le.c.timestamp, "gte"),
    "end_date": (le.c.timestamp, "lte"),
}


def datasette_args(request: LedgerQuery, engine: Engine) -> dict[str, str]:
    """Datasette table-view arguments for the filter, sort and page size of `request`.

    Values are converted by the column's own SQLAlchemy type for this dialect, so they
    are what the file holds (a cost as an integer count of 1e-10 USD, a timestamp as
    `YYYY-MM-DD HH:MM:SS.ffffff` text). The page itself is not here: Datasette pages
    by keyset (`_next`), see `DatasetteWorker.next_token`.
    """
    args: dict[str, str] = {}
    for name, value in request.model_dump(exclude_defaults=True).items():
        if name in ("page", "page_size", "sort_by", "sort_order"):
            continue
        if name not in DATASETTE_FILTERS:
            raise ValueError(f"no Datasette table-view filter for {name!r} (search needs FTS)")
        column, operator = DATASETTE_FILTERS[name]
        process = column.type.dialect_impl(engine.dialect).bind_processor(engine.dialect)
        args[f"{column.name}__{operator}"] = str(process(value) if process else value)
    sort_columns = ORDER_COLUMNS[request.sort_by]
    if len(sort_columns) > 1:
        raise ValueError(f"no Datasette table-view sort for {request.sort_by!r} (it sorts on one column and the key)")
    sort_column = sort_columns[0]
    args["_sort_desc" if request.sort_order == "desc" else "_sort"] = sort_column
    args["_size"] = str(request.page_size)
    return args


# --- timing -----------------------------------------------------------------------------

@dataclass
class Result:
    """Timings (ms) of one contender on one shape, the page's ids and its total."""

    timings: list[float]
    ids: list[str]
    total: int | None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def p50(self) -> float:
        return statistics.median(self.timings)

    @property
    def p95(self) -> float:
        """Nearest rank, as bench/bench_query.py."""
        ordered = sorted(self.timings)
        return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]

    def to_json(self) -> dict[str, Any]:
        return {"p50_ms": round(self.p50, 3), "p95_ms": round(self.p95, 3), "total": self.total,
                "ids": self.ids, "timings_ms": [round(t, 3) for t in self.timings], **self.extra}


def timed(run: Callable[[], Any], warmup: int, repeat: int) -> tuple[list[float], Any]:
    """`run` `warmup` times untimed, then `repeat` times timed; its last result."""
    for _ in range(warmup):
        run()
    timings = []
    outcome = None
    for _ in range(repeat):
        started = time.perf_counter()
        outcome = run()
        timings.append((time.perf_counter() - started) * 1000)
    return timings, outcome


def normal_id(value: Any) -> str:
    """An entry id as 32 hex digits, whichever form it came in (UUID, hex text)."""
    return uuid.UUID(str(value)).hex


def measure_ours(ledger: Ledger, principal: Principal, params: dict[str, Any],
                 warmup: int, repeat: int) -> Result:
    timings, page = timed(lambda: ledger.query(principal, **params), warmup, repeat)
    return Result(timings, [normal_id(item.id) for item in page.items], page.total)


def captured_selects(ledger: Ledger, principal: Principal, params: dict[str, Any]) -> list[tuple[str, Any]]:
    """The SELECT statements (with their DBAPI parameters) that one `Ledger.query` call
    executes: its total (on `ledger_entries` or a rollup) and its page, if any."""
    seen: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(ledger.engine, "before_cursor_execute", record)
    try:
        ledger.query(principal, **params)
    finally:
        event.remove(ledger.engine, "before_cursor_execute", record)
    return seen


def run_bare(conn: sqlite3.Connection, statements: list[tuple[str, Any]]) -> list[str]:
    """Run the captured statements (the total's, then the page's); the page is the result
    with an `id` column. The total's statements are not added up here: a total read from
    a rollup may be several sums, some of them taken away (`rollups.read.period_spans`),
    and the signs are not in the SQL (`entry_count` checks the total instead)."""
    ids: list[str] = []
    for statement, parameters in statements:
        cursor = conn.execute(statement, parameters)
        rows = cursor.fetchall()
        names = [d[0] for d in cursor.description]
        if "id" in names:
            ids = [row[names.index("id")] for row in rows]
    return ids


def entry_count(ledger: Ledger, params: dict[str, Any]) -> int:
    """The shape's total counted from the entries themselves (untimed): what ours and
    Datasette must both show."""
    request = LedgerQuery.parse(**params)
    with ledger.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(le).where(where(conn, true(), request))).scalar_one()


def measure_bare(database: str, statements: list[tuple[str, Any]], total: int, warmup: int, repeat: int) -> Result:
    conn = sqlite3.connect(database, isolation_level=None)
    try:
        for pragma in READ_PRAGMAS:
            conn.execute(pragma)
        timings, ids = timed(lambda: run_bare(conn, statements), warmup, repeat)
    finally:
        conn.close()
    return Result(timings, [normal_id(i) for i in ids], total,
                  {"statements": [{"sql": sql, "parameters": list(p)} for sql, p in statements]})


# --- Datasette --------------------------------------------------------------------------

class DatasetteUnavailable(RuntimeError):
    """The Datasette venv could not be built or its worker did not start."""


def ensure_datasette_venv(venv: Path, requirements: Path) -> Path:
    """The venv's python, (re)built when missing or when the requirements changed."""
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    wanted = hashlib.sha256(requirements.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return python
    print(f"building {venv} from {requirements.name} ...", file=sys.stderr)
    steps = [[sys.executable, "-m", "venv", str(venv)],
             [str(python), "-m", "pip", "install", "--quiet", "-r", str(requirements)]]
    for step in steps:
        result = subprocess.run(step, capture_output=True, text=True)
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise DatasetteUnavailable(f"`{' '.join(step[:3])} ...` failed: {last}")
    stamp.write_text(wanted + "\n")
    return python


class DatasetteWorker:
    """bench/datasette_worker.py in the Datasette venv, spoken to in JSON lines."""

    def __init__(self, python: Path, database: str) -> None:
        self.process = subprocess.Popen([str(python), str(DATASETTE_WORKER), database],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        hello = self._read()
        if not hello.get("ready"):
            self.close()
            raise DatasetteUnavailable(f"worker did not start: {hello}")
        self.database: str = hello["database"]
        self.version: str = hello["datasette"]
        self.sqlite_version: str = hello["sqlite"]

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise DatasetteUnavailable(f"worker exited ({self.process.wait()})")
        return json.loads(line)

    def _ask(self, **request: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        reply = self._read()
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply

    def path(self, args: dict[str, str]) -> str:
        return f"/{self.database}/{le.name}.json?{urlencode(args)}"

    def next_token(self, args: dict[str, str], page: int) -> str:
        """The `_next` token of page `page` (0-based), by walking the pages before it
        (untimed; without their count, which the token does not depend on)."""
        return self._ask(op="walk", path=self.path({**args, "_nocount": "1"}), pages=page)["next"]

    def measure(self, args: dict[str, str], warmup: int, repeat: int) -> Result:
        path = self.path(args)
        reply = self._ask(op="time", path=path, warmup=warmup, repeat=repeat)
        return Result(reply["timings_ms"], [normal_id(i) for i in reply["ids"]], reply["count"], {"path": path})

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=30)


def describe(worker: DatasetteWorker | None) -> str:
    assert worker is not None
    return f"{worker.version} (SQLite {worker.sqlite_version}), `Datasette.client` in-process, default settings"


def start_datasette(args: argparse.Namespace, database: str) -> tuple[DatasetteWorker | None, str | None]:
    """The worker, or None and why not."""
    if args.no_datasette:
        return None, "skipped (--no-datasette)"
    try:
        python = Path(args.datasette_python) if args.datasette_python else \
            ensure_datasette_venv(DATASETTE_VENV, DATASETTE_REQUIREMENTS)
        return DatasetteWorker(python, database), None
    except (DatasetteUnavailable, OSError) as exc:
        return None, f"unavailable: {exc}"


def measure_datasette(worker: DatasetteWorker, request: LedgerQuery, engine: Engine,
                      warmup: int, repeat: int) -> tuple[Result, Result]:
    """Datasette's default table view and the same with `_nosuggest=1`."""
    args = datasette_args(request, engine)
    if request.page:
        args["_next"] = worker.next_token(args, request.page)
    return (worker.measure(args, warmup, repeat),
            worker.measure({**args, "_nosuggest": "1"}, warmup, repeat))


# --- report -----------------------------------------------------------------------------

def compare(ours: Result, other: Result | None) -> str | None:
    """None when `other` shows the same page as ours, else what differs."""
    if other is None:
        return None
    if other.ids != ours.ids:
        same_set = sorted(other.ids) == sorted(ours.ids)
        return f"MISMATCH: page ids differ ({'same rows, other order' if same_set else 'other rows'})"
    if other.total is not None and other.total != ours.total:
        return f"MISMATCH: total {other.total:,} vs ours {ours.total:,}"
    return None


def shape_report(shape: Shape, ours: Result, bare: Result, datasette: Result | None,
                 nosuggest: Result | None) -> dict[str, Any]:
    report: dict[str, Any] = {"shape": shape.name, "params": shape.params, "ours": ours.to_json(),
                              "bare_sql": bare.to_json(), "mismatches": {}}
    for name, other in (("bare_sql", bare), ("datasette", datasette), ("datasette_nosuggest", nosuggest)):
        if name != "bare_sql" and other is not None:
            report[name] = other.to_json()
        problem = compare(ours, other)
        if problem:
            report["mismatches"][name] = problem
    ratios = {}
    if "bare_sql" not in report["mismatches"]:
        ratios["ours_over_bare"] = round(ours.p50 / bare.p50, 3)
    if datasette is not None and "datasette" not in report["mismatches"]:
        ratios["datasette_over_ours"] = round(datasette.p50 / ours.p50, 3)
    if nosuggest is not None and "datasette_nosuggest" not in report["mismatches"]:
        ratios["datasette_nosuggest_over_ours"] = round(nosuggest.p50 / ours.p50, 3)
    report["ratios_p50"] = ratios
    return report


def _cell(report: dict[str, Any], name: str) -> str:
    if name in report["mismatches"]:
        return f"**{report['mismatches'][name]}**"
    if name not in report:
        return "n/a"
    return f"{report[name]['p50_ms']:.1f} / {report[name]['p95_ms']:.1f}"


def _ratio(report: dict[str, Any], key: str, target: float, at_most: bool) -> str:
    value = report["ratios_p50"].get(key)
    if value is None:
        return "n/a"
    met = value <= target if at_most else value >= target
    return f"{value:.2f}x" if met else f"**{value:.2f}x** (target {'≤' if at_most else '≥'}{target:g}x)"


def markdown(meta: dict[str, Any], reports: list[dict[str, Any]]) -> str:
    lines = [
        f"SQLite {meta['sqlite']}, {meta['entries']:,} actions in `{meta['database']}`, as {meta['principal']} "
        f"(no scope filter), page of {meta['page_size']}, {meta['warmup']} warm-up + {meta['repeat']} timed runs, "
        f"ms p50 / p95, ratios of the p50s. Datasette: {meta['datasette']}.",
        "",
        "| shape | total | ours (Python API) | bare SQL (sqlite3) | ours/bare (≤1.5x) "
        "| Datasette (default) | Datasette/ours (≥10x) | Datasette `_nosuggest=1` | that/ours |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in reports:
        lines.append(
            f"| {r['shape']} | {r['ours']['total']:,} | {_cell(r, 'ours')} | {_cell(r, 'bare_sql')} "
            f"| {_ratio(r, 'ours_over_bare', TARGET_OURS_OVER_BARE, True)} | {_cell(r, 'datasette')} "
            f"| {_ratio(r, 'datasette_over_ours', TARGET_DATASETTE_OVER_OURS, False)} "
            f"| {_cell(r, 'datasette_nosuggest')} "
            f"| {_ratio(r, 'datasette_nosuggest_over_ours', TARGET_DATASETTE_OVER_OURS, False)} |")
    lines += ["", *[f"- {note}" for note in meta["notes"]]]
    return "\n".join(lines)


NOTES = [
    "ours: `Ledger.query` (validation, one read snapshot, the exact total, where possible "
    "from a rollup, and the page as `LedgerEntry` objects); not JSON-encoded, unlike Datasette's answer.",
    "bare SQL: the SELECTs that same call executed, with its parameters, on a raw sqlite3 "
    "connection with our cache settings, autocommit (no BEGIN), rows fetched as plain tuples: "
    "ours/bare is our Python layer (SQLAlchemy, decoding 4 JSON columns, UUIDs, timestamps and "
    "exact costs per row, building `LedgerEntry` objects, the snapshot's BEGIN/ROLLBACK).",
    "Datasette: its table view `.json`, in its own process through `Datasette.client.get` "
    "(its ASGI app in-process: no socket, no HTTP parsing), default settings. Default view: "
    "page query (`limit size+1`), `count(*)` of the filter (its total: ours may read a rollup "
    "instead), and on first pages suggested facets (per column a `group by` plus JSON-array "
    "and date probes, 50 ms time limit each); `_nosuggest=1` keeps page and count only.",
    "Deep page: ours uses OFFSET (page 100); Datasette a keyset `_next` token, found by "
    "walking pages 0-99 untimed. Datasette breaks sort ties by primary key (org_id, id) "
    "ascending, only on `_next` pages; ours by id in the sort's direction: a tie across a "
    "page edge shows as a mismatch.",
    "search is not compared: Datasette's `_search` needs an FTS table.",
]


# --- main -------------------------------------------------------------------------------

def sqlite_file(url: str) -> str:
    if not url.startswith("sqlite:///"):
        raise SystemExit("Datasette reads SQLite files only: give --url sqlite:///PATH")
    path = url.removeprefix("sqlite:///")
    if not Path(path).exists():
        raise SystemExit(f"{path} does not exist: load it first with "
                         f"`python -m ledger_core --database-url {url} demo --actions N`")
    return path


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="sqlite:///data/bench-1m.db", help="an existing SQLite ledger")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--principal", default="root", help="a superuser's username")
    parser.add_argument("--agent", default="prod-agent-3")
    parser.add_argument("--json", metavar="PATH", help="also write every figure as JSON")
    parser.add_argument("--no-datasette", action="store_true", help="ours and bare SQL only")
    parser.add_argument("--datasette-python", metavar="PATH",
                        help="a python with Datasette installed (default: build .venv-datasette)")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    database = sqlite_file(args.url)
    ledger = Ledger(args.url, rate_limits=None)
    principal = ledger.principal(args.principal)
    if principal.role != "superuser":
        raise SystemExit(f"{args.principal} is a {principal.role}: Datasette has no scope, use a superuser")
    with ledger.engine.connect() as conn:
        entries = conn.execute(select(func.count()).select_from(le)).scalar_one()
    worker, datasette_note = start_datasette(args, database)
    meta = {"database": database, "entries": entries, "sqlite": sqlite3.sqlite_version,
            "principal": f"{principal.user_id} ({principal.role})", "page_size": args.page_size,
            "warmup": args.warmup, "repeat": args.repeat, "load_average": list(os.getloadavg()),
            "datasette": datasette_note or describe(worker),
            "targets": {"ours_over_bare_max": TARGET_OURS_OVER_BARE,
                        "datasette_over_ours_min": TARGET_DATASETTE_OVER_OURS},
            "notes": NOTES}
    reports = []
    try:
        for shape in build_shapes(ledger, args.page_size, args.agent):
            print(f"... {shape.name}", file=sys.stderr, flush=True)
            ours = measure_ours(ledger, principal, shape.params, args.warmup, args.repeat)
            bare = measure_bare(database, captured_selects(ledger, principal, shape.params),
                                entry_count(ledger, shape.params), args.warmup, args.repeat)
            datasette = nosuggest = None
            if worker is not None:
                datasette, nosuggest = measure_datasette(worker, LedgerQuery.parse(**shape.params),
                                                         ledger.engine, args.warmup, args.repeat)
            reports.append(shape_report(shape, ours, bare, datasette, nosuggest))
    finally:
        if worker is not None:
            worker.close()
        ledger.dispose()
    print(markdown(meta, reports))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"meta": meta, "shapes": reports}, indent=1) + "\n")
        print(f"wrote {args.json}", file=sys.stderr)
    return 1 if any(r["mismatches"] for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
