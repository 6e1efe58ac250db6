"""docs/integrity.md stays true: its independent export verifier agrees with the ledger,
and its checkpoint test vector is what the ledger signs."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

from ledger_core.contract.integrity import checkpoint_message
from ledger_core.integrity import keys, verify_lines
from tests.core.integrity.test_lines import export_lines
from tests.helpers import load_chains

DOC = (Path(__file__).resolve().parents[3] / "docs" / "integrity.md").read_text()


def _independent_verifier():  # type: ignore[no-untyped-def]
    block = re.search(r"<!-- independent-verifier -->\n```python\n(.*?)```", DOC, re.DOTALL)
    assert block is not None
    namespace: dict = {}
    exec(compile(block.group(1), "docs/integrity.md", "exec"), namespace)  # noqa: S102 - our own docs
    return namespace["check_export"]


def test_the_documented_verifier_agrees_with_verify_lines(ledger):  # type: ignore[no-untyped-def]
    check_export = _independent_verifier()
    load_chains(ledger)
    lines = export_lines(ledger, "root")
    assert check_export(lines) == [] and verify_lines(lines).ok

    record = json.loads(lines[4])
    record["duration_ms"] += 1
    edited = lines[:4] + [json.dumps(record).encode()] + lines[5:]
    assert check_export(edited) == [(5, f"entry {record['id']} was edited")]
    assert [(p.line, p.kind) for p in verify_lines(edited).problems] == [(5, "altered")]

    org = json.loads(lines[10])["org_id"]
    later = next(n for n in range(10, 0, -1) if json.loads(lines[n - 1])["org_id"] == org)
    removed = lines[:10] + lines[11:]
    assert [number for number, _ in check_export(removed)] == [later]
    assert [p.line for p in verify_lines(removed).problems] == [later]


def test_the_checkpoint_test_vector():
    seed = re.search(r"private key seed\n`([^`]+)`", DOC).group(1)  # type: ignore[union-attr]
    public = re.search(r"public key\n`([^`]+)`", DOC).group(1)  # type: ignore[union-attr]
    fingerprint = re.search(r"fingerprint\n`([0-9a-f]{32})`", DOC).group(1)  # type: ignore[union-attr]
    message = re.search(r"the message\n\n```text\n(.+)\n```", DOC).group(1)  # type: ignore[union-attr]
    signature = re.search(r"has the signature\n`([^`]+)`", DOC).group(1)  # type: ignore[union-attr]
    key = keys.load_signing_key(seed)
    assert keys.public_key_text(key.public) == public and key.fingerprint == fingerprint
    assert checkpoint_message("acme", 1, "3f2a6c1e-8d4b-4e7a-9c3d-1a2b3c4d5e6f",
                              "f20968bc05bb1e22c8c3d7e5d8de926d8e6c438551fcb350a3bcda15061dfb46",
                              datetime(2024, 11, 14, 9, 31, tzinfo=timezone.utc)) == message.encode()
    assert key.sign(message.encode()) == signature
    assert keys.signature_valid(keys.load_verify_keys(public)[fingerprint], signature, message.encode())
