"""The LedgerEntry wire form: one serializer shared by query results, export, ingest and hashing.

JSON numbers for `cost_usd` are written from the exact decimal (`0.0123`, never
`0.012299999`); timestamps are ISO 8601 UTC with microseconds and `Z`.
"""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Mapping

from ..contract.models import ENTRY_FIELDS, LedgerEntry
from ..store.types import format_decimal, normalize_decimal

_HEAD = ENTRY_FIELDS[: ENTRY_FIELDS.index("cost_usd")]
_TAIL = ENTRY_FIELDS[ENTRY_FIELDS.index("cost_usd") + 1:]
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


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


def entry_json_fields(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A stored row or an entry mapping -> the LedgerEntry JSON form.

    `cost_usd` is the exact decimal as text; `to_json` writes it as a JSON number.
    """
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


def to_json(fields: Mapping[str, Any]) -> str:
    """One compact JSON object in LedgerEntry field order, cost as an exact JSON number."""
    head = _ENCODER.encode({k: fields[k] for k in _HEAD})
    tail = _ENCODER.encode({k: fields[k] for k in _TAIL})
    return f'{head[:-1]},"cost_usd":{fields["cost_usd"]},{tail[1:]}'


def entries_json_array(entries: "list[LedgerEntry]") -> str:
    """A JSON array of entries in the wire form (what API answers embed)."""
    return "[" + ",".join(to_json(entry_json_fields(entry.model_dump())) for entry in entries) + "]"


def entry_from_row(row: Mapping[str, Any]) -> LedgerEntry:
    """A stored row -> LedgerEntry (trusted data: no re-validation)."""
    fields = {name: row[name] for name in ENTRY_FIELDS}
    fields["cost_usd"] = normalize_decimal(fields["cost_usd"])
    fields["metadata"] = fields["metadata"] or {}
    return LedgerEntry.model_construct(**fields)


def loads_line(line: str) -> Any:
    """Parse one JSONL line keeping `cost_usd` exact (JSON numbers with a fraction -> Decimal)."""
    return json.loads(line, parse_float=Decimal)
