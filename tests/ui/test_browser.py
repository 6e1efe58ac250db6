"""The app in a real browser: Playwright in Debian's Chromium against `streamlit run app.py`,
started for this module on a free port in 8600-8699 over a seeded SQLite ledger
(tests.ui.helpers.seed) and stopped at the end. Each test has its own browser context
(its own cookies); after every step the page holds no exception, traceback or
"Page not found" dialog. Without chromium these tests fail, saying how to install it.
"""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Download, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from ledger_core import Ledger
from ledger_core.formats.audit_pack import verify_pack
from tests.ui.browser import (
    CHROMIUM_ARGS,
    Server,
    assert_clean,
    chromium_path,
    log_in,
    login_form_shown,
    settled_state,
    signed_in,
    start_server,
    wait_idle,
)
from tests.ui.helpers import password, seed


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Iterator[Ledger]:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'ledger.db'}"
    ledger = Ledger(url, rate_limits=None)
    ledger.init()
    seed(ledger)
    yield ledger
    ledger.dispose()


@pytest.fixture(scope="module")
def server(seeded, tmp_path_factory) -> Iterator[Server]:  # type: ignore[no-untyped-def]
    started = start_server(seeded.url, tmp_path_factory.mktemp("server") / "streamlit.log")
    yield started
    started.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    try:
        executable = chromium_path()
    except RuntimeError as missing:
        pytest.fail(str(missing), pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server, request, tmp_path) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(30_000)
    opened = context.new_page()
    yield opened
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:  # what the browser showed, and the server's log
        for number, shown in enumerate(context.pages):
            shown.screenshot(path=str(tmp_path / f"failed-{number}.png"))
        print(f"screenshots in {tmp_path}; server log:\n{server.log()}")
    context.close()


@pytest.fixture(scope="module")
def signed_in_as(browser, server):  # type: ignore[no-untyped-def]
    """`signed_in_as(username)`: the cookies of a session signed in through the form once
    per module; a test's context starts from them (as a new tab would), without typing."""
    states: dict[str, dict] = {}

    def state(username: str) -> dict:
        if username not in states:
            context = browser.new_context()
            log_in(context.new_page(), server.base_url, username, password(username))
            states[username] = context.storage_state()
            context.close()
        return states[username]

    return state


def open_as(page: Page, state: dict, url: str) -> None:
    page.context.add_cookies(state["cookies"])
    page.goto(url)
    assert settled_state(page) == "signed in"


def click_download(page: Page, label: str) -> Download:
    """Click a download button once the page is quiet. A button's file is registered anew
    on every run of the page, so a click that races a late rerun (the cookie component
    calls back once after a page load) asks for a file that is gone: then click again.
    A button once seen stuck in its loading state after such a click: the last try
    reloads the page first."""
    for attempt in range(3):
        if attempt == 2:
            page.reload()
        wait_idle(page, hold=1.5)
        try:
            with page.expect_download(timeout=15_000) as download_info:
                page.get_by_role("button", name=label).click()
            return download_info.value
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def total_text(page: Page) -> str:
    """The "N actions · page X of Y" line of the Ledger page."""
    return page.get_by_test_id("stMarkdown").filter(has_text=re.compile(r"\d action")).first.inner_text()


# Runs first on a fresh server: Streamlit's first run of a server process is its old
# pages-folder mode, which app.py leaves (navigation.leave_pages_folder_mode).
def test_open_a_filtered_url_directly(page, server, seeded):  # type: ignore[no-untyped-def]
    page.goto(f"{server.base_url}/ledger?outcome=error&agent_id=prod-agent-3")
    wait_idle(page)
    assert_clean(page)
    assert login_form_shown(page) and page.get_by_test_id("stSidebarNav").count() == 0
    log_in(page, server.base_url, "alice", password("alice"), "ledger?outcome=error&agent_id=prod-agent-3")
    assert_clean(page)
    assert "outcome=error" in page.url and "agent_id=prod-agent-3" in page.url
    expected = seeded.query(seeded.principal("alice"), outcome="error", agent_id="prod-agent-3").total
    assert expected == 2
    assert total_text(page).startswith("2 actions")
    assert page.get_by_text("Filtered by outcome = error · agent = prod-agent-3").count() == 1


def test_wrong_password_is_refused(page, server):  # type: ignore[no-untyped-def]
    log_in(page, server.base_url, "bob", "not-bobs-password", expect_success=False)
    assert_clean(page)
    assert page.get_by_text("Username or password is incorrect.").count() == 1
    assert login_form_shown(page) and not signed_in(page)


def test_org_admin_logs_in_and_stays_signed_in_on_reload_and_new_tab(page, server):  # type: ignore[no-untyped-def]
    log_in(page, server.base_url, "bob", password("bob"))
    assert_clean(page)
    assert signed_in(page)
    sidebar = page.get_by_test_id("stSidebar").inner_text()
    assert "Bob Brown" in sidebar and "org admin · acme" in sidebar
    assert page.get_by_test_id("stSidebarNav").get_by_role("link", name="Admin").count() == 1
    page.reload()
    assert settled_state(page) == "signed in", "a reload lost the login"
    assert_clean(page)
    tab = page.context.new_page()
    tab.goto(f"{server.base_url}/runs")
    assert settled_state(tab) == "signed in", "a new tab is not signed in"
    assert_clean(tab)
    assert signed_in(tab) and tab.get_by_role("heading", name="Runs", exact=True).count() == 1


def test_filter_the_ledger_through_the_widgets(page, server, seeded, signed_in_as):  # type: ignore[no-untyped-def]
    open_as(page, signed_in_as("bob"), f"{server.base_url}/ledger")
    assert total_text(page).startswith("13 actions")
    page.get_by_role("combobox", name="Outcome").click()
    page.get_by_role("option", name="blocked", exact=True).click()
    wait_idle(page)
    assert_clean(page)
    expected = seeded.query(seeded.principal("bob"), outcome="blocked").total
    assert expected == 2
    assert total_text(page).startswith("2 actions")
    assert "outcome=blocked" in page.url
    page.get_by_role("textbox", name="Search").fill("http")
    page.get_by_role("textbox", name="Search").press("Enter")
    wait_idle(page)
    assert_clean(page)
    assert total_text(page).startswith("1 action ·") or total_text(page).startswith("1 action")
    assert "search=http" in page.url


def test_download_csv_equals_ledger_export(page, server, seeded, signed_in_as):  # type: ignore[no-untyped-def]
    open_as(page, signed_in_as("bob"), f"{server.base_url}/export?outcome=success&limit=5")
    assert_clean(page)
    assert page.get_by_text("so the file will be truncated").count() == 1
    download = click_download(page, "Download CSV")
    downloaded = download.path().read_bytes()
    wait_idle(page)
    assert_clean(page)
    assert re.fullmatch(r"ledger-acme-success-newest-5-of-8-\d{8}\.csv", download.suggested_filename)
    expected = b"".join(seeded.export(seeded.principal("bob"), format="csv", limit=5, outcome="success"))
    rows = list(csv.reader(io.StringIO(downloaded.decode("utf-8"))))
    assert rows == list(csv.reader(io.StringIO(expected.decode("utf-8"))))
    assert len(rows) == 6 and downloaded == expected


def test_a_plain_user_cannot_reach_admin_by_url(page, server, signed_in_as):  # type: ignore[no-untyped-def]
    open_as(page, signed_in_as("alice"), f"{server.base_url}/admin")
    assert_clean(page)
    assert page.get_by_text("The Admin page is for org admins and superusers").count() == 1
    assert page.get_by_text("Add a user").count() == 0
    assert page.get_by_test_id("stSidebarNav").get_by_role("link", name="Admin").count() == 0


def test_log_out_and_a_reload_shows_the_login_form(page, server, signed_in_as):  # type: ignore[no-untyped-def]
    open_as(page, signed_in_as("alice"), f"{server.base_url}/ledger")
    assert "ledger_session" in [cookie["name"] for cookie in page.context.cookies()]
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("textbox", name="Password").wait_for()
    wait_idle(page, hold=1.0)
    assert_clean(page)
    assert login_form_shown(page) and not signed_in(page)
    assert "ledger_session" not in [cookie["name"] for cookie in page.context.cookies()]
    page.reload()
    assert settled_state(page) == "login form"
    assert_clean(page)


def test_compliance_bar_opens_the_filtered_ledger(page, server, seeded, signed_in_as):  # type: ignore[no-untyped-def]
    open_as(page, signed_in_as("bob"), f"{server.base_url}/compliance?period=all")
    assert_clean(page)
    assert page.get_by_role("heading", name="Compliance", exact=True).count() == 1
    decisions = page.get_by_test_id("stPlotlyChart").filter(has_text="Policy decisions")
    review_bar = decisions.locator("g.barlayer g.point path").nth(2)  # allow, deny, review
    review_bar.wait_for()
    wait_idle(page)
    box = review_bar.bounding_box()
    assert box is not None and box["height"] > 0
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(re.compile(r"/ledger\?.*decision=review"))
    wait_idle(page)
    assert_clean(page)
    expected = seeded.query(seeded.principal("bob"), decision="review")
    assert expected.total == 4
    assert total_text(page).startswith("4 actions")
    assert page.get_by_text("Filtered by decision = review").count() == 1
    assert "Risk and compliance (decision)" in page.get_by_test_id("stExpander").first.inner_text()


def test_a_standard_tier_user_cannot_reach_compliance(page, server, signed_in_as):  # type: ignore[no-untyped-def]
    open_as(page, signed_in_as("heidi"), f"{server.base_url}/compliance")
    assert_clean(page)
    assert page.get_by_text("The Compliance page is for org admins, superusers and the users of an "
                            "Enterprise-tier organization").count() == 1
    assert page.get_by_test_id("stSidebarNav").get_by_role("link", name="Compliance").count() == 0
    assert page.get_by_test_id("stPlotlyChart").count() == 0


def test_the_compliance_audit_pack_downloads_and_verifies(page, server, seeded, signed_in_as):  # type: ignore[no-untyped-def]
    open_as(page, signed_in_as("bob"), f"{server.base_url}/compliance?period=all&min_risk=high")
    assert_clean(page)
    download = click_download(page, "Audit pack (zip)")
    data = download.path().read_bytes()
    wait_idle(page)
    assert_clean(page)
    assert re.fullmatch(r"ledger-acme-minrisk-high-\d{8}\.audit-pack\.zip", download.suggested_filename)
    bob = seeded.principal("bob")
    assert seeded.export_log(bob, limit=1)[0].format == "audit-pack"
    report = verify_pack(data)
    assert report.ok, report.problems
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        jsonl = archive.read("entries.jsonl")
    assert jsonl == b"".join(seeded.export(bob, format="jsonl", limit=100_000, min_risk="high"))
    assert manifest["requested_by"]["user_id"] == "bob" and manifest["filters"] == {"min_risk": "high"}
    assert manifest["rows"] == report.rows == seeded.query(bob, min_risk="high").total > 0
