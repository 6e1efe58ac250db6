"""The export audit trail (SPEC section 5): who exported what, when, and how many rows.

Each export writes one `export_log` row when it is created (status `started`, so an
export that never finishes is still on record) and updates it when the stream ends:
`completed`, `aborted` (the consumer stopped early or closed the stream; `rows_written`
counts the rows in the chunks handed over) or `failed` (the database failed mid-stream).

Reading is scoped like the ledger itself, by `scope.scope_clause`: a superuser reads
every export, an org admin their organization's, a plain user only their own.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, update

from ..contract.common import Principal
from ..contract.export import ExportLogRecord
from ..contract.query import EntryFilters
from ..errors import LedgerValidationError
from ..read.scope import scope_clause
from ..store.db import write_transaction
from ..store.schema import export_log
from .wire import format_timestamp

STATUSES = ("started", "completed", "aborted", "failed")
DEFAULT_LOG_LIMIT = 100
MAX_LOG_LIMIT = 1000


def filters_json(filters: EntryFilters) -> dict[str, str]:
    """The filters that constrain an export, as the strings a URL would carry (dates in
    ISO 8601 UTC, several values joined by commas, flags as true/false)."""
    out: dict[str, str] = {}
    for name, value in filters.model_dump(exclude_none=True).items():
        if isinstance(value, datetime):
            out[name] = format_timestamp(value)
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, (tuple, list)):
            out[name] = ",".join(value)
        else:
            out[name] = str(value)
    return out


def log_started(engine: Engine, principal: Principal, *, started_at: datetime, format: str,
                filters: EntryFilters, row_limit: int, total_matched: int, truncated: bool) -> int:
    """Record an export as it starts (committed at once); returns the log id."""
    with write_transaction(engine) as conn:
        result = conn.execute(export_log.insert().values(
            user_id=principal.user_id,
            org_id=principal.org_id,
            started_at=started_at,
            finished_at=None,
            format=format,
            filters=filters_json(filters),
            row_limit=row_limit,
            total_matched=total_matched,
            rows_written=0,
            truncated=truncated,
            status="started",
        ))
        return int(result.inserted_primary_key[0])


def log_finished(engine: Engine, log_id: int, *, status: str, rows_written: int,
                 finished_at: datetime) -> None:
    if status not in STATUSES:
        raise ValueError(f"unknown export status {status!r}")
    with write_transaction(engine) as conn:
        conn.execute(
            update(export_log)
            .where(export_log.c.id == log_id)
            .values(status=status, rows_written=rows_written, finished_at=finished_at)
        )


def _check_limit(limit: Any) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int):
        if isinstance(limit, str) and limit.strip().isdigit():
            limit = int(limit)
        else:
            raise LedgerValidationError("limit: must be a whole number", field="limit")
    if not 1 <= limit <= MAX_LOG_LIMIT:
        raise LedgerValidationError(f"limit: must be between 1 and {MAX_LOG_LIMIT}", field="limit")
    return limit


def read_export_log(engine: Engine, principal: Principal, limit: int = DEFAULT_LOG_LIMIT) -> list[ExportLogRecord]:
    """The newest `limit` exports `principal` may see, newest first."""
    limit = _check_limit(limit)
    statement = (
        select(
            export_log.c.id, export_log.c.user_id, export_log.c.org_id, export_log.c.started_at,
            export_log.c.finished_at, export_log.c.format, export_log.c.filters,
            export_log.c.row_limit, export_log.c.total_matched, export_log.c.rows_written,
            export_log.c.truncated, export_log.c.status,
        )
        .where(scope_clause(principal, export_log))
        .order_by(export_log.c.started_at.desc(), export_log.c.id.desc())
        .limit(limit)
    )
    with engine.connect() as conn:
        rows = conn.execute(statement).all()
    return [
        ExportLogRecord(
            id=row.id, user_id=row.user_id, org_id=row.org_id, started_at=row.started_at,
            finished_at=row.finished_at, format=row.format, filters=dict(row.filters or {}),
            row_limit=row.row_limit, total_matched=int(row.total_matched),
            rows_written=None if row.rows_written is None else int(row.rows_written),
            truncated=bool(row.truncated), status=row.status,
        )
        for row in rows
    ]
