"""Datasette side of `bench/bench_sidebyside.py`; runs in `.venv-datasette`, never in the project's venv.

    .venv-datasette/bin/python bench/datasette_worker.py /path/to/ledger.db

Opens the file as Datasette does by default (mutable, read-only connections, default
settings) and answers JSON lines on stdin, one JSON line each on stdout:

    {"op": "time", "path": "/db/ledger_entries.json?...", "warmup": 3, "repeat": 20}
        -> {"timings_ms": [...], "ids": [...], "count": N or null, "next": token or null}
    {"op": "walk", "path": "...", "pages": 100}
        -> {"next": token}   (the `_next` token of page `pages`, 0-based, by following `next`)

Requests go through `Datasette.client` (httpx's ASGITransport into Datasette's app, in this
process), so no socket or HTTP parsing is timed. (It builds an httpx client per request;
keeping one client instead measured no faster here, within noise.)
Imports only the standard library, Datasette and its dependencies.
"""
from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import time
from typing import Any, Awaitable, Callable
from urllib.parse import urlencode, urlsplit, parse_qsl

from datasette import __version__ as datasette_version
from datasette.app import Datasette


def _reply(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _ids(body: dict[str, Any]) -> list[str]:
    """The `id` column of a table page: rows are lists (0.65's default shape) or objects."""
    rows = body["rows"]
    if rows and isinstance(rows[0], dict):
        return [str(row["id"]) for row in rows]
    index = body["columns"].index("id")
    return [str(row[index]) for row in rows]


def _with_next(path: str, token: str) -> str:
    parts = urlsplit(path)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != "_next"]
    return f"{parts.path}?{urlencode(query + [('_next', token)])}"


Get = Callable[[str], Awaitable[Any]]
"""`Datasette.client.get`."""


async def _get(client: Get, path: str) -> Any:
    response = await client(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: HTTP {response.status_code}: {response.text[:300]}")
    return response


async def time_path(client: Get, path: str, warmup: int, repeat: int) -> dict[str, Any]:
    """Time `repeat` requests after `warmup` untimed ones; the body is parsed after the last."""
    for _ in range(warmup):
        await _get(client, path)
    timings = []
    response = None
    for _ in range(repeat):
        started = time.perf_counter()
        response = await _get(client, path)
        timings.append((time.perf_counter() - started) * 1000)
    assert response is not None
    body = response.json()
    return {"timings_ms": timings, "ids": _ids(body),
            "count": body.get("filtered_table_rows_count", body.get("count")), "next": body.get("next")}


async def walk(client: Get, path: str, pages: int) -> dict[str, Any]:
    """The `_next` token that opens page `pages` (0-based), following each page's `next`."""
    current = path
    token = None
    for page in range(pages):
        token = (await _get(client, current)).json().get("next")
        if token is None:
            raise RuntimeError(f"{path}: no page {page + 1}")
        current = _with_next(path, token)
    return {"next": token}


async def serve(database_path: str) -> None:
    ds = Datasette(files=[database_path])
    await ds.invoke_startup()
    name = next(name for name in ds.databases if not name.startswith("_"))
    _reply({"ready": True, "database": name, "datasette": datasette_version,
            "sqlite": sqlite3.sqlite_version})
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["op"] == "time":
                _reply(await time_path(ds.client.get, request["path"], request["warmup"], request["repeat"]))
            elif request["op"] == "walk":
                _reply(await walk(ds.client.get, request["path"], request["pages"]))
            else:
                _reply({"error": f"unknown op {request['op']!r}"})
        except Exception as exc:  # noqa: BLE001 - reported to the bench, which shows it
            _reply({"error": f"{type(exc).__name__}: {exc}"})


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1]))
