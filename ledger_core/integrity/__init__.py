"""Integrity (SPEC section 7): verify the hash chains, sign and check checkpoints, check an
export offline. docs/integrity.md describes the algorithm for third-party verifiers.

- `verify.verify_ledger`: every organization's chain from the database (`Ledger.verify`);
- `lines.verify_lines`: a JSONL export, offline (`verify --file`);
- `checkpoints.sign_chain_heads`: Ed25519-signed chain heads, at the end of every ingest;
- `keys`: the key formats, `generate_key_pair` (`keygen`) and the settings.
"""
from ..contract.integrity import (
    Checkpoint,
    Damage,
    FileChain,
    FileProblem,
    FileVerification,
    LedgerVerification,
    OrgVerification,
)
from .checkpoints import sign_chain_heads
from .keys import generate_key_pair
from .lines import verify_lines
from .verify import verify_ledger

__all__ = [
    "Checkpoint", "Damage", "FileChain", "FileProblem", "FileVerification", "LedgerVerification",
    "OrgVerification", "generate_key_pair", "sign_chain_heads", "verify_ledger", "verify_lines",
]
