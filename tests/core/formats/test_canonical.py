"""The hash input: the README's test vector, reproduced with ledger_core and without it."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ledger_core.formats.canonical import GENESIS_HASH, SCALAR_FIELDS, canonical_bytes, entry_hash
from ledger_core.formats.wire import loads_line

README = Path(__file__).resolve().parents[3] / "README.md"
# The entry of the README's example, as a line of a JSONL export (without its hashes).
LINE = (
    '{"id":"3f2a6c1e-8d4b-4e7a-9c3d-1a2b3c4d5e6f","run_id":"9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e",'
    '"timestamp":"2024-11-14T09:30:00.123000Z","action_name":"database_query","agent_id":"prod-agent-3",'
    '"outcome":"error","cost_usd":0.0123,"duration_ms":30012,"risk_level":"high","user_id":"alice",'
    '"org_id":"acme","input":{"database":"billing","sql":"SELECT * FROM invoices WHERE total > 1000"},'
    '"output":null,"error_message":"connection timeout after 30000ms","blocked_reason":null,'
    '"metadata":{"environment":"prod","region":"eu-west-1"},"compliance":{"data_classification":"confidential",'
    '"decision":"allow","pii_detected":false,"policy_id":"POL-DATA-004","policy_version":"2.1",'
    '"regulatory_frameworks":["SOC2","GDPR"],"retention_until":"2031-11-14","reviewed_by":null}}'
)
EXPECTED = "f20968bc05bb1e22c8c3d7e5d8de926d8e6c438551fcb350a3bcda15061dfb46"


def independent_hash(line: str, prev_hash: str) -> str:
    """What a third party writes from the README alone: standard JSON, sha256."""
    entry = json.loads(line, parse_float=str, parse_int=str)  # numbers exactly as written
    scalars = [entry["id"], entry["run_id"], entry["timestamp"], entry["action_name"], entry["agent_id"],
               entry["outcome"], entry["cost_usd"], int(entry["duration_ms"]), entry["risk_level"],
               entry["user_id"], entry["org_id"], entry["error_message"], entry["blocked_reason"]]
    nested = [json.loads(json.dumps(json.loads(line)[name])) for name in ("input", "output", "metadata", "compliance")]
    text = json.dumps(scalars, separators=(",", ":"), ensure_ascii=False)
    for value in nested:
        text += "\n" + json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256((text + prev_hash).encode("utf-8")).hexdigest()


def test_the_readme_vector_holds_with_and_without_ledger_core() -> None:
    fields = loads_line(LINE)
    fields["cost_usd"] = str(fields["cost_usd"])  # the wire text of the exact decimal
    assert entry_hash(fields, GENESIS_HASH) == EXPECTED
    assert independent_hash(LINE, GENESIS_HASH) == EXPECTED
    assert canonical_bytes(fields).decode().splitlines()[0].startswith('["3f2a6c1e-')
    assert len(SCALAR_FIELDS) == 13


def test_the_readme_shows_the_vector() -> None:
    text = README.read_text()
    assert EXPECTED in text and "0000000000000000000000000000000000000000000000000000000000000000" in text
