"""The hash chain's input (SPEC section 7): entry_hash = sha256(canonical form + prev_hash).

The canonical form of an entry is UTF-8 text:

1. the scalar fields, in `SCALAR_FIELDS` order, as one compact JSON array of their wire
   texts (`formats.wire`: ids and the timestamp as text, `cost_usd` as exact decimal text,
   `duration_ms` as a number, missing texts as `null`);
2. then, for each of `NESTED_FIELDS` in order, a newline and that value as compact JSON
   with sorted keys (`nested_json`).

"Compact JSON" is what Python's standard `json` module writes with
`separators=(",", ":")` and `ensure_ascii=False`: no spaces, non-ASCII characters as they
are, `"` `\\` and control characters escaped (`\\n`, `\\t`, `\\u0001`...). Compact JSON never
holds a raw newline, so the form is unambiguous. `entry_hash` is the lower-case hex
SHA-256 of those bytes followed by the previous entry's hash (64 zeros for an
organization's first entry). The README has a worked example (a test vector).
"""
from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any, Mapping, Sequence

from ..contract.entry import NESTED_FIELDS

GENESIS_HASH = "0" * 64

SCALAR_FIELDS: tuple[str, ...] = (
    "id", "run_id", "timestamp", "action_name", "agent_id", "outcome", "cost_usd",
    "duration_ms", "risk_level", "user_id", "org_id", "error_message", "blocked_reason",
)
HASHED_FIELDS: tuple[str, ...] = SCALAR_FIELDS + NESTED_FIELDS


def _decimal_as_float(value: Any) -> float:
    """Exactly parsed JSON numbers (Decimals) are written as the floats JSON means."""
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not a JSON value")


# Built once and reused (json.dumps builds an encoder on every call).
_NESTED = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, sort_keys=True, allow_nan=False,
                           check_circular=False, default=_decimal_as_float)
_SCALARS = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False)


def nested_json(value: Any) -> str:
    """A nested field (input, output, metadata, compliance) as canonical compact JSON."""
    return _NESTED.encode(value)


def canonical_bytes(fields: Mapping[str, Any], nested_texts: Mapping[str, str] | None = None) -> bytes:
    """The canonical form of an entry; `nested_texts` may carry `nested_json` of nested fields."""
    parts = [_SCALARS.encode([fields[name] for name in SCALAR_FIELDS])]
    for name in NESTED_FIELDS:
        text = nested_texts.get(name) if nested_texts else None
        parts.append(text if text is not None else nested_json(fields[name]))
    return "\n".join(parts).encode("utf-8")


def canonical_from_texts(scalars: Sequence[Any], nested_texts: Sequence[str | None]) -> bytes:
    """The canonical form from the scalar wire values (in `SCALAR_FIELDS` order) and the
    nested fields' canonical JSON texts (in `NESTED_FIELDS` order; None means JSON `null`),
    as the database renders them (`formats.wire.wire_columns`): what `integrity` recomputes."""
    parts = [_SCALARS.encode(list(scalars))]
    parts.extend("null" if text is None else text for text in nested_texts)
    return "\n".join(parts).encode("utf-8")


def chain_hash(canonical: bytes, prev_hash: str) -> str:
    """`entry_hash`: the lower-case hex SHA-256 of the canonical form followed by `prev_hash`."""
    digest = hashlib.sha256(canonical)
    digest.update(prev_hash.encode())
    return digest.hexdigest()


def entry_hash(fields: Mapping[str, Any], prev_hash: str, nested_texts: Mapping[str, str] | None = None) -> str:
    """`fields` in JSON form (see `formats.wire.entry_json_fields`)."""
    return chain_hash(canonical_bytes(fields, nested_texts), prev_hash)
