#!/usr/bin/env python3
"""Server time of each page of the browser app after a filter change (issue #6: < 300 ms).

usage: .venv/bin/python bench/bench_pages.py --db sqlite:////tmp/ledger-1m.db [--repeat 3]

Runs the app in-process with Streamlit's AppTest (the same script run a browser session
triggers, without the network and the browser's drawing), signed in as root (superuser),
bob (org admin of acme) and alice (user), and times one script run per step: the first
load of a page (cold caches), then filter changes, each a new request (so never served from
the result cache). Prints one line per step: median and max of --repeat fresh sessions.
Never run as a test.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LEDGER_COOKIE_KEY", "bench-cookie-key-" + "k" * 32)

from streamlit.testing.v1 import AppTest  # noqa: E402

from ledger_core import Ledger  # noqa: E402
from ledger_ui import navigation  # noqa: E402

ENTRY = str(ROOT / "tests" / "ui" / "app_entry.py")
Step = tuple[str, Callable[[AppTest], None]]


def session(username: str, role: str) -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=120)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["roles"] = [role]
    return at


def timed(at: AppTest) -> float:
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise SystemExit(f"the page failed: {at.exception[0].value}")
    return elapsed * 1000


def steps_for(page: str, facts: dict[str, str]) -> list[Step]:
    def select(key: str, value: object) -> Callable[[AppTest], None]:
        return lambda at: at.selectbox(key=key).select(value) and None

    def text(key: str, value: str) -> Callable[[AppTest], None]:
        return lambda at: at.text_input(key=key).input(value) and None

    def dates(prefix: str) -> Callable[[AppTest], None]:
        from datetime import date, timedelta

        def change(at: AppTest) -> None:
            end = date.fromisoformat(facts["last_day"])
            at.date_input(key=f"{prefix}.start_date").set_value(end - timedelta(days=90))
            at.date_input(key=f"{prefix}.end_date").set_value(end)
        return change

    if page == "ledger":
        return [("next page", lambda at: at.button(key="ledger.next").click() and None),
                ("page size 1000", select("ledger.page_size", 1000)),
                ("page size 100", select("ledger.page_size", 100)),
                ("outcome=error", select("ledger.outcome", "error")),
                ("+ agent", select("ledger.agent_id", facts["agent"])),
                ("+ last 90 days", dates("ledger")),
                ("sort by cost", select("ledger.sort_by", "cost")),
                ("search 'query'", text("ledger.search", "query"))]
    if page == "stats":
        return [("agent", select("stats.agent_id", facts["agent"])),
                ("30 days", select("stats.period", "30d")),
                ("90 days", select("stats.period", "90d")),
                ("all agents", select("stats.agent_id", None)),
                ("all time", select("stats.period", "all")),
                ("min risk high", select("stats.min_risk", "high"))]
    if page == "export":
        return [("outcome=blocked", select("export.outcome", "blocked")),
                ("+ last 90 days", dates("export"))]
    if page == "runs":
        return [("open a run", text("runs.run_id", facts["run_id"])),
                ("agent", select("runs.agent_id", facts["agent"]))]
    if page == "live":
        return [("outcome=error", select("live.outcome", "error"))]
    return []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pages", default="", help="comma-separated URL paths (default: every page a user may open)")
    args = parser.parse_args()
    os.environ["LEDGER_DATABASE_URL"] = args.db
    ledger = Ledger(args.db, rate_limits=None)
    from ledger_ui.resources import reset_caches

    print(f"{'user':6} {'page':7} {'step':18} {'median ms':>10} {'max ms':>8}")
    for username in ("root", "bob", "alice"):
        principal = ledger.principal(username)
        newest = ledger.query(principal, page_size=1).items[0]
        facts = {"agent": newest.agent_id, "run_id": str(newest.run_id), "last_day": f"{newest.timestamp:%Y-%m-%d}"}
        pages = [spec.url_path for spec in navigation.PAGES if principal.role in spec.roles
                 and (not args.pages or spec.url_path in args.pages.split(","))]
        for page in pages:
            results: dict[str, list[float]] = {}
            for _ in range(args.repeat):
                reset_caches()
                at = session(username, principal.role)
                if page != "ledger":  # people land on the Ledger page first
                    at.run()
                    at.switch_page(navigation.page(page))
                results.setdefault("first load", []).append(timed(at))
                for name, change in steps_for(page, facts):
                    change(at)
                    results.setdefault(name, []).append(timed(at))
            for name, times in results.items():
                print(f"{username:6} {page:7} {name:18} {statistics.median(times):10.0f} {max(times):8.0f}")
    ledger.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
