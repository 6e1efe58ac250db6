#!/usr/bin/env python3
"""Screenshots of every page of the browser app, for docs/app.md and the README.

usage: .venv/bin/python scripts/screenshots.py [--db URL] [--out docs/screenshots] [--only NAME ...]

Starts `streamlit run app.py` on a free port in 8600-8699 against --db (default: the app's
own setting, e.g. the demo data of `make run`), signs in as the demo org admin `bob` (the
Admin page of a superuser as `root`), opens each page as a person would (the Ledger page
with an entry selected, the Runs page with a run open, the Compliance page on Q4 2024) and
saves one PNG per page (`--only compliance`: just those). Needs playwright and Debian's
chromium, like the browser tests.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from ledger_core import Ledger, database_url  # noqa: E402
from tests.ui.browser import CHROMIUM_ARGS, assert_clean, chromium_path, log_in, start_server, wait_idle  # noqa: E402

WIDTH = 1400
ONLY: set[str] = set()  # --only: the pictures to save (empty: all)


def shoot(page: Page, out: Path, name: str, height: int) -> None:
    page.set_viewport_size({"width": WIDTH, "height": height})
    wait_idle(page, hold=1.0)
    if ONLY and name not in ONLY:
        return
    assert_clean(page)
    page.screenshot(path=str(out / f"{name}.png"))
    print(f"{out / name}.png")


def click_first_row(page: Page, height: int, index: int = 0) -> None:
    """Tick the first row of a table (the grid is a canvas: click by coordinates)."""
    page.set_viewport_size({"width": WIDTH, "height": height})
    wait_idle(page)
    grid = page.get_by_test_id("stDataFrame").nth(index)
    box = grid.bounding_box()
    assert box, "no table to click"
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
    page.mouse.move(5, 5)  # no hover toolbar over the table in the picture
    wait_idle(page, hold=1.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=database_url())
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--only", nargs="*", default=[], help="save only these (login, ledger, stats, ...)")
    args = parser.parse_args()
    ONLY.update(args.only)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ledger = Ledger(args.db, rate_limits=None)
    bob = ledger.principal("bob")
    run = ledger.runs(bob, page_size=20).items
    run_id = next((r.id for r in run if r.errors and r.actions >= 5), run[0].id)
    server = start_server(args.db, Path(tempfile.gettempdir()) / f"screenshots-{os.getpid()}.log")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": WIDTH, "height": 900}).new_page()
            page.goto(server.base_url)
            shoot(page, out, "login", 700)
            log_in(page, server.base_url, "bob", "bob-demo-pass", "ledger?outcome=error")
            click_first_row(page, 1800)
            shoot(page, out, "ledger", 1800)
            for name, path, height in [("stats", "stats?period=90d", 2000), ("live", "live", 1000),
                                       ("compliance", "compliance?start_date=2024-10-01&end_date=2024-12-31", 2300)]:
                page.goto(f"{server.base_url}/{path}")
                shoot(page, out, name, height)
            page.goto(f"{server.base_url}/export?outcome=blocked&limit=1000")
            wait_idle(page)
            with page.expect_download():  # so that the export log has a line
                page.get_by_role("button", name="Download CSV").click()
            page.reload()
            shoot(page, out, "export", 1100)
            page.goto(f"{server.base_url}/runs?run_id={run_id}")
            wait_idle(page, hold=1.0)
            shoot(page, out, "runs", 1900)
            page.context.close()
            page = browser.new_context(viewport={"width": WIDTH, "height": 900}).new_page()
            log_in(page, server.base_url, "root", "root-demo-pass", "admin")
            shoot(page, out, "admin", 1100)
            browser.close()
    finally:
        server.stop()
        ledger.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
