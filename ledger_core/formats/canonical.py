"""The hash chain of SPEC section 7: entry_hash = sha256(canonical entry fields + prev_hash).

Canonical form (UTF-8): the scalar fields, in `SCALAR_FIELDS` order, as one compact JSON
array; then, for each of `NESTED_FIELDS`, a newline and that value as compact JSON with
sorted keys. Compact JSON never holds a raw newline, so the form is unambiguous.
Scalars are in their wire form (`serialize.entry_json_fields`: ids and timestamps as
text, `cost_usd` as exact decimal text).
"""
from __future__ import annotations

import hashlib
from decimal import Decimal
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any, Mapping

GENESIS_HASH = "0" * 64

SCALAR_FIELDS: tuple[str, ...] = (
    "id", "run_id", "timestamp", "action_name", "agent_id", "outcome", "cost_usd",
    "duration_ms", "risk_level", "user_id", "org_id", "error_message", "blocked_reason",
)
NESTED_FIELDS: tuple[str, ...] = ("input", "output", "metadata", "compliance")
HASHED_FIELDS: tuple[str, ...] = SCALAR_FIELDS + NESTED_FIELDS


def _decimal_as_float(value: Any) -> float:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not a JSON value")


# The C encoder behind `json.dumps(value, sort_keys=True, separators=(",", ":"),
# ensure_ascii=False, allow_nan=False)`, built once: `json.dumps` builds it on every call,
# which cost more than the encoding itself on the ingest path.
_NESTED = c_make_encoder(None, _decimal_as_float, encode_basestring, None, ":", ",", True, False, False)
_SCALARS = c_make_encoder(None, None, encode_basestring, None, ":", ",", False, False, True)


def nested_json(value: Any) -> str:
    """A nested field (input, output, metadata, compliance) as canonical compact JSON."""
    return "".join(_NESTED(value, 0))


def canonical_bytes(fields: Mapping[str, Any], nested_texts: Mapping[str, str] | None = None) -> bytes:
    """The canonical form of an entry; `nested_texts` may carry `nested_json` of nested fields."""
    parts = ["".join(_SCALARS([fields[name] for name in SCALAR_FIELDS], 0))]
    for name in NESTED_FIELDS:
        text = nested_texts.get(name) if nested_texts else None
        parts.append(text if text is not None else nested_json(fields[name]))
    return "\n".join(parts).encode("utf-8")


def entry_hash(fields: Mapping[str, Any], prev_hash: str, nested_texts: Mapping[str, str] | None = None) -> str:
    """`fields` in JSON form (see `serialize.entry_json_fields`)."""
    digest = hashlib.sha256(canonical_bytes(fields, nested_texts))
    digest.update(prev_hash.encode())
    return digest.hexdigest()
