"""The hash chain of SPEC section 7: entry_hash = sha256(canonical fields + prev_hash)."""
from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

GENESIS_HASH = "0" * 64

HASHED_FIELDS: tuple[str, ...] = (
    "id", "run_id", "timestamp", "action_name", "agent_id", "outcome", "cost_usd",
    "duration_ms", "risk_level", "user_id", "org_id", "input", "output",
    "error_message", "blocked_reason", "metadata", "compliance",
)


def canonical_bytes(fields: Mapping[str, Any]) -> bytes:
    """Sorted-key compact JSON of the hashed fields, as the serializer writes them."""
    payload = {name: fields[name] for name in HASHED_FIELDS}
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(fields: Mapping[str, Any], prev_hash: str) -> str:
    """`fields` in JSON form (see `serialize.entry_json_fields`)."""
    digest = hashlib.sha256(canonical_bytes(fields))
    digest.update(prev_hash.encode())
    return digest.hexdigest()
