"""Bulk export (SPEC section 5): JSONL, JSON and CSV, streamed from one snapshot.

    export = ledger.export(me, format="csv", limit=100_000, outcome="blocked")
    export.total, export.truncated, export.rows      # known before the first byte
    for chunk in export: ...                         # bytes, about 64 KB each

How it works:
- The request is validated first (`ExportRequest.parse`): format, limit (1..100,000;
  above that `ExportLimitExceeded`), and the filters outcome, action_name, agent_id,
  start_date, end_date with the query's own rules (`EntryFilters`); anything else is
  refused naming the parameter.
- One read transaction (REPEATABLE READ on PostgreSQL; SQLite's BEGIN in WAL mode is a
  snapshot too) counts the matching rows and then streams them, so `total` and the rows
  agree. Rows are scoped by `scope.scope_clause`, in the query's default order
  (timestamp desc, id desc), read from a server-side cursor (`stream_results`,
  `yield_per=5000`) and encoded into chunks of about 64 KB: memory stays flat whatever
  the size of the export.
- The bytes are those of the shared serializer: a JSONL line is exactly
  `serialize.to_json(serialize.entry_json_fields(row))` (exact costs, ISO 8601 UTC
  timestamps with `Z`; the format `ingest` reads back); JSON is an array of the same
  objects; CSV (RFC 4180 by the csv module, CRLF, UTF-8 without a BOM) has a header row
  with the LedgerEntry field names and `csv_cells(entry_json_fields(row))` per row: nested
  fields as compact JSON text, null as an empty cell, and any cell starting with `=`, `+`,
  `-`, `@`, tab or CR prefixed with `'` so that a spreadsheet shows it as text instead of
  running it as a formula. For speed the rows are read raw and spliced into those bytes
  (see "encoders" below); each export checks its first row against the reference.
- No BOM: programs (csv readers, pandas, the ingest of other tools) read the header
  cleanly; Excel users open the file with Data > From Text/CSV (UTF-8).
- The export is written to `export_log` as soon as it is created (status `started`) and
  updated when the stream ends (`completed`, `aborted` if the consumer stops early or
  closes it, `failed` if the database fails mid-stream).

Iterate an `Export` to the end or `close()` it (it is also a context manager): until
then it holds a database connection. One dropped unconsumed is closed (and logged as
aborted) when it is garbage-collected.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import operator
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any, Callable, Iterator, Sequence

from sqlalchemy import BigInteger, Connection, Engine, Text, cast, func, select, type_coerce

from ..access.accounts import now_utc
from ..contract.models import ENTRY_FIELDS, EntryFilters, Principal
from ..errors import ExportLimitExceeded, LedgerValidationError
from ..read.filters import where
from ..read.query import order_by
from ..read.scope import scope_clause
from ..store.schema import ledger_entries as le
from ..store.types import COST_SCALE
from . import export_log
from .wire import entry_json_fields, format_timestamp, to_json

log = logging.getLogger(__name__)

FORMATS: dict[str, tuple[str, str]] = {
    # format: (media type, file extension)
    "jsonl": ("application/x-ndjson", "jsonl"),
    "json": ("application/json", "json"),
    "csv": ("text/csv; charset=utf-8", "csv"),
}
EXPORT_FILTERS: tuple[str, ...] = ("outcome", "action_name", "agent_id", "start_date", "end_date")
DEFAULT_EXPORT_LIMIT = 10_000
MAX_EXPORT_LIMIT = 100_000
CHUNK_SIZE = 64 * 1024
YIELD_PER = 5000

# OWASP "CSV injection": a cell starting with one of these is run as a formula by
# spreadsheets; a leading single quote makes it text.
FORMULA_START = frozenset("=+-@\t\r")
FORMULA_GUARD = "'"
NESTED_FIELDS = frozenset({"input", "output", "metadata", "compliance"})

_compact_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _verified(fast: Callable[[Any], Any], reference: Callable[[Any], Any], row: Any, what: str) -> Callable[[Any], Any]:
    """`fast` if it encodes `row` exactly as the reference serializer does, else the reference."""
    if fast(row) == reference(row):
        return fast
    log.warning("export: fast %s encoding differs from the reference; using the reference", what)
    return reference


def limit_exceeded_message(limit: int) -> str:
    return (
        f"Export limit exceeded: at most {MAX_EXPORT_LIMIT:,} rows per export "
        f"(limit={limit:,} was asked). Narrow the dates (start_date, end_date), add filters "
        "(outcome, action_name, agent_id), or export in batches of consecutive date ranges."
    )


def _parse_limit(value: Any) -> int:
    if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
        raise LedgerValidationError("limit: must be a whole number", field="limit")
    if isinstance(value, str):
        if not re.fullmatch(r"\s*[+-]?\d+\s*", value):
            raise LedgerValidationError(f"limit: {value!r} is not a whole number", field="limit")
        value = int(value)
    if not isinstance(value, (int, float)):
        raise LedgerValidationError("limit: must be a whole number", field="limit")
    limit = int(value)
    if limit < 1:
        raise LedgerValidationError(
            f"limit: must be between 1 and {MAX_EXPORT_LIMIT:,}", field="limit")
    if limit > MAX_EXPORT_LIMIT:
        raise ExportLimitExceeded(limit_exceeded_message(limit), field="limit")
    return limit


@dataclass(frozen=True)
class ExportRequest:
    """Validated export parameters (SPEC section 5)."""

    format: str
    limit: int
    filters: EntryFilters

    @classmethod
    def parse(cls, format: Any = "jsonl", limit: Any = DEFAULT_EXPORT_LIMIT, **filters: Any) -> "ExportRequest":
        for name in filters:
            if name not in EXPORT_FILTERS:
                raise LedgerValidationError(
                    f"{name}: is not an export parameter (filters: {', '.join(EXPORT_FILTERS)})",
                    field=name,
                )
        if format is None or format == "":
            format = "jsonl"
        if limit is None or limit == "":
            limit = DEFAULT_EXPORT_LIMIT
        if not isinstance(format, str) or format.strip().lower() not in FORMATS:
            raise LedgerValidationError(
                f"format: {format!r} is not one of {', '.join(FORMATS)}", field="format")
        return cls(format.strip().lower(), _parse_limit(limit), EntryFilters.parse(**filters))


# --- encoders ------------------------------------------------------------------------
#
# The reference encoding of a row is `serialize.to_json(entry_json_fields(row))` (JSONL,
# JSON) and `csv_cells(entry_json_fields(row))` (CSV). Running it per row costs ~10x the
# database read (SQLAlchemy type processing, then parsing and re-encoding the nested JSON),
# so the stream reads the columns in raw, wire-ready form (`_Plan`) and splices them into
# the same bytes. Every export checks its first row against the reference encoding and
# falls back to the reference for the whole export if they differ (the tests assert
# byte-for-byte equality on varied data); any value the fast path cannot vouch for (a
# JSON text with a \u escape, say) goes through the reference conversion.

def csv_cells(fields: dict[str, Any]) -> list[str]:
    """One CSV record from the LedgerEntry JSON form: nested as JSON text, null empty, formulas neutralised."""
    cells = []
    for name in ENTRY_FIELDS:
        value = fields[name]
        if value is None:
            cells.append("")
            continue
        if name in NESTED_FIELDS:
            value = _compact_json(value)
        elif not isinstance(value, str):
            value = str(value)
        cells.append(value)
    return neutralise(cells)


def neutralise(cells: list[str]) -> list[str]:
    """Prefix `'` to every cell a spreadsheet would run as a formula."""
    return [FORMULA_GUARD + cell if cell[:1] in FORMULA_START else cell for cell in cells]


_call = operator.call
_COST_FACTOR = 10 ** COST_SCALE
_enc = encode_basestring  # what json.dumps(..., ensure_ascii=False) writes for a str


def _json_text_pg(text: str) -> str:
    """PostgreSQL `jsonb::text` (`{"a": 1, "b": [1, 2]}`) -> the compact form `to_json` writes.

    jsonb writes numbers in plain notation: a float below 1e-4 (`0.0000001`) is written
    `1e-07` by Python, so such text goes through the exact path, as does any escape.
    """
    if "\\" not in text and "0.0000" not in text:
        compact = text.replace(", ", ",").replace(": ", ":")
        # Without escapes `"` only delimits strings: odd pieces are string contents,
        # which must not have changed.
        if compact == text or text.split('"')[1::2] == compact.split('"')[1::2]:
            return compact
    return _compact_json(json.loads(text))


def _json_text_sqlite(text: str) -> str:
    """SQLite `json(column)` (minified, `\\u` escapes kept) -> the compact form `to_json` writes."""
    if "\\u" not in text:
        return text
    return _compact_json(json.loads(text))


def _metadata_fallback(text: str | None) -> str:
    """`metadata` that is not a JSON object: `entry_json_fields` writes `metadata or {}`."""
    value = json.loads(text) if text is not None else None
    return _compact_json(value or {})


def _cost_sqlite(units: int) -> str:
    """Integer count of 10^-COST_SCALE USD -> `format_decimal` text (`0.0123`, `10`)."""
    whole, frac = divmod(units, _COST_FACTOR)
    return str(whole) if not frac else f"{whole}.{frac:0{COST_SCALE}d}".rstrip("0")


def _cost_pg(text: str) -> str:
    """`numeric(22, 10)` text -> `format_decimal` text."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def _timestamp_sqlite(text: str) -> str:
    """Stored `YYYY-MM-DD HH:MM:SS.ffffff` (UTC) -> `YYYY-MM-DDTHH:MM:SS.ffffffZ`."""
    if len(text) == 26 and text[10] == " ":
        return text[:10] + "T" + text[11:] + "Z"
    return format_timestamp(datetime.fromisoformat(text))


def _uuid_sqlite(hexa: str) -> str:
    """Stored hex digits -> `str(uuid.UUID(...))`."""
    if len(hexa) == 32 and hexa.islower():
        return f"{hexa[:8]}-{hexa[8:12]}-{hexa[12:16]}-{hexa[16:20]}-{hexa[20:]}"
    return str(uuid.UUID(hexa))


# The fast encoders below unpack rows in this order; another field order (or a new
# field) turns them off and the reference encoding is used.
_FAST_FIELDS = (
    "id", "run_id", "timestamp", "action_name", "agent_id", "outcome", "cost_usd", "duration_ms",
    "risk_level", "user_id", "org_id", "input", "output", "error_message", "blocked_reason",
    "metadata", "compliance", "entry_hash", "prev_hash",
)
_TEMPLATE = "{" + ",".join(
    f'"{name}":"%s"' if name in ("id", "run_id", "timestamp") else f'"{name}":%s' for name in _FAST_FIELDS
) + "}"


def _json_object_sqlite(row: Sequence[Any]) -> str:
    (i, r, ts, act, agent, outcome, cost, dur, risk, user, org, inp, out, err, blk, meta, comp, eh, ph) = row
    return _TEMPLATE % (
        _uuid_sqlite(i), _uuid_sqlite(r), _timestamp_sqlite(ts), _enc(act), _enc(agent), _enc(outcome),
        _cost_sqlite(cost), dur, _enc(risk), _enc(user), _enc(org),
        "null" if inp is None else inp if "\\u" not in inp else _json_text_sqlite(inp),
        "null" if out is None else out if "\\u" not in out else _json_text_sqlite(out),
        "null" if err is None else _enc(err),
        "null" if blk is None else _enc(blk),
        meta if meta is not None and meta[:1] == "{" and "\\u" not in meta else (
            _json_text_sqlite(meta) if meta is not None and meta[:1] == "{" else _metadata_fallback(meta)),
        "null" if comp is None else comp if "\\u" not in comp else _json_text_sqlite(comp),
        _enc(eh), _enc(ph),
    )


def _json_object_pg(row: Sequence[Any]) -> str:
    (i, r, ts, act, agent, outcome, cost, dur, risk, user, org, inp, out, err, blk, meta, comp, eh, ph) = row
    return _TEMPLATE % (
        i, r, ts, _enc(act), _enc(agent), _enc(outcome), _cost_pg(cost), dur, _enc(risk), _enc(user), _enc(org),
        "null" if inp is None else _json_text_pg(inp),
        "null" if out is None else _json_text_pg(out),
        "null" if err is None else _enc(err),
        "null" if blk is None else _enc(blk),
        _json_text_pg(meta) if meta is not None and meta[:1] == "{" else _metadata_fallback(meta),
        "null" if comp is None else _json_text_pg(comp),
        _enc(eh), _enc(ph),
    )


def _cells_sqlite(row: Sequence[Any]) -> list[str]:
    (i, r, ts, act, agent, outcome, cost, dur, risk, user, org, inp, out, err, blk, meta, comp, eh, ph) = row
    return neutralise([
        _uuid_sqlite(i), _uuid_sqlite(r), _timestamp_sqlite(ts), act, agent, outcome,
        _cost_sqlite(cost), str(dur), risk, user, org,
        "" if inp is None or inp == "null" else inp if "\\u" not in inp else _json_text_sqlite(inp),
        "" if out is None or out == "null" else out if "\\u" not in out else _json_text_sqlite(out),
        "" if err is None else err,
        "" if blk is None else blk,
        meta if meta is not None and meta[:1] == "{" and "\\u" not in meta else (
            _json_text_sqlite(meta) if meta is not None and meta[:1] == "{" else _metadata_fallback(meta)),
        "" if comp is None or comp == "null" else comp if "\\u" not in comp else _json_text_sqlite(comp),
        eh, ph,
    ])


def _cells_pg(row: Sequence[Any]) -> list[str]:
    (i, r, ts, act, agent, outcome, cost, dur, risk, user, org, inp, out, err, blk, meta, comp, eh, ph) = row
    return neutralise([
        i, r, ts, act, agent, outcome, _cost_pg(cost), str(dur), risk, user, org,
        "" if inp is None or inp == "null" else _json_text_pg(inp),
        "" if out is None or out == "null" else _json_text_pg(out),
        "" if err is None else err,
        "" if blk is None else blk,
        _json_text_pg(meta) if meta is not None and meta[:1] == "{" else _metadata_fallback(meta),
        "" if comp is None or comp == "null" else _json_text_pg(comp),
        eh, ph,
    ])


def _to_json_value(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _same(value: Any) -> Any:
    return value


def _to_uuid(text: str) -> uuid.UUID:
    return uuid.UUID(text)


def _to_timestamp(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _to_cost_sqlite(units: int) -> Decimal:
    return Decimal(int(units)).scaleb(-COST_SCALE)


class _Plan:
    """How one dialect reads the entry columns raw (wire-ready text where the database can
    render it), and turns such a row into a JSON object or CSV cells: fast, or through the
    reference serializer (`entry_json_fields` on the values the ORM types would give)."""

    def __init__(self, dialect: str) -> None:
        pg = dialect == "postgresql"
        self.columns: list[Any] = []
        python_conv: list[Callable[[Any], Any]] = []
        for name in ENTRY_FIELDS:
            column = le.c[name]
            to_python: Callable[[Any], Any] = _same
            if name in ("id", "run_id"):
                expr = cast(column, Text) if pg else type_coerce(column, Text)  # SQLite: hex digits
                to_python = _to_uuid
            elif name == "timestamp":
                expr = (func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
                        if pg else type_coerce(column, Text))
                to_python = _to_timestamp
            elif name == "cost_usd":
                expr = cast(column, Text) if pg else type_coerce(column, BigInteger)
                to_python = Decimal if pg else _to_cost_sqlite
            elif name in NESTED_FIELDS:
                # PostgreSQL: jsonb text; SQLite: json() minifies the stored text.
                expr = cast(column, Text) if pg else func.json(type_coerce(column, Text))
                to_python = _to_json_value
            else:
                expr = column
            self.columns.append(expr.label(name))
            python_conv.append(to_python)
        self.python_conv = tuple(python_conv)
        fast = ENTRY_FIELDS == _FAST_FIELDS
        self.json_object: Callable[[Sequence[Any]], str] = (
            (_json_object_pg if pg else _json_object_sqlite) if fast else self.reference_json_object)
        self.cells: Callable[[Sequence[Any]], list[str]] = (
            (_cells_pg if pg else _cells_sqlite) if fast else self.reference_cells)

    def fields(self, row: Sequence[Any]) -> dict[str, Any]:
        """The reference: `serialize.entry_json_fields` of the row's Python values."""
        return entry_json_fields(dict(zip(ENTRY_FIELDS, map(_call, self.python_conv, row))))

    def reference_json_object(self, row: Sequence[Any]) -> str:
        return to_json(self.fields(row))

    def reference_cells(self, row: Sequence[Any]) -> list[str]:
        return csv_cells(self.fields(row))


_PLANS: dict[str, _Plan] = {}


def plan_for(dialect: str) -> _Plan:
    if dialect not in _PLANS:
        _PLANS[dialect] = _Plan(dialect)
    return _PLANS[dialect]


class _State:
    """What the stream and the `Export` share (the stream never refers to the `Export`,
    so dropping the `Export` frees the stream, which closes and logs it)."""

    def __init__(self, engine: Engine, conn: Connection, statement: Any) -> None:
        self.engine = engine
        self.conn: Connection | None = conn
        self.statement = statement
        self.result: Any = None
        self.log_id: int | None = None
        self.rows_written = 0
        self.status = "started"

    def release(self) -> None:
        conn, self.conn = self.conn, None
        result, self.result = self.result, None
        if conn is not None:
            try:
                if result is not None:
                    result.close()  # the server-side cursor
                conn.rollback()  # read-only: nothing to commit
                conn.close()
            except Exception:  # noqa: BLE001 - releasing must not hide the real outcome
                log.exception("closing the export connection failed")
                conn.invalidate()

    def finish(self, status: str) -> None:
        """Release the snapshot and record the outcome once (later calls do nothing)."""
        if self.status != "started":
            return
        self.status = status
        self.release()
        if self.log_id is None:
            return
        try:
            export_log.log_finished(self.engine, self.log_id, status=status,
                                    rows_written=self.rows_written, finished_at=now_utc())
        except Exception:  # noqa: BLE001 - the bytes are gone; the log keeps "started"
            log.exception("recording the end of export %s failed", self.log_id)


def _stream(state: _State, fmt: str, plan: _Plan) -> Iterator[bytes]:
    """Encode the rows into ~64 KB chunks; keeps `state.rows_written` and `state.status` current."""
    try:
        conn = state.conn
        assert conn is not None
        result = conn.execution_options(stream_results=True, yield_per=YIELD_PER).execute(state.statement)
        state.result = result
        parts: list[str] = []
        size = 0
        pending = 0  # rows encoded since the last chunk
        checked = False
        if fmt == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerow(ENTRY_FIELDS)
            encode_cells = plan.cells
            for partition in result.partitions():
                if not checked:
                    checked = True
                    encode_cells = _verified(plan.cells, plan.reference_cells, partition[0], "CSV")
                for row in partition:
                    writer.writerow(encode_cells(row))
                    pending += 1
                    if buffer.tell() >= CHUNK_SIZE:
                        chunk = buffer.getvalue().encode("utf-8")
                        buffer.seek(0)
                        buffer.truncate()
                        state.rows_written += pending
                        pending = 0
                        yield chunk
            parts.append(buffer.getvalue())
        else:
            json_array = fmt == "json"
            separator = ",\n" if json_array else ""
            end = "" if json_array else "\n"
            encode = plan.json_object
            if json_array:
                parts.append("[\n")
                size = 2
            for partition in result.partitions():
                if not checked:
                    checked = True
                    encode = _verified(plan.json_object, plan.reference_json_object, partition[0], "JSON")
                    if json_array:  # no separator before the first object
                        line = encode(partition[0])
                        parts.append(line)
                        size += len(line)
                        pending += 1
                        partition = partition[1:]
                for row in partition:
                    line = separator + encode(row) + end
                    parts.append(line)
                    size += len(line)
                    pending += 1
                    if size >= CHUNK_SIZE:
                        chunk = "".join(parts).encode("utf-8")
                        parts.clear()
                        size = 0
                        state.rows_written += pending
                        pending = 0
                        yield chunk
            if json_array:
                parts.append("\n]\n")
        last = "".join(parts).encode("utf-8")
        state.rows_written += pending
        # Everything is read: free the snapshot and log completion before the last bytes.
        state.finish("completed")
        if last:
            yield last
    except GeneratorExit:
        state.finish("aborted")
        raise
    except BaseException:
        state.finish("failed")
        raise


class Export:
    """A streamed export: iterate for `bytes` chunks; the totals are known before the first.

    Attributes: `format`, `limit`, `filters` (EntryFilters), `total` (rows matching),
    `truncated` (total > limit), `rows` (rows the export holds: min(total, limit)),
    `media_type`, `filename`, `headers` (for an HTTP answer), `started_at`, `log_id`,
    `rows_written` (rows in the chunks handed over so far), `status`
    (`started` | `completed` | `aborted` | `failed`).
    """

    def __init__(self, engine: Engine, principal: Principal, request: ExportRequest) -> None:
        self.format = request.format
        self.limit = request.limit
        self.filters = request.filters
        self.principal = principal
        self.started_at: datetime = now_utc()
        self._iterator: Iterator[bytes] | None = None
        conn = engine.connect()
        try:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            conn.begin()
            condition = where(conn, scope_clause(principal, le), request.filters)
            self.total: int = conn.execute(select(func.count()).select_from(le).where(condition)).scalar_one()
            self._plan = plan_for(conn.dialect.name)
            statement = (
                select(*self._plan.columns).where(condition)
                .order_by(*order_by("timestamp", "desc")).limit(request.limit)
            )
            self._state = _State(engine, conn, statement)
        except BaseException:
            conn.close()
            raise
        self.truncated: bool = self.total > self.limit
        self.rows: int = min(self.total, self.limit)
        try:
            self._state.log_id = export_log.log_started(
                engine, principal, started_at=self.started_at, format=self.format,
                filters=self.filters, row_limit=self.limit, total_matched=self.total,
                truncated=self.truncated,
            )
        except BaseException:
            self._state.release()
            raise

    # --- what an HTTP answer or a download button needs --------------------------------

    @property
    def media_type(self) -> str:
        return FORMATS[self.format][0]

    @property
    def filename(self) -> str:
        return f"ledger-export-{self.started_at:%Y%m%dT%H%M%SZ}.{FORMATS[self.format][1]}"

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": self.media_type,
            "Content-Disposition": f'attachment; filename="{self.filename}"',
            "X-Total-Count": str(self.total),
            "X-Export-Truncated": "true" if self.truncated else "false",
            "X-Export-Rows": str(self.rows),
        }

    @property
    def log_id(self) -> int | None:
        return self._state.log_id

    @property
    def rows_written(self) -> int:
        return self._state.rows_written

    @property
    def status(self) -> str:
        return self._state.status

    # --- the stream ---------------------------------------------------------------------

    def __iter__(self) -> Iterator[bytes]:
        if self._iterator is None:
            if self._state.status != "started":
                raise RuntimeError(f"this export is {self._state.status}; start a new one")
            self._iterator = _stream(self._state, self.format, self._plan)
        return self._iterator

    def close(self) -> None:
        """Stop the export (logged as aborted unless it already completed) and free its connection."""
        if self._iterator is not None:
            self._iterator.close()  # type: ignore[attr-defined]
        self._state.finish("aborted")

    def __enter__(self) -> "Export":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        # `for chunk in ledger.export(...)` drops the Export as soon as it has handed out
        # its iterator: the stream lives on, and logs itself aborted if it is dropped early.
        # Only an export never iterated is closed here.
        try:
            state = getattr(self, "_state", None)
            if state is not None and state.status == "started" and self._iterator is None:
                state.finish("aborted")
        except Exception:  # noqa: BLE001 - never raise from a finalizer
            pass

    def __repr__(self) -> str:
        return (f"<Export {self.format} rows={self.rows} total={self.total} "
                f"truncated={self.truncated} status={self.status}>")


def start_export(engine: Engine, principal: Principal, format: Any = "jsonl",
                 limit: Any = DEFAULT_EXPORT_LIMIT, **filters: Any) -> Export:
    """Validate, count, log and return the stream (see the module docstring)."""
    return Export(engine, principal, ExportRequest.parse(format=format, limit=limit, **filters))
