"""Per-user rate limits (SPEC section 6), shared through the database by every process."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ledger_core import Ledger, RateLimitExceeded
from ledger_core.access.ratelimit import RateLimiter, RateLimitStatus
from ledger_core.config import RateLimits
from ledger_core.store.schema import export_log, rate_limits

PROJECT = Path(__file__).resolve().parents[3]
T0 = 1_800_000_000.0  # a fixed "now" for the fake clock


class FakeClock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def add_users(ledger: Ledger) -> None:
    ledger.add_user("alice", org_id="acme", role="user")
    ledger.add_user("bob", org_id="acme", role="user")


# --- the limiter on its own -------------------------------------------------------------

def test_default_limits_per_hour(ledger) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    limiter = RateLimiter(ledger.engine, RateLimits(), clock=clock)
    for kind, limit in (("query", 1000), ("stats", 600), ("export", 100)):
        assert limiter.remaining("alice", kind) == limit
        for spent in range(1, limit + 1):
            assert limiter.hit("alice", kind) == limit - spent
        assert limiter.remaining("alice", kind) == 0
        clock.now += 60
        with pytest.raises(RateLimitExceeded) as caught:
            limiter.hit("alice", kind)
        error = caught.value
        assert error.retry_after == 3600 - 60  # the window opened with this kind's first call
        assert error.code == "rate_limited"
        assert f"at most {limit} {kind} calls per hour" in error.message
        assert "Try again in" in error.message and "UTC" in error.message
        assert limiter.retry_after("alice", kind) == error.retry_after
    # other users and other kinds have budgets of their own
    assert limiter.hit("bob", "query") == 999


def test_calls_are_allowed_again_when_the_window_ends(ledger) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    limiter = RateLimiter(ledger.engine, RateLimits(export=3), clock=clock)
    for _ in range(3):
        limiter.hit("alice", "export")
    clock.now = T0 + 1234.4
    with pytest.raises(RateLimitExceeded) as caught:
        limiter.hit("alice", "export")
    assert caught.value.retry_after == 2366  # ceil(3600 - 1234.4)
    assert "40 minutes" in caught.value.message
    clock.now = T0 + 3599.5
    with pytest.raises(RateLimitExceeded) as caught:  # refused calls never extend the window
        limiter.hit("alice", "export")
    assert caught.value.retry_after == 1 and "1 second" in caught.value.message
    clock.now = T0 + 3600
    assert limiter.retry_after("alice", "export") == 0
    assert limiter.remaining("alice", "export") == 3
    assert limiter.hit("alice", "export") == 2  # a new window opens with this call
    clock.now = T0 + 3600 + 3599
    assert limiter.hit("alice", "export") == 1
    assert limiter.hit("alice", "export") == 0
    with pytest.raises(RateLimitExceeded) as caught:
        limiter.hit("alice", "export")
    assert caught.value.retry_after == 1


def test_remaining_and_retry_after_do_not_spend(ledger) -> None:  # type: ignore[no-untyped-def]
    limiter = RateLimiter(ledger.engine, RateLimits(stats=2), clock=FakeClock())
    for _ in range(5):
        assert limiter.remaining("alice", "stats") == 2
        assert limiter.retry_after("alice", "stats") == 0
    limiter.hit("alice", "stats")
    limiter.hit("alice", "stats")
    assert limiter.retry_after("alice", "stats") == 3600
    limiter.reset("alice")
    assert limiter.remaining("alice", "stats") == 2
    with pytest.raises(ValueError):
        limiter.hit("alice", "delete")


def test_limits_survive_a_restart(make_ledger) -> None:  # type: ignore[no-untyped-def]
    limits = RateLimits(query=3)
    first = make_ledger(f"ratelimit_restart_{uuid.uuid4().hex[:6]}", rate_limits=limits)
    add_users(first)
    alice = first.principal("alice")
    first.limiter.clock = FakeClock()
    for _ in range(3):
        first.query(alice)
    first.dispose()

    again = Ledger(first.url, rate_limits=limits)  # a new engine: a restarted app
    again.limiter.clock = FakeClock(T0 + 10)
    try:
        with pytest.raises(RateLimitExceeded) as caught:
            again.query(alice)
        assert caught.value.retry_after == 3590
    finally:
        again.dispose()


# --- several processes, one budget --------------------------------------------------------

CHILD = """
import json, sys, time
from ledger_core.config import RateLimits
from ledger_core.store.db import make_engine
from ledger_core.errors import RateLimitExceeded
from ledger_core.access.ratelimit import RateLimiter, RateLimitStatus

url, user, kind, hits, now, limit, start_at = sys.argv[1:8]
limiter = RateLimiter(make_engine(url), RateLimits(**{kind: int(limit)}), clock=lambda: float(now))
time.sleep(max(0.0, float(start_at) - time.time()))
ok = refused = 0
for _ in range(int(hits)):
    try:
        limiter.hit(user, kind)
        ok += 1
    except RateLimitExceeded:
        refused += 1
print(json.dumps({"ok": ok, "refused": refused}))
"""


def spawn(url: str, user: str, kind: str, hits: int, limit: int, start_at: float = 0.0) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(PROJECT))
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, url, user, kind, str(hits), str(T0), str(limit), str(start_at)],
        cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def result(child: subprocess.Popen) -> dict:
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def test_two_processes_share_one_budget(ledger) -> None:  # type: ignore[no-untyped-def]
    assert result(spawn(ledger.url, "alice", "query", hits=3, limit=5)) == {"ok": 3, "refused": 0}
    parent = RateLimiter(ledger.engine, RateLimits(query=5), clock=FakeClock(T0 + 1))
    assert parent.remaining("alice", "query") == 2
    parent.hit("alice", "query")
    parent.hit("alice", "query")
    with pytest.raises(RateLimitExceeded) as caught:
        parent.hit("alice", "query")
    assert caught.value.retry_after == 3599
    assert result(spawn(ledger.url, "alice", "query", hits=1, limit=5)) == {"ok": 0, "refused": 1}


def test_concurrent_processes_never_overspend(ledger) -> None:  # type: ignore[no-untyped-def]
    start_at = time.time() + 3  # both children start hitting together, after their imports
    children = [spawn(ledger.url, "alice", "export", hits=60, limit=70, start_at=start_at) for _ in range(2)]
    outcomes = [result(child) for child in children]
    assert sum(o["ok"] for o in outcomes) == 70
    assert sum(o["refused"] for o in outcomes) == 50
    with ledger.engine.connect() as conn:
        count = conn.execute(select(rate_limits.c.count).where(rate_limits.c.user_id == "alice")).scalar_one()
    assert count == 120


# --- the Ledger is wired ----------------------------------------------------------------

def test_ledger_query_stats_and_export_are_limited(make_ledger) -> None:  # type: ignore[no-untyped-def]
    ledger = make_ledger(f"ratelimit_wired_{uuid.uuid4().hex[:6]}", rate_limits=RateLimits(query=3, stats=2, export=2))
    add_users(ledger)
    clock = FakeClock()
    ledger.limiter.clock = clock
    alice, bob = ledger.principal("alice"), ledger.principal("bob")

    for _ in range(3):
        ledger.query(alice)
    with pytest.raises(RateLimitExceeded):
        ledger.query(alice)

    for _ in range(2):
        ledger.stats(alice)
    with pytest.raises(RateLimitExceeded):
        ledger.stats(alice)

    for _ in range(2):
        b"".join(ledger.export(alice))
    with pytest.raises(RateLimitExceeded) as caught:
        ledger.export(alice)
    assert caught.value.retry_after == 3600
    with ledger.engine.connect() as conn:  # the refused export was never started nor logged
        assert conn.execute(select(func.count()).select_from(export_log)).scalar_one() == 2

    ledger.query(bob)  # bob's budget is his own
    clock.now += 3600
    ledger.query(alice)
    ledger.stats(alice)
    b"".join(ledger.export(alice))


def test_limits_off_by_default_in_tests(ledger) -> None:  # type: ignore[no-untyped-def]
    add_users(ledger)
    alice = ledger.principal("alice")
    assert ledger.rate_limits is None and ledger.limiter is None
    for _ in range(20):
        ledger.query(alice)
    with ledger.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(rate_limits)).scalar_one() == 0


@pytest.mark.parametrize("value", ["abc", "0", "-5", "1.5", "99999999999"])
@pytest.mark.parametrize("name", ["LEDGER_RATE_LIMIT_QUERY", "LEDGER_RATE_LIMIT_STATS", "LEDGER_RATE_LIMIT_EXPORT",
                                  "LEDGER_RATE_LIMIT_WINDOW"])
def test_bad_limit_settings_are_refused_at_start_naming_the_setting(monkeypatch, name, value) -> None:  # type: ignore[no-untyped-def]
    from ledger_core import ConfigurationError

    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as error:
        Ledger("sqlite://")
    assert error.value.field == name and name in error.value.message


def test_limit_settings_are_read(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LEDGER_RATE_LIMIT_EXPORT", " 7 ")
    monkeypatch.setenv("LEDGER_RATE_LIMIT_WINDOW", "60")
    assert RateLimits.from_env() == RateLimits(query=1000, stats=600, export=7, window_seconds=60)


# --- status: what the API sends as X-RateLimit-* headers ---------------------------------

def test_status_follows_the_window(ledger) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    limiter = RateLimiter(ledger.engine, clock=clock)  # default limits: 1000/600/100 an hour
    # no call yet: the whole budget, and the next call opens a full window
    assert limiter.status("alice", "export") == RateLimitStatus(100, 100, 3600, 3600)
    limiter.hit("alice", "export")
    clock.now += 100.4
    limiter.hit("alice", "export")
    status = limiter.status("alice", "export")
    assert (status.limit, status.remaining, status.reset_after) == (100, 98, 3500)  # ceil(3499.6)
    # asking spends nothing; other kinds and users are separate
    assert limiter.status("alice", "export").remaining == 98
    assert limiter.status("alice", "query").remaining == 1000
    assert limiter.status("bob", "export").remaining == 100
    # used up: remaining stays 0 (refused calls are counted but never go below 0)
    for _ in range(98):
        limiter.hit("alice", "export")
    with pytest.raises(RateLimitExceeded) as caught:
        limiter.hit("alice", "export")
    status = limiter.status("alice", "export")
    assert status.remaining == 0
    assert status.reset_after == caught.value.retry_after == limiter.retry_after("alice", "export")
    # the window ends: a whole budget again
    clock.now = T0 + 3600
    assert limiter.status("alice", "export") == RateLimitStatus(100, 100, 3600, 3600)


def test_status_of_an_unknown_kind_is_refused(ledger) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="unknown rate-limited kind"):
        RateLimiter(ledger.engine).status("alice", "ingest")
