"""The LedgerEntry wire form: the one serializer behind every JSON line, JSON array, CSV
record and API body, so the bytes an auditor downloads from the page, the API and the
command line are the same, on either database.

Every field has a *wire text* (`FIELDS` says which kind it is):
- `id`, `run_id`: the UUID as `8-4-4-4-12` lower-case text;
- `timestamp`: ISO 8601 in UTC with microseconds and `Z` (`2024-12-31T23:59:59.999000Z`);
- `cost_usd`: the exact decimal, plain, without trailing zeros (`0.0123`, `10`, `0.0000000001`);
- `duration_ms`: decimal digits;
- `input`, `output`, `metadata`, `compliance`: canonical JSON text (compact, keys sorted,
  non-ASCII as is; `formats.canonical.nested_json`), which is also exactly what is stored
  and hashed;
- the other fields: the text itself, or None.

A JSON object (`json_object`) writes the fields in `ENTRY_FIELDS` order: texts as JSON
strings (None as `null`), `cost_usd` and `duration_ms` as bare JSON numbers (so `0.0123`
stays `0.0123`: read it with `loads_line` to keep it exact), JSON fields spliced as they
are. A CSV record (`csv_cells`) holds the same texts, None and JSON `null` as empty cells,
and any cell a spreadsheet would run as a formula (starting `=`, `+`, `-`, `@`, tab or CR)
prefixed with `'` (OWASP "CSV injection").

The wire texts of an entry come from one of two places that must agree: `wire_texts`
computes them in Python (an entry from a query, a run, an API body), and `wire_columns`
lets the database render them (`store.db.wire_text`, 5-10x cheaper than building Python
objects per row). An export goes further: `json_line_column` makes the database write
the whole JSON object, and `csv_record_columns` splits a CSV record between the database
(runs of fields that never need quoting) and Python (the free-text cells; SQLite's ids).
Tests check every source gives the same bytes for randomly generated entries on both
databases.
"""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from json.encoder import encode_basestring
from typing import Any, Callable, Mapping, Sequence

from sqlalchemy import ColumnElement, Table, Text, cast, func, literal

from ..contract.entry import ENTRY_FIELDS, NESTED_FIELDS, LedgerEntry
from ..store.db import Bind, concat, json_string, uuid_hex, wire_text
from ..store.types import format_decimal, normalize_decimal
from .canonical import nested_json

# (field, how the database renders it (`store.db.wire_text`), how JSON writes it)
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("id", "uuid", "string"),
    ("run_id", "uuid", "string"),
    ("timestamp", "timestamp", "string"),
    ("action_name", "plain", "string"),
    ("agent_id", "plain", "string"),
    ("outcome", "plain", "string"),
    ("cost_usd", "cost", "number"),
    ("duration_ms", "plain", "number"),
    ("risk_level", "plain", "string"),
    ("user_id", "plain", "string"),
    ("org_id", "plain", "string"),
    ("input", "json", "json"),
    ("output", "json", "json"),
    ("error_message", "plain", "string"),
    ("blocked_reason", "plain", "string"),
    ("metadata", "json", "json"),
    ("compliance", "json", "json"),
    ("entry_hash", "plain", "string"),
    ("prev_hash", "plain", "string"),
)
if tuple(name for name, _, _ in FIELDS) != ENTRY_FIELDS:  # pragma: no cover - a new field needs a row here
    raise RuntimeError("formats.wire.FIELDS must list every LedgerEntry field, in order")

# OWASP "CSV injection": a cell starting with one of these is run as a formula by
# spreadsheets; a leading single quote makes it text.
FORMULA_START = frozenset("=+-@\t\r")
FORMULA_GUARD = "'"


def format_timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    text = moment.astimezone(timezone.utc).isoformat(timespec="microseconds")
    return text.replace("+00:00", "Z")


def _plain(value: Any) -> Any:
    """Nested values in JSON-ready form (dates as ISO text, decimals as numbers)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


# --- wire texts ----------------------------------------------------------------------

def entry_json_fields(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A stored row or an entry mapping -> the LedgerEntry JSON form: ids, timestamp and
    `cost_usd` as their wire texts, nested fields as JSON-ready Python values."""
    return {
        "id": str(entry["id"]),
        "run_id": str(entry["run_id"]),
        "timestamp": format_timestamp(entry["timestamp"]),
        "action_name": entry["action_name"],
        "agent_id": entry["agent_id"],
        "outcome": entry["outcome"],
        "cost_usd": format_decimal(Decimal(entry["cost_usd"])),
        "duration_ms": int(entry["duration_ms"]),
        "risk_level": entry["risk_level"],
        "user_id": entry["user_id"],
        "org_id": entry["org_id"],
        "input": _plain(entry.get("input")),
        "output": _plain(entry.get("output")),
        "error_message": entry.get("error_message"),
        "blocked_reason": entry.get("blocked_reason"),
        "metadata": _plain(entry.get("metadata") or {}),
        "compliance": _plain(entry.get("compliance")),
        "entry_hash": entry.get("entry_hash"),
        "prev_hash": entry.get("prev_hash"),
    }


def texts_from_fields(fields: Mapping[str, Any]) -> tuple[Any, ...]:
    """The JSON form (`entry_json_fields`) -> wire texts, in `FIELDS` order."""
    return tuple(nested_json(fields[name]) if kind == "json" else fields[name] for name, _, kind in FIELDS)


def wire_texts(entry: Mapping[str, Any]) -> tuple[Any, ...]:
    """An entry (a stored row or `LedgerEntry.model_dump()`) -> its wire texts."""
    return texts_from_fields(entry_json_fields(entry))


def wire_columns(bind: Bind, table: Table) -> list[Any]:
    """The SELECT list that makes the database render each field's wire text."""
    return [wire_text(bind, table.c[name], rendering).label(name) for name, rendering, _ in FIELDS]


# Fields whose wire text is never NULL and holds only hex digits, decimal digits, dashes,
# colons, dots, `T`, `Z` or a validated enum's letters: nothing JSON escapes, CSV quotes or
# a spreadsheet runs as a formula. An export lets the database write them as they are.
VERBATIM = frozenset({"id", "run_id", "timestamp", "outcome", "cost_usd", "duration_ms", "risk_level",
                          "entry_hash", "prev_hash"})


def json_line_column(bind: Bind, table: Table) -> ColumnElement:
    """The SELECT column that makes the database write each row's whole JSON object, the
    bytes of `json_object(wire_texts)` (an export then only joins lines: several times
    faster than encoding in Python). The `VERBATIM` texts are quoted without escaping
    (a quarter less work for PostgreSQL). A property test holds the two equal on both
    databases."""
    pieces: list[ColumnElement | str] = []
    for position, (name, rendering, kind) in enumerate(FIELDS):
        pieces.append(("{" if position == 0 else ",") + f'"{name}":')
        text = wire_text(bind, table.c[name], rendering)
        if kind == "string" and name in VERBATIM:
            pieces.extend(['"', text, '"'])
        elif kind == "string":
            pieces.append(json_string(bind, text))
        elif kind == "number":
            pieces.append(cast(text, Text) if rendering == "plain" else text)
        else:
            pieces.append(func.coalesce(text, literal("null", Text)))
    pieces.append("}")
    return concat(pieces).label("json_line")


CsvEncoder = Callable[[Sequence[Any]], str]
"""A row of `csv_record_columns` -> its CSV record, without the line end."""


def csv_record_columns(bind: Bind, table: Table) -> tuple[list[ColumnElement], CsvEncoder]:
    """(the SELECT list, the function that writes a row of it as a CSV record): each run
    of `VERBATIM` fields joined with commas by the database, every other field's wire text
    alone (JSON null as NULL), for Python to neutralise and quote, and an id whose
    canonical text costs the database more than Python (SQLite:
    `store.db.uuid_hex`) as its hex digits, for Python to dash."""
    columns: list[ColumnElement] = []
    slots: list[str] = []
    run: list[ColumnElement | str] = []
    for name, rendering, kind in FIELDS:
        digits = uuid_hex(bind, table.c[name]) if rendering == "uuid" else None
        text = wire_text(bind, table.c[name], rendering)
        if kind == "number" and rendering == "plain":
            text = cast(text, Text)
        if name in VERBATIM and digits is None:
            run.extend([",", text] if run else [text])
            continue
        if run:
            columns.append(concat(run))
            slots.append(VERBATIM_RUN)
            run = []
        if digits is not None:
            columns.append(digits)
            slots.append(UUID_HEX)
            continue
        columns.append(func.nullif(text, literal("null", Text)) if kind == "json" else text)
        slots.append(CELL)
    if run:
        columns.append(concat(run))
        slots.append(VERBATIM_RUN)
    return [column.label(f"csv_{position}") for position, column in enumerate(columns)], csv_encoder(tuple(slots))


def _csv_cell(text: str | None) -> str:
    """One cell as `csv.writer` writes `neutralise`d text (QUOTE_MINIMAL, CRLF)."""
    if not text:
        return ""
    if text[0] in FORMULA_START:
        text = FORMULA_GUARD + text
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if "," in text or "\n" in text or "\r" in text:
        return '"' + text + '"'
    return text


VERBATIM_RUN, CELL, UUID_HEX = "verbatim", "cell", "uuid hex"
"""The columns of `csv_record_columns`: a run of verbatim texts joined with commas, a
text to neutralise and quote (`_csv_cell`), the 32 hex digits of an id."""
_SLOTS = {
    VERBATIM_RUN: "{{row[{i}]}}",
    CELL: "{{cell(row[{i}])}}",
    UUID_HEX: "{{row[{i}][:8]}}-{{row[{i}][8:12]}}-{{row[{i}][12:16]}}-{{row[{i}][16:20]}}-{{row[{i}][20:]}}",
}


@lru_cache(maxsize=None)
def csv_encoder(slots: tuple[str, ...]) -> CsvEncoder:
    """The `CsvEncoder` of columns of the kinds `slots`: one f-string, compiled once per
    layout from these constant templates, with a slot per column. A fifth less time per
    record than joining a list made cell by cell (a tenth of an SQLite CSV export)."""
    body = ",".join(_SLOTS[slot].format(i=i) for i, slot in enumerate(slots))
    return eval(f'lambda row, cell=_csv_cell: f"{body}"', {"_csv_cell": _csv_cell})


# --- the encoders ----------------------------------------------------------------------

def _json_string(text: str | None) -> str:
    return "null" if text is None else encode_basestring(text)


def _json_number(text: Any) -> str:
    return str(text)


def _json_raw(text: str | None) -> str:
    return "null" if text is None else text


_JSON_WRITERS: dict[str, Callable[[Any], str]] = {"string": _json_string, "number": _json_number, "json": _json_raw}
_JSON_PARTS = tuple(_JSON_WRITERS[kind] for _, _, kind in FIELDS)
_JSON_TEMPLATE = "{" + ",".join(f'"{name}":%s' for name, _, _ in FIELDS) + "}"


def json_object(texts: Sequence[Any]) -> str:
    """One compact JSON object from wire texts (see the module docstring)."""
    return _JSON_TEMPLATE % tuple(write(text) for write, text in zip(_JSON_PARTS, texts))


def _cell_text(text: str | None) -> str:
    return "" if text is None else text


def _cell_number(text: Any) -> str:
    return str(text)


def _cell_json(text: str | None) -> str:
    return "" if text is None or text == "null" else text


_CELL_WRITERS: dict[str, Callable[[Any], str]] = {"string": _cell_text, "number": _cell_number, "json": _cell_json}
_CELL_PARTS = tuple(_CELL_WRITERS[kind] for _, _, kind in FIELDS)


def neutralise(cells: list[str]) -> list[str]:
    """Prefix `'` to every cell a spreadsheet would run as a formula."""
    return [FORMULA_GUARD + cell if cell[:1] in FORMULA_START else cell for cell in cells]


def csv_cells(texts: Sequence[Any]) -> list[str]:
    """One CSV record's cells from wire texts: empty for None and JSON null, formulas neutralised."""
    return neutralise([write(text) for write, text in zip(_CELL_PARTS, texts)])


# --- conveniences ------------------------------------------------------------------------

def to_json(fields: Mapping[str, Any]) -> str:
    """One JSON object from the JSON form (`entry_json_fields`)."""
    return json_object(texts_from_fields(fields))


def entries_json_array(entries: Sequence[LedgerEntry]) -> str:
    """A JSON array of entries in the wire form (what API answers embed)."""
    return "[" + ",".join(json_object(wire_texts(entry.model_dump())) for entry in entries) + "]"


_set_attribute = object.__setattr__
_NESTED_AT = tuple(ENTRY_FIELDS.index(name) for name in NESTED_FIELDS)


def entries_from_rows(rows: Sequence[Sequence[Any]]) -> list[LedgerEntry]:
    """Stored rows -> LedgerEntry objects (trusted data: no re-validation).

    Each row holds the `ENTRY_FIELDS` in order, the nested fields as their stored JSON text
    (`read.entries.entry_columns`): every text of the page is parsed by one `json.loads` of
    them all as one array, where a call per value spent most of its time starting up (a
    page of 100 rows: 1.4 -> 0.55 ms). The same parser reads the same texts, so the values
    are those a call per text gives.

    Each entry is built as `LedgerEntry.model_construct` builds an instance, without its
    walk over each field's aliases and defaults: every field is given here, and the model
    has no aliases, private attributes or post-init (a test holds these). Half the time
    per entry: a page of 1,000 rows spent 8.2 ms in `model_construct`, 4.3 ms here."""
    texts = ",".join("null" if row[at] is None else row[at] for row in rows for at in _NESTED_AT)
    nested = iter(json.loads(f"[{texts}]"))
    entries = []
    for row in rows:
        fields = dict(zip(ENTRY_FIELDS, row))
        for name in NESTED_FIELDS:
            fields[name] = next(nested)
        fields["cost_usd"] = normalize_decimal(fields["cost_usd"])
        fields["metadata"] = fields["metadata"] or {}
        entry = LedgerEntry.__new__(LedgerEntry)
        _set_attribute(entry, "__dict__", fields)
        _set_attribute(entry, "__pydantic_fields_set__", set(ENTRY_FIELDS))
        _set_attribute(entry, "__pydantic_extra__", None)
        _set_attribute(entry, "__pydantic_private__", None)
        entries.append(entry)
    return entries


def loads_line(line: str) -> Any:
    """Parse one JSONL line keeping `cost_usd` exact (JSON numbers with a fraction -> Decimal)."""
    return json.loads(line, parse_float=Decimal)
