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
  the latest signed checkpoint of each (none when the ledger has no signing key).
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
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
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
from .wire import csv_cells, format_timestamp, json_object, wire_columns

PACK_FORMAT = "ledger-audit-pack/1"
CSV_NAME = "entries.csv"
JSONL_NAME = "entries.jsonl"
MANIFEST_NAME = "manifest.json"
README_NAME = "README.txt"
MEDIA_TYPE = "application/zip"
CHUNK_SIZE = 64 * 1024
SPOOL_LIMIT = 32 * 1024 * 1024
YIELD_PER = 5000

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
            "chain_heads": _chain_heads(conn, org_ids),
            "checkpoints": checkpoints(conn, org_ids) if checkpoints is not None and org_ids else [],
        }
        archive.writestr(MANIFEST_NAME, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
        archive.writestr(README_NAME, README_TEXT)
    return manifest


def _chain_heads(conn: Connection, org_ids: list[str]) -> dict[str, dict[str, Any]]:
    if not org_ids:
        return {}
    rows = conn.execute(
        select(chain_heads.c.org_id, chain_heads.c.count, chain_heads.c.last_hash)
        .where(chain_heads.c.org_id.in_(org_ids))
    ).all()
    return {row.org_id: {"count": int(row.count), "last_hash": row.last_hash} for row in rows}
