"""The LedgerEntry wire form: exact costs, UTC `Z` timestamps, LedgerEntry field order."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from ledger_core.contract.entry import ENTRY_FIELDS
from ledger_core.formats.wire import entry_json_fields, format_timestamp, loads_line, to_json
from ledger_core.store.schema import ledger_entries

UTC = timezone.utc
PLUS_TWO = timezone(timedelta(hours=2))

EXPECTED_ORDER = [
    "id", "run_id", "timestamp", "action_name", "agent_id", "outcome", "cost_usd", "duration_ms",
    "risk_level", "user_id", "org_id", "input", "output", "error_message", "blocked_reason",
    "metadata", "compliance", "entry_hash", "prev_hash",
]


def _entry(**changes: object) -> dict:
    entry = {
        "id": uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e"),
        "run_id": uuid.UUID("7c9e6679-7425-40de-944b-e07fc1f90ae7"),
        "timestamp": datetime(2025, 1, 1, 1, 59, 59, 999000, tzinfo=PLUS_TWO),
        "action_name": "database_query", "agent_id": "prod-agent-3", "outcome": "blocked",
        "cost_usd": Decimal("0.0123000000"), "duration_ms": 250, "risk_level": "high",
        "user_id": "alice", "org_id": "acme",
        "input": {"sql": "select 1", "limit": 5}, "output": None, "error_message": None,
        "blocked_reason": "policy: no prod writes", "metadata": {"model": "gpt-x", "tokens": 12},
        "compliance": {
            "policy_id": "p1", "policy_version": "3", "decision": "deny", "data_classification": "restricted",
            "pii_detected": False, "regulatory_frameworks": ["SOC2", "GDPR"], "retention_until": "2031-12-31",
            "reviewed_by": None,
        },
        "entry_hash": "a" * 64, "prev_hash": "0" * 64,
    }
    entry.update(changes)
    return entry


def test_field_order_is_ledger_entry_order() -> None:
    assert list(ENTRY_FIELDS) == EXPECTED_ORDER
    line = to_json(entry_json_fields(_entry()))
    pairs = json.loads(line, object_pairs_hook=lambda items: items)
    assert [key for key, _ in pairs] == EXPECTED_ORDER


def test_cost_is_an_exact_json_number_and_timestamp_is_utc_z() -> None:
    line = to_json(entry_json_fields(_entry()))
    assert '"cost_usd":0.0123,' in line
    assert '"timestamp":"2024-12-31T23:59:59.999000Z"' in line
    assert "\n" not in line
    back = loads_line(line)
    assert back["cost_usd"] == Decimal("0.0123") and isinstance(back["cost_usd"], Decimal)
    assert back["id"] == "0f8fad5b-d9cb-469f-a165-70867728950e"
    assert back["input"] == {"sql": "select 1", "limit": 5}
    assert back["compliance"]["retention_until"] == "2031-12-31"
    assert back["blocked_reason"] == "policy: no prod writes"


@pytest.mark.parametrize(
    ("cost", "text"),
    [
        (Decimal("0"), "0"),
        (Decimal("0E-10"), "0"),
        (Decimal("0.1"), "0.1"),
        (Decimal("0.3000000000"), "0.3"),
        (Decimal("1E-10"), "0.0000000001"),
        (Decimal("100"), "100"),
        (Decimal("1E+2"), "100"),
        (Decimal("99999999.9999999999"), "99999999.9999999999"),
        ("0.0123", "0.0123"),
        (123000000, "123000000"),
    ],
)
def test_cost_text_is_plain_decimal(cost: object, text: str) -> None:
    line = to_json(entry_json_fields(_entry(cost_usd=cost)))
    assert f'"cost_usd":{text},' in line
    assert loads_line(line)["cost_usd"] == Decimal(text)


def test_naive_timestamp_is_utc_and_microseconds_are_kept() -> None:
    assert format_timestamp(datetime(2024, 6, 1, 12, 0, 0)) == "2024-06-01T12:00:00.000000Z"
    assert format_timestamp(datetime(2024, 6, 1, 12, 0, 0, 1, tzinfo=UTC)) == "2024-06-01T12:00:00.000001Z"


def test_unicode_is_written_as_is_and_read_back() -> None:
    line = to_json(entry_json_fields(_entry(action_name="envoyer_courriel_é", metadata={"note": "naïve ✓"})))
    assert "naïve ✓" in line
    assert loads_line(line)["metadata"] == {"note": "naïve ✓"}


def test_loads_line_keeps_fractions_exact() -> None:
    assert loads_line('{"cost_usd":0.1}')["cost_usd"] + loads_line('{"cost_usd":0.2}')["cost_usd"] == Decimal("0.3")
    assert loads_line('{"cost_usd":5}')["cost_usd"] == 5


def test_stored_rows_serialize_exactly(ledger) -> None:  # type: ignore[no-untyped-def]
    """A row read back from either backend serializes to the same bytes as the query's entry."""
    ledger.add_user("alice", org_id="acme", role="user")
    records = [
        {**entry_json_fields(_entry(id=uuid.uuid4(), cost_usd=Decimal(cost))), "timestamp": stamp}
        for cost, stamp in [("0.0123", "2025-01-01T01:59:59.999+02:00"), ("0.1", "2024-12-31T10:00:00"),
                            ("0", "2024-12-31T10:00:00.000001Z"), ("12.3456789012", "2024-12-30T23:00:00-05:00")]
    ]
    # via JSON text, as a JSONL file would carry them
    report = ledger.ingest([loads_line(to_json(record)) for record in records])
    assert (report.added, report.refused) == (4, 0), report.refusals

    with ledger.engine.connect() as conn:
        rows = {str(row["id"]): row for row in conn.execute(select(ledger_entries)).mappings()}
    page = ledger.query(ledger.principal("alice"), page_size=10)
    assert page.total == 4
    expected = {
        "0.0123": ("2024-12-31T23:59:59.999000Z", '"cost_usd":0.0123,'),
        "0.1": ("2024-12-31T10:00:00.000000Z", '"cost_usd":0.1,'),
        "0": ("2024-12-31T10:00:00.000001Z", '"cost_usd":0,'),
        "12.3456789012": ("2024-12-31T04:00:00.000000Z", '"cost_usd":12.3456789012,'),
    }
    for record in records:
        row = rows[record["id"]]
        line = to_json(entry_json_fields(row))
        stamp, cost_text = expected[record["cost_usd"]]
        assert cost_text in line
        assert f'"timestamp":"{stamp}"' in line
        item = next(item for item in page.items if str(item.id) == record["id"])
        assert to_json(entry_json_fields(item.model_dump())) == line
        back = loads_line(line)
        assert back["cost_usd"] == Decimal(record["cost_usd"])
        assert {k: back[k] for k in ("input", "output", "metadata", "compliance", "blocked_reason")} == {
            k: record[k] for k in ("input", "output", "metadata", "compliance", "blocked_reason")
        }
        assert back["entry_hash"] == row["entry_hash"] != "a" * 64


def test_entries_from_rows_are_what_pydantic_builds(ledger) -> None:  # type: ignore[no-untyped-def]
    """`entries_from_rows` parses a page's JSON texts in one go and builds each LedgerEntry
    without `model_construct`'s walk over the fields: the entries equal those
    `model_construct` and full validation build from the same rows, each JSON text parsed
    alone (fields, set fields, dumps), and the model still has none of the aliases, private
    attributes or post-init that the walk would handle."""
    from ledger_core.contract.entry import NESTED_FIELDS, LedgerEntry
    from ledger_core.formats.wire import entries_from_rows
    from ledger_core.read.entries import entry_columns
    from ledger_core.store.types import normalize_decimal

    assert LedgerEntry.__private_attributes__ == {} and LedgerEntry.__pydantic_post_init__ is None
    assert LedgerEntry.model_config.get("extra") in (None, "ignore")
    assert all(field.alias is None and field.validation_alias is None
               for field in LedgerEntry.model_fields.values())
    ledger.add_user("alice", org_id="acme", role="user")
    records = [entry_json_fields(_entry(id=uuid.uuid4(), metadata={}, compliance=None, output=[1, "x"])),
               entry_json_fields(_entry(id=uuid.uuid4(), error_message="boom", outcome="error", input=None,
                                        output={"n": 10 ** 30, "f": -2.5e-07, "s": "é,]\"", "l": [[], {}]})),
               entry_json_fields(_entry(id=uuid.uuid4(), input="text", output=7, metadata={"k": [None, True]}))]
    assert ledger.ingest([loads_line(to_json(record)) for record in records]).added == 3
    with ledger.engine.connect() as conn:
        rows = conn.execute(select(*entry_columns(conn))).all()
    assert len(rows) == 3
    built = entries_from_rows(rows)
    assert [str(entry.id) for entry in built] == [str(row.id) for row in rows]
    for entry, row in zip(built, rows):
        fields = dict(row._mapping)
        for name in NESTED_FIELDS:
            assert isinstance(fields[name], str)
            fields[name] = json.loads(fields[name])
        fields["cost_usd"] = normalize_decimal(fields["cost_usd"])
        fields["metadata"] = fields["metadata"] or {}
        constructed = LedgerEntry.model_construct(**fields)
        validated = LedgerEntry.model_validate(fields)
        assert entry == constructed == validated
        assert entry.model_dump() == constructed.model_dump() == validated.model_dump()
        assert entry.model_fields_set == constructed.model_fields_set == set(ENTRY_FIELDS)
        assert entry.model_dump_json() == validated.model_dump_json()
        with pytest.raises(ValueError):
            entry.outcome = "success"  # frozen, as the model says
    by_id = {str(entry.id): entry for entry in built}
    for record in records:
        entry = by_id[record["id"]]
        assert (entry.input, entry.output, entry.metadata) == (record["input"], record["output"], record["metadata"])
    assert entries_from_rows([]) == []


TRICKY_CELLS = ["", "plain", "=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "'quoted", "a,b", 'say "hi"',
                "line\nbreak", "cr\rinside", "=a,b", '-"x"', " =lead space", "é ünïcode", "null", "{}",
                '"', ",", "\r", '=""', "x\r\ny", "\nlead", '{"k":"v, w"}', "-5", "@"]


@pytest.mark.parametrize("hex_ids", [False, True], ids=["ids rendered", "ids as hex digits"])
@pytest.mark.parametrize("cell", TRICKY_CELLS)
def test_csv_record_writes_what_csv_writer_writes(cell: str, hex_ids: bool) -> None:
    """The export's fast CSV encoder against the csv module, cell by cell (formula guard,
    quoting, empty cells), for a free-text field and a JSON field, with the ids rendered by
    the database (PostgreSQL) or dashed by the encoder (SQLite)."""
    import csv
    import io

    from ledger_core.formats.wire import CELL, FIELDS, UUID_HEX, VERBATIM, VERBATIM_RUN, csv_cells, csv_encoder

    an_id = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
    texts = []
    for name, rendering, kind in FIELDS:
        if rendering == "uuid":
            texts.append(an_id)
        elif name in VERBATIM:
            texts.append("0" if kind == "number" else "v")
        else:
            texts.append(cell)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(csv_cells(texts))
    row, slots, verbatim_run = [], [], []
    for (name, rendering, kind), text in zip(FIELDS, texts):
        if name in VERBATIM and not (hex_ids and rendering == "uuid"):
            verbatim_run.append(text)
            continue
        if verbatim_run:
            row.append(",".join(verbatim_run))
            slots.append(VERBATIM_RUN)
            verbatim_run = []
        if rendering == "uuid":
            row.append(text.replace("-", ""))
            slots.append(UUID_HEX)
        else:
            row.append(None if kind == "json" and text == "null" else text)  # as csv_record_columns
            slots.append(CELL)
    if verbatim_run:
        row.append(",".join(verbatim_run))
        slots.append(VERBATIM_RUN)
    assert csv_encoder(tuple(slots))(row) + "\r\n" == buffer.getvalue()
