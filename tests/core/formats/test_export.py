"""Export (SPEC section 5): formats, order, scope, filters, limits, CSV safety, round trip.

Every test runs on SQLite and PostgreSQL. Two oracles: the query (`ledger.query` pages in
the default order, serialized by `serialize.py`: the export must equal it byte for byte)
and the ingested records themselves (ids in timestamp-desc, id-desc order, exact costs).
"""
from __future__ import annotations

import csv
import io
import json
import random
import re
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from tests.helpers import EXPORT_USERS, add_export_users

from ledger_core import ExportLimitExceeded, Ledger, LedgerValidationError
from ledger_core.contract.entry import ENTRY_FIELDS
from ledger_core.formats import export as export_module
from ledger_core.formats.wire import entry_json_fields, to_json

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HASHES = ("entry_hash", "prev_hash")
OWNERS = [("alice", "acme"), ("bob", "acme"), ("carol", "acme"), ("dave", "globex"), ("erin", "globex")]

TRICKY_TEXT = [
    "=HYPERLINK(\"http://evil.example\",\"click\")",
    "+SUM(A1:A9)",
    "-2+3",
    "@import",
    "\tstarts with a tab",
    "\rstarts with CR",
    "comma, inside",
    'quote " inside',
    "new\nline",
    "crlf\r\nline",
    "naïve ünïcödé 名前 🚀",
    "ends with backslash \\",
    "plain",
]
COSTS = ["0.0123", "0", "10", "0.1", "0.0000000001", "12345.6789012345", "3.14", "100", "0.5"]
ACTIONS = ["database_query", "http_request", "send_email", "=cmd|' /C calc'!A0", "+action", "naïve, \"action\""]
AGENTS = ["prod-agent-3", "prod-agent-7", "@agent", "-agent", "agent\twith tab"]


def _payload(rng: random.Random) -> Any:
    return rng.choice([
        None,
        {"sql": "SELECT a, b: c FROM t WHERE x = 'y'", "params": [1, 2.5, None, True]},
        {"nested": {"deep": [{"k": "v"}, [], {}]}, "ratio": 0.30000000000000004},
        {"tiny": 1e-07, "small": 2.5e-05, "big": 12345678901234567890, "neg": -3.5, "huge": 1e20},
        {"text": rng.choice(TRICKY_TEXT), "ключ": "значение"},
        ["list", "of", {"things": 1}],
        "=cmd|' /C calc'!A0",
        -5,
        3.75,
        "",
        {"quote": 'he said "hi", then: left', "esc": "back\\slash"},
    ])


def make_records(count: int, *, seed: int = 1, owners=OWNERS, start: datetime | None = None) -> list[dict]:
    """Varied, deterministic LedgerEntry records; some share a timestamp (ties broken by id)."""
    rng = random.Random(seed)
    start = start or datetime(2024, 1, 1, tzinfo=timezone.utc)
    runs: dict[tuple[str, str], str] = {}
    records = []
    moment = start
    for i in range(count):
        if i % 7 != 3:  # every 7th record shares the previous timestamp
            moment = start + timedelta(minutes=37 * i, microseconds=rng.randrange(1_000_000))
        user, org = owners[i % len(owners)]
        if (user, org) not in runs or rng.random() < 0.2:
            runs[(user, org)] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        outcome = rng.choice(["success", "success", "error", "blocked"])
        records.append({
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "run_id": runs[(user, org)],
            "timestamp": moment.isoformat(),
            "action_name": rng.choice(ACTIONS),
            "agent_id": rng.choice(AGENTS),
            "outcome": outcome,
            "cost_usd": rng.choice(COSTS + [f"{rng.random():.6f}"]),
            "duration_ms": rng.choice([0, 1, 250, 10**12]),
            "risk_level": rng.choice(["low", "medium", "high", "critical"]),
            "user_id": user,
            "org_id": org,
            "input": _payload(rng),
            "output": _payload(rng),
            "error_message": rng.choice(TRICKY_TEXT) if outcome == "error" else None,
            "blocked_reason": rng.choice(TRICKY_TEXT) if outcome == "blocked" else None,
            "metadata": rng.choice([
                {}, {"model": "gpt-4o", "tokens": rng.randrange(10**6)},
                {"note": rng.choice(TRICKY_TEXT), "env": "=prod"}, {"ünï": ["c", 0.001, -0.5]},
            ]),
            "compliance": rng.choice([None, None, {
                "policy_id": "pol-1", "policy_version": "3", "decision": rng.choice(["allow", "deny", "review"]),
                "data_classification": "confidential", "pii_detected": rng.random() < 0.5,
                "regulatory_frameworks": ["SOC2", "GDPR"], "retention_until": "2031-12-31",
                "reviewed_by": rng.choice([None, "=auditor"]),
            }]),
        })
    return records


def seed(ledger: Ledger, count: int = 400) -> list[dict]:
    add_export_users(ledger)
    records = make_records(count)
    report = ledger.ingest(records)
    assert report.refused == 0, report.refusals[:3]
    return records


@pytest.fixture(scope="module")
def seeded(make_ledger) -> tuple[Ledger, list[dict]]:  # type: ignore[no-untyped-def]
    ledger = make_ledger(f"export_seeded_{uuid.uuid4().hex[:6]}")
    return ledger, seed(ledger)


# --- oracles ---------------------------------------------------------------------------

def query_items(ledger: Ledger, principal, **filters) -> list:  # type: ignore[no-untyped-def]
    items, page = [], 0
    while True:
        result = ledger.query(principal, page=page, page_size=1000, **filters)
        items.extend(result.items)
        if not result.has_more:
            return items
        page += 1


def expected_lines(ledger: Ledger, principal, **filters) -> list[str]:  # type: ignore[no-untyped-def]
    return [to_json(entry_json_fields(item.model_dump())) for item in query_items(ledger, principal, **filters)]


def visible(records: list[dict], principal) -> list[dict]:  # type: ignore[no-untyped-def]
    if principal.role == "superuser":
        return list(records)
    if principal.role == "org_admin":
        return [r for r in records if r["org_id"] == principal.org_id]
    return [r for r in records if (r["org_id"], r["user_id"]) == (principal.org_id, principal.user_id)]


def newest_first(records: list[dict]) -> list[dict]:
    return sorted(records, key=lambda r: (datetime.fromisoformat(r["timestamp"]), r["id"]), reverse=True)


def expected_cell(name: str, value: Any) -> str:
    """Independent statement of the CSV rules."""
    if value is None:
        text = ""
    elif name in ("input", "output", "metadata", "compliance"):
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    else:
        text = str(value)
    return "'" + text if text[:1] in FORMULA_START and text else text


def export_bytes(ledger: Ledger, principal, **params) -> bytes:  # type: ignore[no-untyped-def]
    export = ledger.export(principal, **params)
    chunks = list(export)
    assert all(isinstance(chunk, bytes) for chunk in chunks)
    assert export.status == "completed"
    return b"".join(chunks)


def jsonl_lines(data: bytes) -> list[str]:
    text = data.decode("utf-8")
    assert text == "" or text.endswith("\n")
    return text.split("\n")[:-1] if text else []


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


# --- formats equal the query -----------------------------------------------------------

@pytest.mark.parametrize("username", ["alice", "carol", "dave", "root"])
def test_jsonl_equals_query_bytes_and_records(seeded, username) -> None:  # type: ignore[no-untyped-def]
    ledger, records = seeded
    me = ledger.principal(username)
    lines = jsonl_lines(export_bytes(ledger, me, format="jsonl"))
    assert lines == expected_lines(ledger, me)
    # independent oracle: the ingested records, scoped, newest first (ties by id desc)
    mine = newest_first(visible(records, me))
    assert [json.loads(line)["id"] for line in lines] == [r["id"] for r in mine]
    for line, record in zip(lines, mine):
        exact = json.loads(line, parse_float=Decimal)
        got = json.loads(line)
        assert list(got) == list(ENTRY_FIELDS)
        assert isinstance(exact["cost_usd"], (Decimal, int))
        assert Decimal(exact["cost_usd"]) == Decimal(record["cost_usd"])
        assert got["timestamp"].endswith("Z")
        assert datetime.fromisoformat(got["timestamp"]) == datetime.fromisoformat(record["timestamp"])
        for name in ("run_id", "action_name", "agent_id", "outcome", "duration_ms", "risk_level",
                     "user_id", "org_id", "error_message", "blocked_reason", "metadata", "input",
                     "output", "compliance"):
            assert got[name] == record[name], name


def test_costs_are_exact_decimal_text(seeded) -> None:  # type: ignore[no-untyped-def]
    ledger, _ = seeded
    data = export_bytes(ledger, ledger.principal("root"), format="jsonl").decode()
    assert '"cost_usd":0.0123,' in data
    assert '"cost_usd":0.0000000001,' in data
    assert '"cost_usd":12345.6789012345,' in data
    assert '"cost_usd":10,' in data
    costs = re.findall(r'"cost_usd":([^,]*),', data)
    assert len(costs) == len(jsonl_lines(data.encode()))
    assert all(re.fullmatch(r"\d+(\.\d*[1-9])?", cost) for cost in costs)  # plain, no exponent


@pytest.mark.parametrize("username", ["alice", "root"])
def test_json_array_equals_jsonl(seeded, username) -> None:  # type: ignore[no-untyped-def]
    ledger, _ = seeded
    me = ledger.principal(username)
    whole = json.loads(export_bytes(ledger, me, format="json"), parse_float=Decimal)
    lines = expected_lines(ledger, me)
    assert whole == [json.loads(line, parse_float=Decimal) for line in lines]
    assert len(whole) == len(lines) > 0


@pytest.mark.parametrize("fmt,expected", [("jsonl", None), ("json", []), ("csv", [list(ENTRY_FIELDS)])])
def test_empty_export_is_well_formed(seeded, fmt, expected) -> None:  # type: ignore[no-untyped-def]
    ledger, _ = seeded
    export = ledger.export(ledger.principal("root"), format=fmt, agent_id="no-such-agent")
    assert (export.total, export.rows, export.truncated) == (0, 0, False)
    data = b"".join(export)
    if fmt == "jsonl":
        assert data == b""
    elif fmt == "json":
        assert json.loads(data) == expected
    else:
        assert csv_rows(data) == expected


@pytest.mark.parametrize("username", ["bob", "erin", "root"])
def test_csv_equals_query(seeded, username) -> None:  # type: ignore[no-untyped-def]
    ledger, _ = seeded
    me = ledger.principal(username)
    data = export_bytes(ledger, me, format="csv")
    assert not data.startswith(b"\xef\xbb\xbf")  # no BOM
    assert data.endswith(b"\r\n")
    rows = csv_rows(data)
    assert rows[0] == list(ENTRY_FIELDS)
    items = query_items(ledger, me)
    assert len(rows) == len(items) + 1
    for row, item in zip(rows[1:], items):
        fields = entry_json_fields(item.model_dump())
        assert row == [expected_cell(name, fields[name]) for name in ENTRY_FIELDS]


def test_csv_neutralises_formulas_and_keeps_text_intact(seeded) -> None:  # type: ignore[no-untyped-def]
    ledger, records = seeded
    rows = csv_rows(export_bytes(ledger, ledger.principal("root"), format="csv"))
    header, body = rows[0], rows[1:]
    assert len(body) == len(records)
    for row in body:
        assert len(row) == len(header)
        for cell in row:
            assert cell[:1] not in FORMULA_START, cell
    column = {name: [row[i] for row in body] for i, name in enumerate(header)}
    # formula-like values of every kind, in several columns, all made inert, content kept
    for value in ("=HYPERLINK(\"http://evil.example\",\"click\")", "+SUM(A1:A9)", "-2+3", "@import",
                  "\tstarts with a tab", "\rstarts with CR"):
        assert "'" + value in column["error_message"] + column["blocked_reason"], value
    assert "'=cmd|' /C calc'!A0" in column["action_name"]
    assert "'@agent" in column["agent_id"] and "'-agent" in column["agent_id"]
    assert "'-5" in column["input"] + column["output"]  # a JSON number that looks like a formula
    # quoting round-trips commas, quotes, newlines, CRLF and unicode inside cells
    for value in ("comma, inside", 'quote " inside', "new\nline", "crlf\r\nline", "naïve ünïcödé 名前 🚀"):
        assert value in column["error_message"] + column["blocked_reason"], value
    assert 'naïve, "action"' in column["action_name"]
    assert "agent\twith tab" in column["agent_id"]
    # nested fields are compact JSON text; null is an empty cell
    for cell in column["metadata"]:
        assert isinstance(json.loads(cell), dict)
    assert "" in column["compliance"] and "" in column["input"]
    assert any(json.loads(cell)["reviewed_by"] == "=auditor" for cell in column["compliance"] if cell)


# --- order, scope, filters, limits ------------------------------------------------------

@pytest.mark.parametrize("filters", [
    {"outcome": "error"},
    {"action_name": "database_query"},
    {"agent_id": "@agent", "outcome": "blocked"},
    {"start_date": "2024-01-03", "end_date": "2024-01-05"},
    {"start_date": "2024-01-02T12:00:00Z", "end_date": "2024-01-04T06:30:00+02:00", "outcome": "success"},
    {"action_name": "=cmd|' /C calc'!A0"},
])
@pytest.mark.parametrize("username", ["alice", "carol", "root"])
def test_filters_match_the_query(seeded, filters, username) -> None:  # type: ignore[no-untyped-def]
    ledger, _ = seeded
    me = ledger.principal(username)
    export = ledger.export(me, format="jsonl", **filters)
    expected = expected_lines(ledger, me, **filters)
    assert export.total == len(expected) == ledger.query(me, **filters).total
    assert jsonl_lines(b"".join(export)) == expected


def test_end_date_without_time_includes_the_whole_day(seeded) -> None:  # type: ignore[no-untyped-def]
    ledger, records = seeded
    me = ledger.principal("root")
    day = date(2024, 1, 4)
    export = ledger.export(me, start_date="2024-01-04", end_date="2024-01-04")
    ids = [json.loads(line)["id"] for line in jsonl_lines(b"".join(export))]
    assert ids == [r["id"] for r in newest_first(records)
                   if datetime.fromisoformat(r["timestamp"]).date() == day]
    assert ids


def test_scope_never_leaks(seeded) -> None:  # type: ignore[no-untyped-def]
    ledger, records = seeded
    for name, _org, _role in EXPORT_USERS:
        me = ledger.principal(name)
        for fmt in ("jsonl", "csv"):
            data = export_bytes(ledger, me, format=fmt, limit=100_000)
            if fmt == "jsonl":
                owners = {(json.loads(l)["org_id"], json.loads(l)["user_id"]) for l in jsonl_lines(data)}
            else:
                owners = {(row[10], row[9]) for row in csv_rows(data)[1:]}
            allowed = {(r["org_id"], r["user_id"]) for r in visible(records, me)}
            assert owners <= allowed
            assert len(owners) == len(allowed)


def test_truncation_is_known_before_the_first_byte(seeded) -> None:  # type: ignore[no-untyped-def]
    ledger, _ = seeded
    me = ledger.principal("carol")
    total = ledger.query(me).total
    assert total > 50
    for fmt in ("jsonl", "json", "csv"):
        export = ledger.export(me, format=fmt, limit=50)
        assert (export.total, export.truncated, export.rows, export.rows_written) == (total, True, 50, 0)
        assert export.headers["X-Total-Count"] == str(total)
        assert export.headers["X-Export-Truncated"] == "true"
        data = b"".join(export)
        if fmt == "jsonl":
            assert jsonl_lines(data) == expected_lines(ledger, me)[:50]
        elif fmt == "json":
            assert len(json.loads(data)) == 50
        else:
            assert len(csv_rows(data)) == 51
        assert export.rows_written == 50

    exact = ledger.export(me, limit=total)
    assert (exact.total, exact.truncated, exact.rows) == (total, False, total)
    assert exact.headers["X-Export-Truncated"] == "false"
    assert len(jsonl_lines(b"".join(exact))) == total
    assert ledger.export(me, limit=1).rows == 1


def test_media_types_and_filenames(seeded) -> None:  # type: ignore[no-untyped-def]
    ledger, _ = seeded
    me = ledger.principal("alice")
    for fmt, media, ext in [("jsonl", "application/x-ndjson", "jsonl"), ("json", "application/json", "json"),
                            ("csv", "text/csv; charset=utf-8", "csv")]:
        with ledger.export(me, format=fmt, limit=1) as export:
            assert export.media_type == media
            assert export.filename.startswith("ledger-export-") and export.filename.endswith("Z." + ext)
            stamp = export.filename[len("ledger-export-"):-len("." + ext)]
            assert datetime.strptime(stamp, "%Y%m%dT%H%M%SZ")
            assert export.headers["Content-Type"] == media
            assert export.filename in export.headers["Content-Disposition"]
    assert ledger.export(me).format == "jsonl" and ledger.export(me).limit == 10_000  # defaults


def test_limit_above_maximum_is_refused_with_advice(seeded) -> None:  # type: ignore[no-untyped-def]
    ledger, _ = seeded
    me = ledger.principal("root")
    with pytest.raises(ExportLimitExceeded) as caught:
        ledger.export(me, limit=100_001)
    error = caught.value
    assert str(error).startswith("Export limit exceeded")
    assert error.field == "limit" and error.code == "export_limit_exceeded"
    for advice in ("dates", "filters", "batches"):
        assert advice in error.message
    assert isinstance(error, LedgerValidationError)
    with ledger.export(me, limit=100_000) as export:  # the maximum itself is fine
        assert export.rows == export.total


@pytest.mark.parametrize("params,field", [
    ({"limit": 0}, "limit"),
    ({"limit": -5}, "limit"),
    ({"limit": "ten"}, "limit"),
    ({"limit": True}, "limit"),
    ({"limit": 2.5}, "limit"),
    ({"format": "xml"}, "format"),
    ({"format": "csv\x00"}, "format"),
    ({"search": "x"}, "search"),
    ({"sort_by": "cost"}, "sort_by"),
    ({"page": 1}, "page"),
    ({"bogus": 1}, "bogus"),
    ({"outcome": "exploded"}, "outcome"),
    ({"start_date": "yesterday"}, "start_date"),
    ({"start_date": "2024-02-01", "end_date": "2024-01-01"}, "start_date"),
    ({"agent_id": "a\x00b"}, "agent_id"),
])
def test_invalid_parameters_name_the_field(seeded, params, field) -> None:  # type: ignore[no-untyped-def]
    ledger, _ = seeded
    with pytest.raises(LedgerValidationError) as caught:
        ledger.export(ledger.principal("alice"), **params)
    assert caught.value.field == field
    assert not isinstance(caught.value, ExportLimitExceeded)


def test_string_limit_and_format_case_are_accepted(seeded) -> None:  # type: ignore[no-untyped-def]
    ledger, _ = seeded
    with ledger.export(ledger.principal("root"), format="CSV", limit="7") as export:
        assert (export.format, export.limit, export.rows) == ("csv", 7, 7)


# --- streaming ------------------------------------------------------------------------

def test_streams_in_bounded_chunks(seeded) -> None:  # type: ignore[no-untyped-def]
    ledger, _ = seeded
    me = ledger.principal("root")
    for fmt in ("jsonl", "json", "csv"):
        export = ledger.export(me, format=fmt)
        chunks = list(export)
        assert len(chunks) > 2
        # ~64 KB of text each (a little more in UTF-8 bytes), the last one smaller
        assert all(len(chunk) < export_module.CHUNK_SIZE * 1.25 for chunk in chunks)
        assert all(len(chunk) >= export_module.CHUNK_SIZE for chunk in chunks[:-1])
        if fmt == "jsonl":  # chunks end on line boundaries
            assert all(chunk.endswith(b"\n") for chunk in chunks)


def test_many_batches_stream_whole_and_an_abort_releases_the_connection(seeded, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Rows fetched 7 at a time (on PostgreSQL the next batch is read while the last is
    encoded): the same bytes as one batch; an export closed while a batch is being read
    waits for it, and gives its connection back."""
    ledger, _ = seeded
    me = ledger.principal("root")
    whole = {fmt: export_bytes(ledger, me, format=fmt) for fmt in ("jsonl", "csv")}
    monkeypatch.setattr(export_module, "YIELD_PER", 7)
    monkeypatch.setattr(export_module, "CHUNK_SIZE", 2048)
    for fmt, expected in whole.items():
        assert export_bytes(ledger, me, format=fmt) == expected
        export = ledger.export(me, format=fmt)
        stream = iter(export)
        next(stream)
        export.close()
        assert export.status == "aborted" and 0 < export.rows_written < export.total
        assert ledger.engine.pool.checkedout() == 0
    assert export_bytes(ledger, me, format="jsonl") == whole["jsonl"]


def test_read_ahead_keeps_order_and_closing_waits_for_the_read_in_flight() -> None:
    """The reader thread yields the batches in order, and closing the stream returns only
    once the read it started has ended (the connection is then idle and may be closed)."""
    import threading
    import time

    events: list[str] = []
    reading = threading.Event()

    def batches():  # type: ignore[no-untyped-def]
        yield [1]
        reading.set()
        time.sleep(0.3)
        events.append("second read ended")
        yield [2]

    stream = export_module._read_ahead(batches())
    assert next(stream) == [1]
    assert reading.wait(5)
    stream.close()
    events.append("closed")
    assert events == ["second read ended", "closed"]
    assert list(export_module._read_ahead(iter([[1], [2], [3]]))) == [[1], [2], [3]]


def test_counts_and_rows_come_from_one_snapshot(ledger) -> None:  # type: ignore[no-untyped-def]
    records = seed(ledger, 120)
    me = ledger.principal("root")
    export = ledger.export(me, format="jsonl")
    assert export.total == 120
    # Newer matching rows arrive after the count, before the rows are read.
    later = make_records(30, seed=99, start=datetime(2025, 6, 1, tzinfo=timezone.utc))
    assert ledger.ingest(later).added == 30
    lines = jsonl_lines(b"".join(export))
    assert len(lines) == export.rows == 120
    assert [json.loads(l)["id"] for l in lines] == [r["id"] for r in newest_first(records)]
    assert ledger.export(me).total == 150


def test_database_rendering_equals_python_wire_texts_row_by_row(seeded) -> None:  # type: ignore[no-untyped-def]
    """The export's source of wire texts (rendered by the database) and the query's (built in
    Python from each entry) agree on every row, so both feed the encoders the same texts."""
    from sqlalchemy import select

    from ledger_core.formats.wire import wire_columns, wire_texts
    from ledger_core.store.schema import ledger_entries

    ledger, records = seeded
    with ledger.engine.connect() as conn:
        rendered = {row[0]: tuple(row) for row in conn.execute(select(*wire_columns(conn, ledger_entries)))}
    items = query_items(ledger, ledger.principal("root"))
    assert len(rendered) == len(items) == len(records)
    for item in items:
        assert rendered[str(item.id)] == wire_texts(item.model_dump())


# --- round trip -----------------------------------------------------------------------

def test_jsonl_export_ingested_into_an_empty_ledger_reproduces_it(seeded, make_ledger, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ledger, records = seeded
    root = ledger.principal("root")
    path = tmp_path / "ledger.jsonl"
    with path.open("wb") as handle:
        for chunk in ledger.export(root, format="jsonl", limit=100_000):
            handle.write(chunk)

    copy = make_ledger(f"export_roundtrip_{uuid.uuid4().hex[:6]}")
    add_export_users(copy)
    report = copy.ingest_file(path)
    assert (report.added, report.refused) == (len(records), 0)

    original = [json.loads(l, parse_float=Decimal) for l in jsonl_lines(path.read_bytes())]
    exported = export_bytes(copy, copy.principal("root"), limit=100_000)
    again = [json.loads(line, parse_float=Decimal) for line in jsonl_lines(exported)]
    assert len(again) == len(original) == len(records)
    strip = lambda entry: {k: v for k, v in entry.items() if k not in HASHES}  # noqa: E731
    assert [strip(e) for e in again] == [strip(e) for e in original]
    # the copy's own chain is complete and well formed
    assert all(len(e["entry_hash"]) == 64 and len(e["prev_hash"]) == 64 for e in again)
    assert len({e["entry_hash"] for e in again}) == len(again)
    # the query view of the copy equals the original's, field for field (hashes aside)
    for name in ("alice", "erin"):
        a = [strip(json.loads(l)) for l in expected_lines(ledger, ledger.principal(name))]
        b = [strip(json.loads(l)) for l in expected_lines(copy, copy.principal(name))]
        assert a == b


def test_iterating_a_temporary_export_streams_everything(seeded) -> None:  # type: ignore[no-untyped-def]
    """`for chunk in ledger.export(...)` (SPEC section 8): the Export object itself is dropped
    at once; the stream must carry on to the end."""
    ledger, records = seeded
    chunks = [chunk for chunk in ledger.export(ledger.principal("root"), format="jsonl")]
    assert len(jsonl_lines(b"".join(chunks))) == len(records)
