"""Integrity results (SPEC section 7): what `Ledger.verify`, `verify --file`
(`integrity.verify_lines`) and `Ledger.latest_checkpoints` return. Each has `to_json()`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

DAMAGE_KINDS: dict[str, str] = {
    "altered": "the entry's stored fields no longer hash to its entry_hash: it was edited",
    "broken_link": "the entry's prev_hash is not the hash of the entry before it: entries were replaced, "
                   "swapped or reordered",
    "missing": "entries are missing inside the chain: they were deleted",
    "truncated": "the newest entries are missing: the chain head or a signed checkpoint reaches further",
    "head_mismatch": "the chain head's count or last hash disagrees with the chain",
    "checkpoint_mismatch": "a signed checkpoint names another entry or hash at its position",
    "bad_signature": "a checkpoint's signature does not verify with its key: the checkpoint was altered",
    "unknown_key": "a checkpoint was signed by a key that is not among the verification keys",
}
"""Kinds of damage `verify` reports (the first one found per organization)."""

CHECKPOINT_STATUSES: dict[str, str] = {
    "signed": "every checkpoint's signature verified with a configured public key",
    "unverified": "checkpoints exist but no public key is configured (LEDGER_VERIFY_KEY): signatures not checked",
    "unsigned": "no signed checkpoints: no signing key (LEDGER_SIGNING_KEY) was configured at ingest",
}

CHECKPOINT_FORMAT = "ledger-checkpoint/1"


def _iso(moment: datetime) -> str:
    from ..formats.wire import format_timestamp

    return format_timestamp(moment)


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Damage:
    """The first broken link of one organization's chain: what `kind` (see `DAMAGE_KINDS`),
    where (`seq`, and `entry_id` when known: a deleted entry's id is known only from a
    checkpoint), the hash the chain requires there (`expected`) and what is there (`found`)."""

    kind: str
    message: str
    seq: int | None = None
    entry_id: str | None = None
    expected: str | None = None
    found: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "seq": self.seq, "entry_id": self.entry_id, "expected": self.expected,
                "found": self.found, "message": self.message}


@dataclass(frozen=True)
class OrgVerification:
    """One organization's chain: how much was checked and the first damage (None: intact)."""

    org_id: str
    entries: int
    head_count: int | None
    head_hash: str | None
    checkpoints: int
    checkpoint_status: str
    latest_checkpoint_seq: int | None
    damage: Damage | None = None

    @property
    def ok(self) -> bool:
        return self.damage is None

    @property
    def unsigned_entries(self) -> int:
        """Entries after the latest checkpoint (not yet covered by a signature)."""
        return max((self.head_count or 0) - (self.latest_checkpoint_seq or 0), 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "org_id": self.org_id, "ok": self.ok, "entries": self.entries, "head_count": self.head_count,
            "head_hash": self.head_hash, "checkpoints": self.checkpoints,
            "checkpoint_status": self.checkpoint_status, "latest_checkpoint_seq": self.latest_checkpoint_seq,
            "unsigned_entries": self.unsigned_entries,
            "damage": self.damage.to_dict() if self.damage else None,
        }


@dataclass(frozen=True)
class LedgerVerification:
    """`Ledger.verify`: every organization in the caller's scope, in id order."""

    organizations: list[OrgVerification]
    verify_keys: list[str] = field(default_factory=list)  # fingerprints of the public keys used
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(org.ok for org in self.organizations)

    @property
    def entries(self) -> int:
        return sum(org.entries for org in self.organizations)

    @property
    def damaged(self) -> list[OrgVerification]:
        return [org for org in self.organizations if not org.ok]

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "entries": self.entries, "seconds": round(self.seconds, 3),
                "verify_keys": self.verify_keys,
                "organizations": [org.to_dict() for org in self.organizations]}

    def to_json(self) -> str:
        return _dumps(self.to_dict())


@dataclass(frozen=True)
class Checkpoint:
    """A signed chain head: organization `org_id` had `seq` entries, the last one
    `entry_id` with hash `last_hash`, at `signed_at`; `signature` is the base64 Ed25519
    signature of `signed_message()` by the key whose fingerprint is `key_fingerprint`."""

    org_id: str
    seq: int
    entry_id: str
    last_hash: str
    signed_at: datetime
    signature: str
    key_fingerprint: str

    @property
    def count(self) -> int:
        return self.seq

    def signed_message(self) -> bytes:
        """The signed bytes: the UTF-8 compact JSON array
        `["ledger-checkpoint/1", org_id, seq, entry_id, last_hash, signed_at]`."""
        return checkpoint_message(self.org_id, self.seq, self.entry_id, self.last_hash, self.signed_at)

    def to_dict(self) -> dict[str, Any]:
        return {"org_id": self.org_id, "seq": self.seq, "count": self.seq, "entry_id": self.entry_id,
                "hash": self.last_hash, "signed_at": _iso(self.signed_at), "signature": self.signature,
                "public_key_fingerprint": self.key_fingerprint, "format": CHECKPOINT_FORMAT}

    def to_json(self) -> str:
        return _dumps(self.to_dict())


def checkpoint_message(org_id: str, seq: int, entry_id: str, last_hash: str, signed_at: datetime) -> bytes:
    """What a checkpoint's signature covers (see `Checkpoint.signed_message`)."""
    text = json.dumps([CHECKPOINT_FORMAT, org_id, seq, entry_id, last_hash, _iso(signed_at)],
                      ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8")


@dataclass(frozen=True)
class FileProblem:
    """Something wrong with one line of an export: its 1-based `line`, the entry's id
    when the line could be read, what `kind` (unreadable, altered, order, gap, fork,
    duplicate) and a message for a person."""

    line: int
    entry_id: str | None
    message: str
    kind: str = "altered"

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "entry_id": self.entry_id, "kind": self.kind, "message": self.message}

    def __str__(self) -> str:
        where = f"line {self.line}" + (f" (entry {self.entry_id})" if self.entry_id else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class FileChain:
    """One organization's lines in an export: how many, in how many unbroken pieces of
    its chain (`segments`; 1 for a contiguous slice), the newest entry's hash (to compare
    with a checkpoint or chain head) and the hash the oldest line follows (64 zeros when
    the file starts at the organization's first entry)."""

    org_id: str
    lines: int
    segments: int
    newest_hash: str | None
    oldest_prev_hash: str | None

    @property
    def starts_at_genesis(self) -> bool:
        return self.oldest_prev_hash == "0" * 64

    def to_dict(self) -> dict[str, Any]:
        return {"org_id": self.org_id, "lines": self.lines, "segments": self.segments,
                "newest_hash": self.newest_hash, "oldest_prev_hash": self.oldest_prev_hash,
                "starts_at_genesis": self.starts_at_genesis}


@dataclass(frozen=True)
class FileVerification:
    """`integrity.verify_lines`: `lines` read (blank lines aside), every `problems` found
    (at most `MAX_PROBLEMS`; `omitted` counts the rest), each organization's `chains`, and
    `gaps`: breaks between pieces of a chain that were allowed (`allow_gaps=True`)."""

    lines: int
    problems: list[FileProblem]
    chains: list[FileChain]
    gaps: int = 0
    omitted: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "lines": self.lines, "problems": [p.to_dict() for p in self.problems],
                "omitted_problems": self.omitted, "gaps": self.gaps,
                "chains": [chain.to_dict() for chain in self.chains]}

    def to_json(self) -> str:
        return _dumps(self.to_dict())
