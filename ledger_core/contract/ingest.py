"""Ingest (SPEC sections 2 and 8): a batch of records in, a report out."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import LedgerValidationError

MAX_BATCH_RECORDS = 10_000
"""Records in one `POST /api/v1/ingest` batch (files and the Python API take any number)."""


@dataclass(frozen=True)
class Refusal:
    """A record that was not stored: its line (1-based position in a file or batch) and why."""

    line: int
    reason: str

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
    def processed(self) -> int:
        return self.added + self.duplicates + self.refused

    def summary(self) -> str:
        return f"{self.added} added, {self.duplicates} skipped as duplicates, {self.refused} refused"

    def to_dict(self) -> dict[str, Any]:
        return {"added": self.added, "duplicates": self.duplicates, "refused": self.refused,
                "refusals": [{"line": r.line, "reason": r.reason} for r in self.refusals]}


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
