"""Properties of the one serializer, over randomly generated entries on both backends:

- the database's rendering of every field, and of every whole JSON object and CSV record
  (the export's source), equals Python's (the query's source), row by row;
- a JSON line reads back to the same entry (exact cost included), a CSV record to the same
  texts, with every formula cell neutralised;
- every stored hash is recomputed from the stored fields and the previous hash.
"""
from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import datetime, timezone
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ledger_core.formats.canonical import entry_hash
from ledger_core.formats.wire import (
    FORMULA_START,
    csv_cells,
    csv_record_columns,
    entry_json_fields,
    json_line_column,
    json_object,
    loads_line,
    wire_columns,
    wire_texts,
)
from ledger_core.store.schema import ledger_entries
from tests.helpers import empty_ledger

TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
NAME = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=30)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**30, 10**30)
    | st.floats(allow_nan=False, allow_infinity=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
COMPLIANCE = st.none() | st.fixed_dictionaries({
    "policy_id": NAME, "policy_version": NAME, "decision": st.sampled_from(["allow", "deny", "review"]),
    "data_classification": st.sampled_from(["public", "internal", "confidential", "restricted"]),
    "pii_detected": st.booleans(), "regulatory_frameworks": st.lists(NAME, max_size=3),
    "retention_until": st.dates().map(str), "reviewed_by": st.none() | NAME,
})
ENTRY = st.fixed_dictionaries({
    "id": st.uuids(version=4).map(str),
    "run_id": st.uuids(version=4).map(str),
    "timestamp": st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2025, 12, 31),
                              timezones=st.just(timezone.utc)).map(lambda d: d.isoformat()),
    "action_name": NAME, "agent_id": NAME,
    "outcome": st.sampled_from(["success", "error", "blocked"]),
    "cost_usd": st.decimals(min_value=0, max_value=Decimal("99999999.9999999999"), places=10),
    "duration_ms": st.integers(0, 2**40),
    "risk_level": st.sampled_from(["low", "medium", "high", "critical"]),
    "input": JSON_VALUES, "output": JSON_VALUES,
    "error_message": st.none() | TEXT, "blocked_reason": st.none() | TEXT,
    "metadata": st.dictionaries(TEXT, JSON_VALUES, max_size=4),
    "compliance": COMPLIANCE,
})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(entries=st.lists(ENTRY, min_size=1, max_size=8, unique_by=lambda e: e["id"]))
def test_every_row_serializes_identically_from_either_source(ledger, entries) -> None:  # type: ignore[no-untyped-def]
    empty_ledger(ledger)
    ledger.add_user("alice", org_id="acme", role="user")
    records = [{**entry, "user_id": "alice", "org_id": "acme"} for entry in entries]
    report = ledger.ingest(records)
    assert report.added == len(records), report.refusals
    ids = [record["id"] for record in records]
    with ledger.engine.connect() as conn:
        rendered = {row[0]: tuple(row) for row in conn.execute(
            select(*wire_columns(conn, ledger_entries)).where(ledger_entries.c.id.in_(
                [uuid.UUID(i) for i in ids])))}
        csv_columns, csv_record = csv_record_columns(conn, ledger_entries)
        lines = {str(row[0]): (row[1], csv_record(row[2:])) for row in conn.execute(
            select(ledger_entries.c.id, json_line_column(conn, ledger_entries),
                   *csv_columns).where(ledger_entries.c.id.in_(
                [uuid.UUID(i) for i in ids])))}
        stored = {str(row["id"]): row for row in conn.execute(
            select(ledger_entries).where(ledger_entries.c.id.in_([uuid.UUID(i) for i in ids])))
            .mappings()}
    items = {str(item.id): item for item in ledger.query(ledger.principal("alice"), page_size=1000).items}
    for record in records:
        item = items[record["id"]]
        texts = wire_texts(item.model_dump())
        assert rendered[record["id"]] == texts

        line = json_object(texts)
        assert lines[record["id"]][0] == line
        back = loads_line(line)
        assert back["cost_usd"] == Decimal(record["cost_usd"]) and back["id"] == record["id"]
        fields = entry_json_fields(item.model_dump())
        assert {**json.loads(line), "cost_usd": None} == {**json.loads(json.dumps(fields)), "cost_usd": None}

        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow(csv_cells(texts))
        assert lines[record["id"]][1] + "\r\n" == buffer.getvalue()
        cells = next(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
        assert cells == csv_cells(texts)
        assert all(cell[:1] not in FORMULA_START or cell.startswith("'") for cell in cells)

        row = stored[record["id"]]
        assert entry_hash(entry_json_fields(row), row["prev_hash"]) == row["entry_hash"]
