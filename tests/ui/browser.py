"""Browser-test helpers: a real `streamlit run` server and a Playwright page that waits
for the app to be idle (see docs/app.md, "Testing")."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PORTS = range(8600, 8700)
COOKIE_KEY = "browser-test-cookie-key-" + "k" * 32

IDLE_JS = """() => { const a = document.querySelector('[data-testid=stApp]');
  return !!a && a.getAttribute('data-test-script-state') === 'notRunning'
      && a.getAttribute('data-test-connection-state') === 'CONNECTED'
      && !document.querySelector('[data-stale="true"]'); }"""


def chromium_path() -> str:
    """Debian's chromium; its absence is a failure with the fix, never a skip."""
    found = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if not found:
        raise RuntimeError("the browser tests need Debian's chromium at /usr/bin/chromium: "
                           "apt-get update && apt-get install -y chromium (.ci/run does this)")
    return found


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8600-8699 for the test server")


@dataclass
class Server:
    process: subprocess.Popen
    base_url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


def start_server(database_url: str, log_path: Path, *, timeout: float = 60.0) -> Server:
    """`streamlit run app.py` on a free port in 8600-8699, in its own process group;
    returns once /_stcore/health answers ok."""
    port = free_port()
    env = dict(os.environ, LEDGER_DATABASE_URL=database_url, LEDGER_COOKIE_KEY=COOKIE_KEY)
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(process, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited at start:\n{server.log()}")
        try:
            with urllib.request.urlopen(server.base_url + "/_stcore/health", timeout=1) as answer:
                if answer.read().strip() == b"ok":
                    return server
        except OSError:
            time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"the app did not answer within {timeout:.0f} s:\n{server.log()}")


def wait_idle(page, *, hold: float = 0.5, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    """Until the app has been idle (script not running, connected, nothing stale) for `hold` s."""
    deadline = time.monotonic() + timeout
    since = None
    while time.monotonic() < deadline:
        if page.evaluate(IDLE_JS):
            since = since or time.monotonic()
            if time.monotonic() - since >= hold:
                return
        else:
            since = None
        time.sleep(0.05)
    raise AssertionError(f"the app did not settle within {timeout:.0f} s")


def problems(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Exception boxes, tracebacks and "Page not found" dialogs on the page."""
    found = [f"exception: {box.inner_text()[:300]}" for box in page.locator("[data-testid=stException]").all()]
    body = page.inner_text("body")
    for marker in ("Traceback (most recent call last)", "Page not found"):
        if marker in body:
            found.append(f"page shows {marker!r}")
    return found


def assert_clean(page) -> None:  # type: ignore[no-untyped-def]
    found = problems(page)
    assert not found, found


def log_in(page, base_url: str, username: str, password: str, path: str = "", *,  # type: ignore[no-untyped-def]
           expect_success: bool = True) -> None:
    page.goto(f"{base_url}/{path}")
    wait_idle(page)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    if expect_success:
        # The app opens once the cookie component has written the cookie and called back.
        page.get_by_role("button", name="Log out").wait_for(timeout=30_000)
    wait_idle(page, hold=0.6)


def login_form_shown(page) -> bool:  # type: ignore[no-untyped-def]
    return page.get_by_role("textbox", name="Password").count() == 1


def signed_in(page) -> bool:  # type: ignore[no-untyped-def]
    return page.get_by_role("button", name="Log out").count() == 1 and not login_form_shown(page)


def settled_state(page, timeout: float = 30.0) -> str:  # type: ignore[no-untyped-def]
    """After a load or reload: "signed in" or "login form", once the page shows one of them
    and is idle (a loaded machine may take seconds before the first script run starts)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if signed_in(page) or login_form_shown(page):
            wait_idle(page, hold=0.6, timeout=max(deadline - time.monotonic(), 1.0))
            if signed_in(page):
                return "signed in"
            if login_form_shown(page):
                return "login form"
        time.sleep(0.1)
    raise AssertionError(f"neither signed in nor the login form within {timeout:.0f} s")
