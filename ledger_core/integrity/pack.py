"""Checking an audit pack offline (`verify --file PACK.zip`): the pack's own checks
(`formats.audit_pack.verify_pack`: files against the manifest, CSV against JSONL, entries
against the chain positions), each JSONL line's hash recomputed (`verify_lines`, gaps
allowed: a pack is a filtered slice of the chains), and the Ed25519 signature of every
checkpoint in the manifest, whose hash must also equal the pack's entry at that position
when the pack holds it."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from ..contract.integrity import checkpoint_message
from ..formats.audit_pack import PackVerification, verify_pack
from .keys import configured_verify_keys, load_verify_keys, signature_valid
from .lines import verify_lines


def verify_audit_pack(source: str | Path | bytes | BinaryIO, *, verify_key: str | None = None) -> PackVerification:
    """`verify_key`: public key text(s) for the checkpoints instead of the configured ones."""
    keys = dict(load_verify_keys(verify_key, "verify_key")) if verify_key else configured_verify_keys()
    return verify_pack(source, line_check=_line_problems,
                       checkpoint_check=lambda checkpoints, positions: _checkpoint_findings(keys, checkpoints,
                                                                                           positions))


def _line_problems(lines: list[str]) -> list[str]:
    result = verify_lines(lines, allow_gaps=True)
    problems = [f"entries.jsonl {problem}" for problem in result.problems]
    if result.omitted:
        problems.append(f"... and {result.omitted} more entries.jsonl problems")
    return problems


def _checkpoint_findings(keys: dict[str, Any], checkpoints: list[Any],
                         positions: dict[tuple[str, int], str]) -> tuple[list[str], list[str]]:
    """(problems, notes) for the manifest's checkpoints; `positions` maps (org, seq) to the
    hash of the pack's entry there."""
    problems: list[str] = []
    notes: list[str] = []
    if not checkpoints:
        notes.append("the pack holds no signed checkpoint (the ledger has no signing key)")
        return problems, notes
    for item in checkpoints:
        try:
            org_id, seq, entry_id, digest = item["org_id"], int(item["seq"]), item["entry_id"], item["hash"]
            signed_at = datetime.fromisoformat(str(item["signed_at"]).replace("Z", "+00:00"))
            signature, fingerprint = item["signature"], item["public_key_fingerprint"]
        except (KeyError, TypeError, ValueError):
            problems.append(f"manifest.json: a checkpoint is malformed ({str(item)[:80]})")
            continue
        where = f"checkpoint of {org_id} at #{seq}"
        if positions.get((org_id, seq), digest) != digest:
            problems.append(f"{where}: hash {digest}, but the pack's entry at #{seq} has {positions[(org_id, seq)]}")
        key = keys.get(fingerprint)
        if not keys:
            notes.append(f"{where}: signature not checked (no verification key: give the organization's public key "
                         "with --verify-key or LEDGER_VERIFY_KEY)")
        elif key is None:
            problems.append(f"{where}: signed by key {fingerprint}, which is not among the verification keys "
                            f"({', '.join(sorted(keys))})")
        elif signature_valid(key, signature, checkpoint_message(org_id, seq, entry_id, digest, signed_at)):
            notes.append(f"{where}: signature valid (key {fingerprint})")
        else:
            problems.append(f"{where}: the signature does not verify with key {fingerprint}: the checkpoint was "
                            "altered")
    return problems, notes
