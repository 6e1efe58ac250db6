"""Verify a JSONL export offline (`python -m ledger_core verify --file`, `verify_lines`).

An export line carries every hashed field plus `entry_hash` and `prev_hash` (but not the
chain position `seq`), which is enough to prove it is an unaltered slice of the chain:

1. each line's `entry_hash` is recomputed from its fields and its `prev_hash`
   (`altered`: any edited cell);
2. lines follow the export's order, newest first (`timestamp` descending, then `id`
   descending) (`order`: lines moved or swapped);
3. per organization the lines are linked by their hashes: a line's `prev_hash` is the
   `entry_hash` of another line of the file, except for the chain's oldest line in the
   file. A line whose predecessor is missing starts another piece of the chain (`gap`: a
   line removed); two lines following the same entry (`fork`) or one entry twice
   (`duplicate`) are refused.

Filtered exports (an outcome, an agent...) hold pieces of the chain by design: with
`allow_gaps=True` the breaks between pieces are counted (`gaps`) instead of refused, and
each line is still checked. Without `seq` a file cannot show that lines are missing
before its oldest or after its newest line: compare `FileChain.newest_hash` with a signed
checkpoint (`Ledger.latest_checkpoints`) for that.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

from ..contract.entry import NESTED_FIELDS
from ..contract.integrity import FileChain, FileProblem, FileVerification
from ..formats.canonical import GENESIS_HASH, SCALAR_FIELDS, canonical_from_texts, chain_hash, nested_json
from ..formats.wire import loads_line
from ..store.types import format_decimal

MAX_PROBLEMS = 1000
_HEX = frozenset("0123456789abcdef")
_TEXT_FIELDS = frozenset(SCALAR_FIELDS) - {"cost_usd", "duration_ms"}
_OPTIONAL = frozenset({"error_message", "blocked_reason"})


@dataclass
class _Line:
    number: int
    entry_id: str
    org_id: str
    entry_hash: str
    prev_hash: str


class _Problems:
    def __init__(self) -> None:
        self.items: list[FileProblem] = []
        self.omitted = 0

    def add(self, line: int, entry_id: str | None, kind: str, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(FileProblem(line, entry_id, message, kind))
        else:
            self.omitted += 1


def _is_hash(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HEX


def _scalars(record: dict[str, Any]) -> list[Any]:
    """The 13 scalar values of the canonical form from a parsed line (ValueError if wrong)."""
    values = []
    for name in SCALAR_FIELDS:
        if name not in record:
            raise ValueError(f"the field {name} is missing")
        value = record[name]
        if name == "cost_usd":
            if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
                raise ValueError("cost_usd must be a decimal number")
            try:
                value = format_decimal(Decimal(value))
            except ArithmeticError:
                raise ValueError("cost_usd must be a decimal number") from None
        elif name == "duration_ms":
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError("duration_ms must be a whole number")
        elif name in _TEXT_FIELDS and not (isinstance(value, str) or (value is None and name in _OPTIONAL)):
            raise ValueError(f"{name} must be text")
        values.append(value)
    return values


def _read(number: int, raw: str | bytes, problems: _Problems) -> tuple[_Line, tuple[str, str]] | None:
    """Parse and hash-check one line: (the line, its (timestamp, id) order key) or None."""
    if isinstance(raw, bytes):
        if number == 1:
            raw = raw.removeprefix(codecs.BOM_UTF8)
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.add(number, None, "unreadable", f"not valid UTF-8 ({exc.reason})")
            return None
    elif number == 1:
        raw = raw.removeprefix("\ufeff")
    try:
        record = loads_line(raw)
    except (ValueError, RecursionError) as exc:
        problems.add(number, None, "unreadable", f"not valid JSON ({getattr(exc, 'msg', exc)})")
        return None
    if not isinstance(record, dict):
        problems.add(number, None, "unreadable", "not a JSON object (an export line is one entry)")
        return None
    entry_id = record.get("id") if isinstance(record.get("id"), str) else None
    try:
        scalars = _scalars(record)
        nested = [nested_json(record.get(name)) for name in NESTED_FIELDS]
    except (ValueError, TypeError, RecursionError) as exc:
        problems.add(number, entry_id, "unreadable", str(exc))
        return None
    stored, prev = record.get("entry_hash"), record.get("prev_hash")
    if not _is_hash(stored) or not _is_hash(prev):
        problems.add(number, entry_id, "unreadable",
                     "entry_hash and prev_hash must be 64 lower-case hex digits (is this an export of the ledger?)")
        return None
    computed = chain_hash(canonical_from_texts(scalars, nested), prev)
    if computed != stored:
        problems.add(number, entry_id, "altered",
                     f"the line was edited: its fields hash to {computed}, but its entry_hash is {stored}")
    assert entry_id is not None  # _scalars checked it is text
    line = _Line(number, entry_id, record["org_id"], stored, prev)
    return line, (record["timestamp"], entry_id)


def verify_lines(lines: Iterable[str | bytes], *, allow_gaps: bool = False) -> FileVerification:
    """Check the lines of a JSONL export (see the module docstring); blank lines are skipped.

    >>> with open("export.jsonl", "rb") as fh:
    ...     result = verify_lines(fh)
    >>> result.ok, result.lines, [str(p) for p in result.problems]
    """
    problems = _Problems()
    read: list[_Line] = []
    previous_key: tuple[str, str] | None = None
    previous_number = 0
    count = 0
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        count += 1
        parsed = _read(number, raw, problems)
        if parsed is None:
            continue
        line, key = parsed
        if previous_key is not None and key >= previous_key:
            problems.add(number, line.entry_id, "order",
                         f"out of the export's order (newest first, then id descending): it belongs before line "
                         f"{previous_number} (lines moved or swapped)")
        previous_key, previous_number = key, number
        read.append(line)
    chains, gaps = _link(read, problems, allow_gaps)
    return FileVerification(lines=count, problems=sorted(problems.items, key=lambda p: p.line), chains=chains,
                            gaps=gaps, omitted=problems.omitted)


def _link(read: list[_Line], problems: _Problems, allow_gaps: bool) -> tuple[list[FileChain], int]:
    """Link each organization's lines by hash; report forks, duplicates and gaps."""
    by_org: dict[str, list[_Line]] = {}
    for line in read:
        by_org.setdefault(line.org_id, []).append(line)
    chains = []
    gaps = 0
    for org_id in sorted(by_org):
        lines = by_org[org_id]
        by_hash: dict[str, _Line] = {}
        followers: dict[str, _Line] = {}
        for line in lines:
            if line.entry_hash in by_hash:
                problems.add(line.number, line.entry_id, "duplicate",
                             f"the same entry as line {by_hash[line.entry_hash].number}")
                continue
            by_hash[line.entry_hash] = line
            if line.prev_hash in followers:
                problems.add(line.number, line.entry_id, "fork",
                             f"follows the same entry (hash {line.prev_hash}) as line "
                             f"{followers[line.prev_hash].number}: a chain has one successor per entry")
                continue
            followers[line.prev_hash] = line
        starts = [line for line in by_hash.values() if line.prev_hash not in by_hash]
        newest = [line for line in by_hash.values() if line.entry_hash not in followers]
        # The oldest piece: the one starting at the organization's first entry, else the
        # one whose first line comes last in the file (the export is newest first).
        starts.sort(key=lambda line: (line.prev_hash == GENESIS_HASH, line.number), reverse=True)
        for line in starts[1:]:
            if allow_gaps:
                gaps += 1
                continue
            problems.add(line.number, line.entry_id, "gap",
                         f"the entry before it in the chain (hash {line.prev_hash}) is not in the file: a line was "
                         "removed here (or the export is filtered: verify it with allow_gaps / --allow-gaps)")
        newest_line = min(newest, key=lambda line: line.number) if newest else None
        chains.append(FileChain(org_id=org_id, lines=len(lines), segments=len(starts),
                                newest_hash=newest_line.entry_hash if newest_line else None,
                                oldest_prev_hash=starts[0].prev_hash if starts else None))
    return chains, gaps
