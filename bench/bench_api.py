"""REST API load benchmark: concurrent clients mixing ledger queries, stats and exports.

    python -m ledger_core demo --actions 1000000     # once, with LEDGER_DATABASE_URL set (~4 min)
    python bench/bench_api.py --url sqlite:////tmp/api-bench.db --clients 50 --duration 60

Starts `uvicorn ledger_api.app:app` on 127.0.0.1 (port 8700-8799) against the ledger at
`--url`, with the rate limits raised (LEDGER_RATE_LIMIT_*) and a throwaway signing key,
creates an API key for each demo user it plays (revoked at the end), then runs `--clients`
asyncio clients (httpx) for `--duration` seconds. Each client picks a user and a request
from the mix below, reads the whole answer and records its latency. Prints throughput,
p50/p95/p99 per kind and every error (any answer that is not 200, or a failed connection).
Never run as a test: the figures depend on the machine.

The mix (weights): queries 70 (first pages, filters, a date range, a search, a deeper page,
a cost sort), stats 15 (one month, or one agent), exports 15 (1,000 rows, JSONL or CSV).
Users: a superuser, two org admins and three users of the demo data set. By default each
client sends its next request as soon as the last one is answered (a saturating load);
`--think S` pauses 0..2S seconds (S on average) before each request, like people at screens.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ledger_core import Ledger  # noqa: E402

USERS = ["root", "bob", "grace", "alice", "heidi", "walter"]
WEIGHTS = {"query": 70, "stats": 15, "export": 15}


def requests_for(today: date) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    month_start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    month_end = today.replace(day=1) - timedelta(days=1)
    week_ago = today - timedelta(days=7)
    return {
        "query": [
            ("/api/v1/ledger", {}),
            ("/api/v1/ledger", {"outcome": "error"}),
            ("/api/v1/ledger", {"outcome": "error", "action_name": "database_query"}),
            ("/api/v1/ledger", {"agent_id": "prod-agent-3", "outcome": "blocked"}),
            ("/api/v1/ledger", {"start_date": str(week_ago), "end_date": str(today)}),
            ("/api/v1/ledger", {"search": "email"}),
            ("/api/v1/ledger", {"page": 5, "page_size": 50}),
            ("/api/v1/ledger", {"start_date": str(month_start), "end_date": str(month_end), "sort_by": "cost"}),
        ],
        "stats": [
            ("/api/v1/ledger/stats", {"start_date": str(month_start), "end_date": str(month_end)}),
            ("/api/v1/ledger/stats", {"agent_id": "prod-agent-3", "start_date": str(month_start)}),
        ],
        "export": [
            ("/api/v1/ledger/export", {"format": "jsonl", "limit": 1000}),
            ("/api/v1/ledger/export", {"format": "csv", "limit": 1000, "outcome": "error"}),
        ],
    }


def free_port(low: int, high: int) -> int:
    for port in range(low, high + 1):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise SystemExit(f"no free port in {low}-{high}")


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ, "LEDGER_DATABASE_URL": url, "LEDGER_JWT_KEY": secrets.token_urlsafe(48),
        "LEDGER_RATE_LIMIT_QUERY": "10000000", "LEDGER_RATE_LIMIT_STATS": "10000000",
        "LEDGER_RATE_LIMIT_EXPORT": "10000000",
    }
    command = [sys.executable, "-m", "uvicorn", "ledger_api.app:app", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    return subprocess.Popen(command, cwd=ROOT, env=env)


async def wait_ready(base: str, server: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base) as client:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise SystemExit(f"the server stopped (status {server.returncode})")
            try:
                if (await client.get("/openapi.json")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.5)
    raise SystemExit("the server did not answer in time")


async def client_loop(client: httpx.AsyncClient, keys: dict[str, str], mix: dict[str, list[Any]], stop: float,
                      rng: random.Random, timings: dict[str, list[float]], errors: Counter[str],
                      think: float) -> None:
    kinds = list(WEIGHTS)
    weights = [WEIGHTS[k] for k in kinds]
    while time.monotonic() < stop:
        if think:
            await asyncio.sleep(rng.uniform(0, 2 * think))
            if time.monotonic() >= stop:
                break
        kind = rng.choices(kinds, weights)[0]
        path, params = rng.choice(mix[kind])
        user = rng.choice(USERS)
        started = time.perf_counter()
        try:
            async with client.stream("GET", path, params=params, headers={"X-API-Key": keys[user]}) as response:
                async for _ in response.aiter_bytes():
                    pass
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                errors[f"{kind} HTTP {response.status_code}"] += 1
                continue
            timings[kind].append(elapsed)
        except httpx.HTTPError as exc:
            errors[f"{kind} {type(exc).__name__}"] += 1


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p * len(ordered)) - 1))]


async def run(args: argparse.Namespace) -> None:
    ledger = Ledger(args.url, rate_limits=None)
    created = {user: ledger.create_api_key(user, "bench_api") for user in USERS}
    keys = {user: key for user, (_, key) in created.items()}
    port = free_port(args.port, 8799)
    base = f"http://127.0.0.1:{port}"
    server = start_server(args.url, port, args.workers)
    try:
        await wait_ready(base, server)
        mix = requests_for(date.today())
        timings: dict[str, list[float]] = defaultdict(list)
        errors: Counter[str] = Counter()
        limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
            # warm up: one of each request, not counted
            for requests in mix.values():
                for path, params in requests:
                    await client.get(path, params=params, headers={"X-API-Key": keys["root"]})
            started = time.monotonic()
            stop = started + args.duration
            await asyncio.gather(*(client_loop(client, keys, mix, stop, random.Random(args.seed + i), timings,
                                               errors, args.think) for i in range(args.clients)))
            elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
        for record, _ in created.values():
            ledger.revoke_api_key(record.id)
        ledger.dispose()

    total = sum(len(v) for v in timings.values())
    pause = f", a pause of 0-{2 * args.think:g} s before each request" if args.think else ", no pause"
    print(f"{args.clients} clients{pause}, {elapsed:.0f} s, {args.workers} uvicorn worker(s), ledger {args.url}")
    print(f"throughput: {total / elapsed:.1f} requests/s ({total} answered 200, {sum(errors.values())} errors)\n")
    print("| kind | requests | req/s | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---|---|---|---|")
    for kind in WEIGHTS:
        values = timings.get(kind, [])
        if not values:
            print(f"| {kind} | 0 | 0 | - | - | - |")
            continue
        print(f"| {kind} | {len(values)} | {len(values) / elapsed:.1f} | {statistics.median(values):.0f} | "
              f"{percentile(values, 0.95):.0f} | {percentile(values, 0.99):.0f} |")
    print("\nerrors:", dict(errors) if errors else "none")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("LEDGER_DATABASE_URL", "sqlite:////tmp/api-bench.db"))
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--port", type=int, default=8760, help="first port to try (8700-8799)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--think", type=float, default=0,
                        help="mean pause in seconds before each request of a client (0: back to back)")
    args = parser.parse_args()
    if not 8700 <= args.port <= 8799:
        parser.error("--port must be within 8700-8799")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
