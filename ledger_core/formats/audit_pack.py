"""The audit pack: one zip an auditor can check without access to the database.

    pack = ledger.audit_pack(me, min_risk="high", start_date="2024-10-01", end_date="2024-12-31")
    pack.save("q4-high-risk.zip")          # or iterate it for bytes chunks (HTTP), pack.getvalue()

What the zip holds:
- `entries.csv` and `entries.jsonl`: the matching entries, newest first, byte for byte what
  `Ledger.export` writes in those formats for the same selection (the one serializer,
  `formats.wire`; formula-safe CSV, exact costs, each line with its `entry_hash` and
  `prev_hash`).
- `manifest.json`: who asked (user, organization, role) and when, the filters and the row
  limit, how many entries matched and how many the pack holds (`truncated` when the limit
  cut it), each file's size and SHA-256, the chain position (`seq`) and hash of every entry
  per organization, each of those organizations' chain head when the pack was made, and
  the latest signed checkpoint of each (none when the ledger has no signing key). Chain
  heads and checkpoints describe a whole organization: a plain user's pack leaves them out.
- `README.txt`: how to check the pack (`python -m ledger_core verify --file PACK.zip`, or
  by hand with `sha256sum` and the hash algorithm of docs/integrity.md).

The rows are read once from one read snapshot, so the counts, both files and the chain
positions agree. A pack holds at most 100,000 entries (the export limit) and is built in a
spooled temporary file: in memory up to 32 MB, on disk beyond. Making a pack counts as an
export: it spends one call of the export rate limit and is recorded in the export log
with the format `audit-pack`.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, BinaryIO, Iterator

from sqlalchemy import Connection, Engine, func, select

from ..clock import now_utc
from ..contract.common import Principal
from ..contract.entry import ENTRY_FIELDS
from ..contract.export import AuditPackRequest
from ..read.filters import where
from ..read.query import order_by
from ..read.scope import scope_clause
from ..store.db import read_snapshot
from ..store.schema import chain_heads
from ..store.schema import ledger_entries as le
from . import export_log
from ..contract.common import shorten
from .wire import FIELDS, FORMULA_GUARD, FORMULA_START, csv_cells, format_timestamp, json_object, wire_columns

PACK_FORMAT = "ledger-audit-pack/1"
CSV_NAME = "entries.csv"
JSONL_NAME = "entries.jsonl"
MANIFEST_NAME = "manifest.json"
README_NAME = "README.txt"
MEDIA_TYPE = "application/zip"
CHUNK_SIZE = 64 * 1024
SPOOL_LIMIT = 32 * 1024 * 1024
YIELD_PER = 5000
_KINDS = {name: kind for name, _, kind in FIELDS}

README_TEXT = """\
Agent Activity Ledger - audit pack
==================================

This zip holds entries of an Agent Activity Ledger and what is needed to check them:

  entries.csv     the entries, newest first (CSV, UTF-8, CRLF; cells that a spreadsheet
                  would run as a formula start with a ')
  entries.jsonl   the same entries, one JSON object a line, in the same order
  manifest.json   who made the pack and when, the filters, the row count and whether the
                  pack was cut at its row limit ("truncated"), the SHA-256 of each file,
                  the chain position ("seq") and hash of every entry per organization,
                  each organization's chain head and its latest signed checkpoint

Check it with the ledger's command line (no database needed):

    python -m ledger_core verify --file PACK.zip

It reports every problem it finds (a file that differs from its SHA-256 in the manifest,
an entry whose hash does not match its content, a CSV row that differs from the JSONL
entry, a missing or extra entry, a broken link between consecutive entries) and exits
with status 1; 0 means the pack is intact.

By hand:
  1. `sha256sum entries.csv entries.jsonl` equals "sha256" under "files" in manifest.json.
  2. Each JSONL line's entry_hash is SHA-256 of the entry's canonical form followed by its
     prev_hash (the algorithm and a worked example are in the project's docs/integrity.md
     and README, section "Integrity: the hash chain").
  3. In manifest.json, "chain" lists each organization's entries as [seq, id, entry_hash];
     when two entries of one organization have consecutive seq, the later one's
     prev_hash equals the earlier one's entry_hash.
  4. "checkpoints" holds the organization's latest signed chain head (Ed25519); check it
     with the organization's public key as docs/integrity.md describes.
"""


@dataclass
class _Digest:
    """A file being written into the zip: its size, SHA-256 and row count."""

    rows: int = 0
    size: int = 0
    sha256: Any = field(default_factory=hashlib.sha256)

    def add(self, data: bytes, rows: int = 0) -> None:
        self.size += len(data)
        self.sha256.update(data)
        self.rows += rows

    def to_json(self) -> dict[str, Any]:
        return {"bytes": self.size, "rows": self.rows, "sha256": self.sha256.hexdigest()}


class AuditPack:
    """A finished audit pack: `manifest` (dict), `total`, `rows`, `truncated`, `filename`,
    `headers`; iterate it for `bytes` chunks, or `getvalue()` / `save(path)`. Holds a
    temporary file until `close()` (also a context manager)."""

    def __init__(self, data: IO[bytes], manifest: dict[str, Any], started_at: datetime) -> None:
        self._data = data
        self.manifest = manifest
        self.started_at = started_at
        self.total: int = manifest["total_matched"]
        self.rows: int = manifest["rows"]
        self.truncated: bool = manifest["truncated"]

    @property
    def filename(self) -> str:
        return f"ledger-audit-pack-{self.started_at:%Y%m%dT%H%M%SZ}.zip"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPE

    @property
    def size(self) -> int:
        self._data.seek(0, io.SEEK_END)
        return self._data.tell()

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": MEDIA_TYPE,
            "Content-Disposition": f'attachment; filename="{self.filename}"',
            "Content-Length": str(self.size),
            "X-Total-Count": str(self.total),
            "X-Export-Truncated": "true" if self.truncated else "false",
            "X-Export-Rows": str(self.rows),
        }

    def __iter__(self) -> Iterator[bytes]:
        self._data.seek(0)
        while chunk := self._data.read(CHUNK_SIZE):
            yield chunk

    def getvalue(self) -> bytes:
        return b"".join(self)

    def save(self, path: str | Path) -> None:
        """Write the zip to `path`, whole or not at all (a `.part` file until done)."""
        target = Path(path)
        partial = target.with_name(target.name + ".part")
        try:
            with open(partial, "wb") as handle:
                for chunk in self:
                    handle.write(chunk)
            partial.replace(target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise

    def close(self) -> None:
        self._data.close()

    def __enter__(self) -> "AuditPack":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<AuditPack rows={self.rows} total={self.total} truncated={self.truncated}>"


def build_audit_pack(engine: Engine, principal: Principal, request: AuditPackRequest,
                     checkpoints: Any = None) -> AuditPack:
    """Read the selection from one snapshot and write the zip (see the module docstring).
    `checkpoints(conn, org_ids) -> list[dict]` gives the latest signed checkpoint of each
    organization (None: the manifest lists none)."""
    started_at = now_utc()
    filters = request.filters()
    data = tempfile.SpooledTemporaryFile(max_size=SPOOL_LIMIT)
    try:
        with read_snapshot(engine) as conn:
            condition = where(conn, scope_clause(principal, le), filters)
            total = conn.execute(select(func.count()).select_from(le).where(condition)).scalar_one()
            log_id = export_log.log_started(
                engine, principal, started_at=started_at, format="audit-pack", filters=filters,
                row_limit=request.limit, total_matched=total, truncated=total > request.limit,
            )
            try:
                manifest = _write_zip(conn, data, principal, request, condition, total, started_at, checkpoints)
            except BaseException:
                export_log.log_finished(engine, log_id, status="failed", rows_written=0, finished_at=now_utc())
                raise
        export_log.log_finished(engine, log_id, status="completed", rows_written=manifest["rows"],
                                finished_at=now_utc())
    except BaseException:
        data.close()
        raise
    return AuditPack(data, manifest, started_at)


def _write_zip(conn: Connection, data: BinaryIO, principal: Principal, request: AuditPackRequest,
               condition: Any, total: int, started_at: datetime, checkpoints: Any) -> dict[str, Any]:
    statement = (
        select(*wire_columns(conn, le), le.c.seq).where(condition)
        .order_by(*order_by("timestamp", "desc")).limit(request.limit)
    )
    csv_digest, jsonl_digest = _Digest(), _Digest()
    chain: dict[str, list[list[Any]]] = {}
    with zipfile.ZipFile(data, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        with tempfile.TemporaryFile() as jsonl_file:
            with archive.open(CSV_NAME, "w", force_zip64=True) as csv_member:
                buffer = io.StringIO()
                writer = csv.writer(buffer, lineterminator="\r\n")
                writer.writerow(ENTRY_FIELDS)
                result = conn.execution_options(stream_results=True, yield_per=YIELD_PER).execute(statement)
                try:
                    for partition in result.partitions():
                        lines = []
                        for row in partition:
                            writer.writerow(csv_cells(row))
                            lines.append(json_object(row) + "\n")
                            mapping = row._mapping
                            chain.setdefault(mapping["org_id"], []).append(
                                [int(mapping["seq"]), mapping["id"], mapping["entry_hash"]])
                        chunk = buffer.getvalue().encode("utf-8")
                        buffer.seek(0)
                        buffer.truncate()
                        csv_member.write(chunk)
                        csv_digest.add(chunk, len(partition))
                        encoded = "".join(lines).encode("utf-8")
                        jsonl_file.write(encoded)
                        jsonl_digest.add(encoded, len(partition))
                    tail = buffer.getvalue().encode("utf-8")  # the header alone when nothing matched
                    csv_member.write(tail)
                    csv_digest.add(tail)
                finally:
                    result.close()
            jsonl_file.seek(0)
            with archive.open(JSONL_NAME, "w", force_zip64=True) as jsonl_member:
                while chunk := jsonl_file.read(CHUNK_SIZE):
                    jsonl_member.write(chunk)
        org_ids = sorted(chain)
        whole_orgs = principal.role in ("org_admin", "superuser")
        manifest = {
            "format": PACK_FORMAT,
            "generated_at": format_timestamp(started_at),
            "requested_by": {"user_id": principal.user_id, "org_id": principal.org_id, "role": principal.role},
            "filters": export_log.filters_json(request.filters()),
            "limit": request.limit,
            "total_matched": total,
            "rows": csv_digest.rows,
            "truncated": total > request.limit,
            "order": "timestamp desc, id desc",
            "files": {CSV_NAME: csv_digest.to_json(), JSONL_NAME: jsonl_digest.to_json()},
            "chain": {org: {"entries": len(chain[org]), "positions": sorted(chain[org])} for org in org_ids},
            # A chain head or checkpoint counts the whole organization's actions: not a plain user's to see.
            "chain_heads": _chain_heads(conn, org_ids) if whole_orgs else {},
            "checkpoints": checkpoints(conn, org_ids) if checkpoints is not None and org_ids and whole_orgs else [],
        }
        archive.writestr(MANIFEST_NAME, _manifest_text(manifest))
        archive.writestr(README_NAME, README_TEXT)
    return manifest


_POSITION = re.compile(r'\[\s+(\d+),\s+("[^"]*"),\s+("[0-9a-f]{64}")\s+\]')


def _manifest_text(manifest: dict[str, Any]) -> str:
    """Indented JSON with one chain position ([seq, id, entry_hash]) a line."""
    return _POSITION.sub(r"[\1, \2, \3]", json.dumps(manifest, indent=1, ensure_ascii=False)) + "\n"


def _chain_heads(conn: Connection, org_ids: list[str]) -> dict[str, dict[str, Any]]:
    if not org_ids:
        return {}
    rows = conn.execute(
        select(chain_heads.c.org_id, chain_heads.c.count, chain_heads.c.last_hash)
        .where(chain_heads.c.org_id.in_(org_ids))
    ).all()
    return {row.org_id: {"count": int(row.count), "last_hash": row.last_hash} for row in rows}


# --- checking a pack ---------------------------------------------------------------------

MAX_PROBLEMS_PER_CHECK = 20


@dataclass
class PackVerification:
    """What `verify_pack` found: `ok` when `problems` is empty; each problem names the
    file, the line or row and the entry where it can."""

    rows: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "rows": self.rows, "problems": self.problems, "notes": self.notes}


class _Problems:
    """Problems of one check, capped so that a badly damaged pack gives a readable report."""

    def __init__(self, report: PackVerification, what: str) -> None:
        self.report, self.what, self.count = report, what, 0

    def add(self, message: str) -> None:
        self.count += 1
        if self.count <= MAX_PROBLEMS_PER_CHECK:
            self.report.problems.append(message)

    def close(self) -> None:
        if self.count > MAX_PROBLEMS_PER_CHECK:
            self.report.problems.append(f"... and {self.count - MAX_PROBLEMS_PER_CHECK} more {self.what} problems")


def verify_pack(source: str | Path | bytes | BinaryIO, line_check: Any = None,
                checkpoint_check: Any = None) -> PackVerification:
    """Check an audit pack offline: the files against the manifest's sizes and SHA-256,
    the CSV rows against the JSONL entries (same entries, same values), the entries
    against the manifest's chain positions, and the links between entries of one
    organization with consecutive positions. `line_check(lines) -> list[str]` adds the
    recomputation of each JSONL line's hash and `checkpoint_check(checkpoints, positions)
    -> (problems, notes)` the checkpoints' signatures (`integrity.pack.verify_audit_pack`
    wires both); `positions` maps (organization, seq) to the entry hash listed there."""
    report = PackVerification()
    try:
        archive = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (OSError, zipfile.BadZipFile) as exc:
        report.problems.append(f"not a readable zip file: {exc}")
        return report
    with archive:
        names = set(archive.namelist())
        missing = [name for name in (MANIFEST_NAME, CSV_NAME, JSONL_NAME) if name not in names]
        if missing:
            report.problems.append(f"the pack lacks {', '.join(missing)}")
            return report
        try:
            manifest = json.loads(archive.read(MANIFEST_NAME))
            files = {name: archive.read(name) for name in (CSV_NAME, JSONL_NAME)}
        except (ValueError, zipfile.BadZipFile, OSError) as exc:
            report.problems.append(f"{MANIFEST_NAME} or a data file cannot be read: {exc}")
            return report
    if not isinstance(manifest, dict) or manifest.get("format") != PACK_FORMAT:
        report.problems.append(f"{MANIFEST_NAME} is not a {PACK_FORMAT} manifest")
        return report
    _check_digests(report, manifest, files)
    entries = _check_jsonl(report, files[JSONL_NAME])
    report.rows = len(entries)
    if len(entries) != manifest.get("rows"):
        report.problems.append(f"{JSONL_NAME} holds {len(entries)} entries, the manifest says {manifest.get('rows')}")
    _check_csv(report, files[CSV_NAME], entries)
    _check_chain(report, manifest, entries)
    if line_check is not None:
        report.problems.extend(line_check(files[JSONL_NAME].decode("utf-8", "replace").splitlines()))
    if checkpoint_check is not None:
        problems, notes = checkpoint_check(manifest.get("checkpoints") or [], _positions(manifest))
        report.problems.extend(problems)
        report.notes.extend(notes)
    if manifest.get("truncated"):
        report.notes.append(f"the pack was cut at its limit: {manifest.get('rows')} of "
                            f"{manifest.get('total_matched')} matching entries")
    return report


def _positions(manifest: dict[str, Any]) -> dict[tuple[str, int], str]:
    return {(org, int(seq)): digest for org, part in (manifest.get("chain") or {}).items()
            for seq, _, digest in part.get("positions") or []}


def _check_digests(report: PackVerification, manifest: dict[str, Any], files: dict[str, bytes]) -> None:
    described = manifest.get("files") or {}
    for name, data in files.items():
        entry = described.get(name) or {}
        found = hashlib.sha256(data).hexdigest()
        if entry.get("sha256") != found or entry.get("bytes") != len(data):
            report.problems.append(
                f"{name}: {len(data)} bytes with SHA-256 {found}, the manifest says {entry.get('bytes')} bytes "
                f"with SHA-256 {entry.get('sha256')}: the file was changed after the pack was made")


def _check_jsonl(report: PackVerification, data: bytes) -> list[dict[str, Any]]:
    problems = _Problems(report, JSONL_NAME)
    entries: list[dict[str, Any]] = []
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        try:
            entry = json.loads(line, parse_float=Decimal)
        except ValueError:
            problems.add(f"{JSONL_NAME} line {number}: not a JSON object")
            entry = None
        if not isinstance(entry, dict) or any(name not in entry for name in ENTRY_FIELDS):
            if entry is not None:
                problems.add(f"{JSONL_NAME} line {number}: not a ledger entry")
            entries.append({"_line": number})
            continue
        entry["_line"] = number
        entries.append(entry)
    problems.close()
    return entries


def _cell_value(name: str, cell: str) -> Any:
    """A CSV cell back to the JSON value it was written from (see `wire.csv_cells`)."""
    kind = _KINDS[name]
    if kind == "json":
        return None if cell == "" else json.loads(cell, parse_float=Decimal)
    if kind == "number":
        return Decimal(cell)
    return None if cell == "" else cell


def _same(name: str, cell: str, value: Any) -> bool:
    """Whether the cell was written from `value`. A cell starting with `'` and a formula
    character is read both ways (guarded, or text that began with a quote)."""
    readings = [cell]
    if cell[:1] == FORMULA_GUARD and cell[1:2] in FORMULA_START:
        readings.insert(0, cell[1:])
    for reading in readings:
        try:
            found = _cell_value(name, reading)
        except (ValueError, ArithmeticError):
            continue
        if _KINDS[name] == "number":
            if isinstance(value, (int, Decimal)) and not isinstance(value, bool) and found == Decimal(value):
                return True
        elif found == value or (found is None and value == "" and _KINDS[name] == "string"):
            return True
    return False


def _check_csv(report: PackVerification, data: bytes, entries: list[dict[str, Any]]) -> None:
    """Each CSV row against the JSONL entry with its id (a missing or extra row is named
    once, not as a shift of every later row), then the order of the rows."""
    problems = _Problems(report, CSV_NAME)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8", "replace"), newline="")))
    if not rows or tuple(rows[0]) != ENTRY_FIELDS:
        problems.add(f"{CSV_NAME}: the header row is not the ledger's field names")
        problems.close()
        return
    by_id = {entry["id"]: entry for entry in entries if "id" in entry}
    seen: list[str] = []
    for number, row in enumerate(rows[1:], start=2):
        entry = by_id.get(row[0].lstrip(FORMULA_GUARD)) if row else None
        if entry is None:
            problems.add(f"{CSV_NAME} row {number}: entry {shorten(row[0] if row else '')} is not in {JSONL_NAME}")
            continue
        seen.append(entry["id"])
        if len(row) != len(ENTRY_FIELDS):
            problems.add(f"{CSV_NAME} row {number} (entry {entry['id']}): {len(row)} cells, expected "
                         f"{len(ENTRY_FIELDS)}")
            continue
        for name, cell in zip(ENTRY_FIELDS, row):
            if not _same(name, cell, entry[name]):
                problems.add(f"{CSV_NAME} row {number} (entry {entry['id']}), column {name}: {shorten(cell)} "
                             f"differs from the JSONL entry ({shorten(entry[name])})")
    for entry_id in by_id.keys() - set(seen):
        problems.add(f"entry {entry_id} is in {JSONL_NAME} (line {by_id[entry_id]['_line']}) but not in {CSV_NAME}")
    listed = [entry["id"] for entry in entries if "id" in entry]
    if set(seen) == set(listed) and seen != listed:
        problems.add(f"{CSV_NAME}: the rows are not in the order of {JSONL_NAME}")
    problems.close()


def _check_chain(report: PackVerification, manifest: dict[str, Any], entries: list[dict[str, Any]]) -> None:
    problems = _Problems(report, "chain")
    listed: dict[str, tuple[str, int, str]] = {}
    for org, part in (manifest.get("chain") or {}).items():
        for seq, entry_id, digest in part.get("positions") or []:
            listed[entry_id] = (org, seq, digest)
    seen: dict[tuple[str, int], dict[str, Any]] = {}
    for entry in entries:
        if "id" not in entry:
            continue
        place = listed.pop(entry["id"], None)
        if place is None:
            problems.add(f"{JSONL_NAME} line {entry['_line']}: entry {entry['id']} is not in the manifest's chain")
            continue
        org, seq, digest = place
        if (entry["org_id"], entry["entry_hash"]) != (org, digest):
            problems.add(f"{JSONL_NAME} line {entry['_line']}: entry {entry['id']} has hash {entry['entry_hash']} "
                         f"in {entry['org_id']}, the manifest lists {digest} in {org}")
        seen[(org, seq)] = entry
    for entry_id, (org, seq, _) in sorted(listed.items(), key=lambda item: item[1]):
        problems.add(f"entry {entry_id} ({org} #{seq}) is listed in the manifest but missing from {JSONL_NAME}")
    for (org, seq), entry in sorted(seen.items()):
        earlier = seen.get((org, seq - 1))
        if earlier is not None and entry["prev_hash"] != earlier["entry_hash"]:
            problems.add(f"{JSONL_NAME} line {entry['_line']}: entry {entry['id']} ({org} #{seq}) does not link "
                         f"to {earlier['id']} (#{seq - 1}): prev_hash {entry['prev_hash']}, expected "
                         f"{earlier['entry_hash']}")
    problems.close()
