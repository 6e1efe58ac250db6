"""Ingest (SPEC sections 2 and 8): a batch of records in, a report out."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import LedgerValidationError

MAX_BATCH_RECORDS = 10_000
"""Records in one `POST /api/v1/ingest` batch (files and the Python API take any number)."""


MAX_REASON_CHARS = 1000
"""A refusal's reason is cut to this length: a huge input is never echoed whole."""


@dataclass(frozen=True)
class Refusal:
    """A record that was not stored: its line (1-based position in a file or batch) and why.

    `conflict` marks a conflicting duplicate (an id already stored, or sent earlier in the
    same input, with other content; the stored record is unchanged), and `conflict_fields`
    names the fields that differ, in wire order (empty when the stored record is outside
    the scope of the ingest's owner, who learns nothing about it)."""

    line: int
    reason: str
    conflict: bool = False
    conflict_fields: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.reason) > MAX_REASON_CHARS:
            cut = f"… ({len(self.reason):,} characters)"
            object.__setattr__(self, "reason", self.reason[:MAX_REASON_CHARS - len(cut)] + cut)

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class IngestReport:
    added: int = 0
    duplicates: int = 0
    refusals: list[Refusal] = field(default_factory=list)

    @property
    def refused(self) -> int:
        return len(self.refusals)

    @property
    def conflicts(self) -> int:
        """Refused records that reuse a stored id with other content (among `refused`)."""
        return sum(1 for refusal in self.refusals if refusal.conflict)

    @property
    def processed(self) -> int:
        return self.added + self.duplicates + self.refused

    def summary(self) -> str:
        text = f"{self.added} added, {self.duplicates} skipped as duplicates, {self.refused} refused"
        if self.conflicts:
            text += f" ({self.conflicts} of them conflicting: an id already stored with other content)"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {"added": self.added, "duplicates": self.duplicates, "refused": self.refused,
                "conflicts": self.conflicts,
                "refusals": [{"line": r.line, "reason": r.reason, "conflict": r.conflict,
                              "conflict_fields": list(r.conflict_fields)}
                             for r in self.refusals]}


def parse_batch(body: Any) -> list[Any]:
    """An ingest batch: a JSON array of at most `MAX_BATCH_RECORDS` records (each record
    is checked by the ingest itself, which reports every refused one with its position)."""
    if not isinstance(body, list):
        raise LedgerValidationError("records: the body must be a JSON array of actions", field="records")
    if len(body) > MAX_BATCH_RECORDS:
        raise LedgerValidationError(
            f"records: at most {MAX_BATCH_RECORDS:,} actions per batch ({len(body):,} were sent); "
            "send several batches", field="records")
    return body
