"""Append actions to the ledger (SPEC sections 2, 7 and 8).

Idempotent on `id`; a bad record is refused with its line number and reason and nothing
of it is stored, while the good ones are. Records are checked and written in batches,
each batch in one transaction that also extends every organization's hash chain.
"""
from __future__ import annotations

import codecs
import math
import multiprocessing
import pickle
import random
import re
import signal
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from queue import Empty
from typing import Any, Callable, Iterable, Iterator

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, Index, Uuid, insert, inspect, select, type_coerce, update
from sqlalchemy.exc import DBAPIError

from ..clock import now_utc
from ..collector import collector_paused
from ..contract.common import Principal, reject_nul, shorten, to_ledger_error
from ..contract.entry import NESTED_FIELDS, EntryIn
from ..contract.ingest import IngestReport, Refusal
from ..errors import FileUnreadable
from ..formats.canonical import GENESIS_HASH, canonical_bytes, chain_hash, nested_json
from ..formats.wire import format_timestamp, loads_line
from ..integrity.checkpoints import sign_chain_heads
from ..rollups import maintain as rollups
from ..rollups.profiles import profile_of
from ..rollups.run_risks import BIT as RISK_BIT
from ..store.db import (
    MAX_SQLITE_PARAMETERS,
    bulk_insert,
    bulk_upsert,
    id_in,
    insert_for,
    is_postgresql,
    locked_for_update,
    lost_a_race,
    refresh_statistics,
    stored_forms,
    wire_text,
    write_transaction,
)
from ..store.schema import (
    ROLLUP_TABLES,
    chain_heads,
    ledger_entries,
    ledger_names,
    organizations,
    run_days,
    run_risk_days,
    runs,
    users,
)
from ..store.types import format_decimal

BATCH_SIZE = 5000
BULK_BATCH_SIZE = 20_000
"""A bulk load's batches are larger: a batch adds each rollup row it touches once, and
the demo's actions at 10M-scale density touched a quarter as many per action."""
WRITE_ATTEMPTS = 8
"""A batch that lost a race with a concurrent writer (a unique id or run stored meanwhile,
a deadlock) is written again, at most this many times in all; each attempt re-reads what
is stored, so the ids the other writer stored become duplicates (or conflicts)."""
ProgressCallback = Callable[[int, "IngestReport"], None]
"""Called with (the last line written, the report so far) after each batch; with -1 once
the last row is written; and for a bulk load, with `BUILDING_INDEXES` before its index
builds (minutes at millions of actions)."""
BUILDING_INDEXES = -2

_ENTRY_COLUMNS = [c.name for c in ledger_entries.columns]
_JSON_COLUMNS = frozenset(NESTED_FIELDS)
_MAX_DEPTH = 64
_MAX_INT_BITS = 2990  # about 900 decimal digits: Python refuses to print ints of 4300+


@dataclass(slots=True)
class _Line:
    """A line of a JSONL file, parsed where it is validated (in the worker, for a bulk load)."""
    raw: bytes


def read_jsonl(path: str | Path) -> Iterator[tuple[int, _Line]]:
    """(line number, line) for each non-blank line.

    Lines are split as bytes and decoded one by one (`_parse`), so a line that is not
    UTF-8 is refused alone (a text-mode reader fails on a whole buffered chunk instead).
    """
    with open(path, "rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            if line_no == 1:
                raw = raw.removeprefix(codecs.BOM_UTF8)
            if raw.strip() and (raw.isascii() or raw.decode("utf-8", "replace").strip()):  # blank lines
                yield line_no, _Line(raw)


def _parse(line: _Line) -> Any:
    """The line's JSON value; raises ValueError with the reason."""
    try:
        text = line.raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not valid UTF-8 ({exc.reason})") from None
    try:
        return loads_line(text)
    except (ValueError, RecursionError) as exc:  # ValueError: also integers of 4300+ digits
        raise ValueError(f"not valid JSON ({getattr(exc, 'msg', exc)})") from None


def _json_ready(value: Any, where: str, depth: int = 0) -> Any:
    """Nested JSON in the form both backends store alike: no NUL in strings, finite
    numbers, decimals (from exact parsing) as floats. Raises ValueError naming `where`.

    The value is hashed as returned here, so it must also come back unchanged from
    PostgreSQL's jsonb, which has no negative zero and returns a large float written
    `1e+20` as the integer `100000000000000000000`: such numbers are stored in that form.
    """
    if isinstance(value, str):
        try:
            reject_nul(value)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > _MAX_INT_BITS:
        raise ValueError(f"{where}: integers must have fewer than 900 digits")
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, (float, Decimal)):
        if not math.isfinite(value):
            raise ValueError(f"{where}: numbers must be finite")
        number = float(value)
        if number == 0:
            return 0.0
        text = repr(number)
        return int(Decimal(text)) if "e+" in text else number
    if depth > _MAX_DEPTH:
        raise ValueError(f"{where}: nested too deeply")
    if isinstance(value, dict):
        return {_json_ready(key, where, depth + 1) if isinstance(key, str) else str(key):
                _json_ready(item, where, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(item, where, depth + 1) for item in value]
    if isinstance(value, (datetime, date)):
        return format_timestamp(value) if isinstance(value, datetime) else value.isoformat()
    raise ValueError(f"{where}: {type(value).__name__} is not a JSON value")


_LONG_NUMBER = re.compile(r"\d{300}")


def _suspicious(text: str) -> bool:
    """Could `text` hold something `_json_ready` would rewrite or refuse? (Cheap checks.)"""
    return (
        "\\u0000" in text or "e+" in text or "E+" in text or "-0.0" in text
        or text.count("{") + text.count("[") > _MAX_DEPTH
        or (len(text) >= 300 and _LONG_NUMBER.search(text) is not None)
        or not (text.isascii() or _encodes(text))
    )


def _nested_text(value: Any, where: str) -> str:
    """A nested field as the canonical JSON text that is stored and hashed.

    The C encoder does the common case in one pass; anything it cannot prove harmless
    (a NUL escape, `-0.0` or a large float that jsonb would rewrite, a lone surrogate,
    NaN, a non-JSON type) goes through `_json_ready`, which normalises or refuses it.
    """
    try:
        text = nested_json(value)
    except (TypeError, ValueError, RecursionError):
        text = None
    if text is not None and not _suspicious(text):
        return text
    return nested_json(_json_ready(value, where))


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _validate(raw: Any, owner: Principal | None) -> dict[str, Any]:
    """Raw record -> JSON-form fields; raises ValueError with the reason."""
    if isinstance(raw, _Line):
        raw = _parse(raw)
    if not isinstance(raw, dict):
        raise ValueError("a record must be a JSON object")
    try:
        record = EntryIn.model_validate(raw)
    except ValidationError as exc:
        raise ValueError(to_ledger_error(exc).message) from None
    if owner is not None and (record.user_id != owner.user_id or record.org_id != owner.org_id):
        raise ValueError(
            f"record belongs to user {record.user_id!r} of organization {record.org_id!r}; "
            f"only the caller's own actions ({owner.user_id!r}, {owner.org_id!r}) may be ingested"
        )
    compliance = record.compliance.model_dump(mode="json") if record.compliance is not None else None
    fields = {
        "id": str(record.id),
        "run_id": str(record.run_id),
        "timestamp": format_timestamp(record.timestamp),
        "action_name": record.action_name,
        "agent_id": record.agent_id,
        "outcome": record.outcome,
        "cost_usd": format_decimal(record.cost_usd),
        "duration_ms": record.duration_ms,
        "risk_level": record.risk_level,
        "user_id": record.user_id,
        "org_id": record.org_id,
        "error_message": record.error_message,
        "blocked_reason": record.blocked_reason,
        "_json": {
            "input": _nested_text(record.input, "input"),
            "output": _nested_text(record.output, "output"),
            "metadata": _nested_text(record.metadata, "metadata"),
            "compliance": _nested_text(compliance, "compliance"),
        },
        "_profile": profile_of(compliance),
    }
    fields["_canonical"] = canonical_bytes(fields, fields["_json"])
    return fields


def _with_values(fields: dict[str, Any]) -> dict[str, Any]:
    """Add the instant and the cost as values (`_timestamp`, `_cost`) to validated
    `fields`, which hold only texts and numbers: those cross from a worker process several
    times faster than datetime and Decimal objects. Ids stay canonical text (UUID objects
    hash and compare in Python code, which took more of a bulk load than its inserts)."""
    fields["_timestamp"] = datetime.fromisoformat(fields["timestamp"])
    fields["_cost"] = Decimal(fields["cost_usd"])
    return fields


@dataclass(slots=True)
class _Chunk:
    """A chunk of records, validated: the valid ones as fields (with their line), the
    refusals, and from a worker process the rollups of all the valid ones, folded ahead."""
    valid: list[tuple[int, dict[str, Any]]]
    refusals: list[Refusal]
    folded: rollups.Fold | None = None


def _prepare(pairs: list[tuple[int, Any]], owner: Principal | None) -> _Chunk:
    """Validate a chunk of (line, raw record) pairs. A pure function of its input, so a
    worker process can run it."""
    chunk = _Chunk([], [])
    with collector_paused():
        for line, raw in pairs:
            try:
                chunk.valid.append((line, _validate(raw, owner)))
            except ValueError as exc:
                chunk.refusals.append(Refusal(line, str(exc)))
    return chunk


PREFETCH = 3
"""Chunks a worker process validates ahead of the writer."""


def may_fork() -> bool:
    """Whether a worker process may be forked: only from a single-threaded process (the
    command line). A fork copies one thread, so a lock another thread held (a threaded
    server's) would stay locked forever in the child; `spawn` instead re-runs the caller's
    main script, which a script without a `__main__` guard does not survive."""
    return threading.active_count() == 1


def _chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """`items` in lists of `size` (the last one shorter)."""
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass(slots=True)
class _End:
    """The worker's last message: the exception that stopped its reading, if one did."""
    error: BaseException | None


def _picklable(exc: BaseException) -> BaseException:
    """`exc`, or a RuntimeError with its text when it cannot cross to the writer's process."""
    try:
        pickle.dumps(exc)
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


def _produce(pairs: Iterable[tuple[int, Any]], owner: Principal | None, size: int, queue: Any) -> None:
    """A worker process's work: read `pairs` (inherited through the fork: the records are
    generated, or the file is read, here), validate them and fold their rollups, chunk by
    chunk, and hand each chunk to the writer through `queue`; last an `_End`.

    The worker ignores Ctrl-C: the writer's process stops it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    end = _End(None)
    try:
        for pairs_chunk in _chunked(pairs, size):
            chunk = _prepare(pairs_chunk, owner)
            with collector_paused():
                chunk.folded = rollups.fold(fields for _, fields in chunk.valid)
            queue.put(chunk)
    except BaseException as exc:  # reading failed: what was read before is written, as without a worker
        end = _End(_picklable(exc))
    queue.put(end)
    queue.close()
    queue.join_thread()


WORKER_POLL_SECONDS = 1.0


def _received(queue: Any, worker: Any) -> Any:
    """The worker's next message; raises RuntimeError if the worker died without one."""
    while True:
        try:
            return queue.get(timeout=WORKER_POLL_SECONDS)
        except Empty:
            if not worker.is_alive():
                raise RuntimeError(f"the worker process that validates the records stopped "
                                   f"(exit code {worker.exitcode}); what came before it is stored") from None


def _prepared(pairs: Iterable[tuple[int, Any]], owner: Principal | None, size: int,
              parallel: bool) -> Iterator[_Chunk]:
    """`_prepare` of each chunk of `pairs`, in order. `parallel`: in a worker process,
    which reads the records itself and folds their rollups, a few chunks ahead, while
    this process writes (generating the demo's records here and sending them over had
    taken about a quarter of the writer's time, folding another sixth)."""
    if not parallel:
        for chunk in _chunked(pairs, size):
            yield _prepare(chunk, owner)
        return
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=PREFETCH)
    worker = context.Process(target=_produce, args=(pairs, owner, size, queue), daemon=True)
    worker.start()
    try:
        while not isinstance(message := _received(queue, worker), _End):
            yield message
        if message.error is not None:
            raise message.error
    finally:
        if worker.is_alive():  # the writer stopped first (an error, Ctrl-C)
            worker.terminate()
        worker.join()
        queue.close()


class _Ingestor:
    def __init__(self, engine: Engine, owner: Principal | None) -> None:
        self.engine = engine
        self.owner = owner
        self.report = IngestReport()
        with engine.connect() as conn:
            self.user_orgs = dict(conn.execute(select(users.c.id, users.c.org_id)).all())
            self.orgs = set(conn.execute(select(organizations.c.id)).scalars())
            self.names = {tuple(row) for row in conn.execute(select(ledger_names.c.kind, ledger_names.c.value))}

    def refuse(self, line: int, reason: str) -> None:
        self.report.refusals.append(Refusal(line, reason))

    def run(self, records: Iterable[tuple[int, Any]], progress: ProgressCallback | None,
            *, batch_size: int = BATCH_SIZE, parallel: bool = False) -> IngestReport:
        for chunk in _prepared(records, self.owner, batch_size, parallel):
            self.report.refusals.extend(chunk.refusals)
            batch: list[tuple[int, dict[str, Any]]] = []
            for line, fields in chunk.valid:
                try:
                    self._check_owner_exists(fields)
                except ValueError as exc:
                    self.refuse(line, str(exc))
                    continue
                batch.append((line, _with_values(fields)))
            if batch:
                with collector_paused():
                    self._write(batch, chunk.folded if len(batch) == len(chunk.valid) else None)
                if progress:
                    progress(batch[-1][0], self.report)
        if progress:
            progress(-1, self.report)
        self.report.refusals.sort(key=lambda r: r.line)
        return self.report

    def _check_owner_exists(self, fields: dict[str, Any]) -> None:
        org_id, user_id = fields["org_id"], fields["user_id"]
        if org_id not in self.orgs:
            raise ValueError(f"unknown organization {org_id!r}")
        if user_id not in self.user_orgs:
            raise ValueError(f"unknown user {user_id!r}")
        if self.user_orgs[user_id] != org_id:
            raise ValueError(
                f"user {user_id!r} belongs to organization {self.user_orgs[user_id]!r}, not {org_id!r}"
            )

    def _write(self, batch: list[tuple[int, dict[str, Any]]], folded: rollups.Fold | None) -> None:
        """Write one batch. Ids and runs are unique across the ledger by the database's own
        unique indexes, so two writers racing for one id cannot both store it: the loser's
        transaction fails (or deadlocks) and is run again, seeing what the winner stored.
        `folded`: the rollups of the whole batch, if folded ahead."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                self._write_once(batch, folded)
                return
            except DBAPIError as exc:
                if attempt == WRITE_ATTEMPTS or not lost_a_race(exc):
                    raise
                time.sleep(random.uniform(0, 0.02 * attempt))  # let the winner commit

    def _write_once(self, batch: list[tuple[int, dict[str, Any]]], folded: rollups.Fold | None) -> None:
        with write_transaction(self.engine) as conn:
            heads = self._lock_heads(conn, {fields["org_id"] for _, fields in batch})
            hashes = _stored_hashes(conn, [fields["id"] for _, fields in batch])
            # An identical re-send has the stored entry's hash: only the others are read whole.
            differing = [fields["id"] for _, fields in batch
                         if fields["id"] in hashes and not _same_hash(fields, hashes[fields["id"]])]
            contents = _stored_contents(conn, differing) if differing else {}
            refusals, fresh, duplicates = self._check_runs(conn, batch, hashes, contents)
            rows = self._chain(conn, heads, [fields for _, fields in fresh])
            _insert_entries(conn, sorted(rows, key=lambda row: row["id"]))  # one lock order for all writers
            if folded is None or len(fresh) < len(batch):  # some were duplicates or refused
                folded = rollups.fold(fields for _, fields in fresh)
            rollups.write(conn, folded)
            names = self._record_names(conn, rows)
        self.names.update(names)  # only once committed: a retried batch records them again
        self.report.duplicates += duplicates
        self.report.added += len(rows)
        self.report.refusals.extend(refusals)

    def _duplicate_or_conflict(self, line: int, fields: dict[str, Any], stored: dict[str, Any]) -> Refusal | None:
        """None for a harmless duplicate (the same content again), else the refusal of a
        conflicting one, naming the fields that differ. An ingest on behalf of an `owner`
        learns nothing of a record outside the owner's scope (neither its fields nor values)."""
        sent = _content(fields)
        differ = tuple(name for name in _COMPARED if sent[name] != stored[name])
        if not differ:
            return None
        entry_id = fields["id"]
        if self.owner is not None and (stored["user_id"], stored["org_id"]) != (sent["user_id"], sent["org_id"]):
            return Refusal(line, f"conflict: id {entry_id} is already used by another record; "
                                 "nothing was changed", conflict=True)
        shown = []
        for name in differ:
            if name in _JSON_COLUMNS:
                shown.append(name)
            else:
                shown.append(f"{name} (stored {shorten(stored[name], 40)}, sent {shorten(sent[name], 40)})")
        return Refusal(line, f"conflict: id {entry_id} is already stored with other content: "
                             f"{', '.join(shown)}; the stored record is unchanged", conflict=True,
                       conflict_fields=differ)

    def _check_runs(self, conn: Connection, batch: list[tuple[int, dict[str, Any]]],
                    hashes: dict[Any, tuple[str, str]], contents: dict[Any, dict[str, Any]]):
        """Skip ids already stored (`hashes`, and the `contents` of those that may differ) or
        accepted earlier in the batch with the same content, refuse those with other content
        (conflicts) and entries whose run belongs to someone else, create or widen the runs.
        -> (refusals, accepted, duplicates)

        An id counts as stored only once an entry with it is accepted: a refused entry does
        not turn a later, valid one with the same id into a "duplicate" that is never stored.
        """
        run_ids = list({fields["run_id"] for _, fields in batch})
        known: dict[str, Any] = {}
        for chunk in _chunked(run_ids, MAX_SQLITE_PARAMETERS):
            for row in conn.execute(select(runs).where(id_in(conn, runs.c.id, chunk))).mappings():
                known[str(row["id"])] = dict(row)
        before = {run_id: (_utc_day(run["started_at"]), run["risks"]) for run_id, run in known.items()}
        refusals: list[Refusal] = []
        accepted: list[tuple[int, dict[str, Any]]] = []
        earlier: dict[str, dict[str, Any]] = {}  # accepted in this batch, by id
        new_runs: dict[Any, dict[str, Any]] = {}
        changed: set[Any] = set()
        duplicates = 0
        for line, fields in batch:
            entry_id = fields["id"]
            if entry_id in hashes and _same_hash(fields, hashes[entry_id]):
                duplicates += 1
                continue
            if entry_id in contents or entry_id in earlier:
                stored = contents[entry_id] if entry_id in contents else _content(earlier[entry_id])
                conflict = self._duplicate_or_conflict(line, fields, stored)
                if conflict is None:
                    duplicates += 1
                else:
                    refusals.append(conflict)
                continue
            run_id = fields["run_id"]
            run = known.get(run_id) or new_runs.get(run_id)
            if run is not None and (run["org_id"], run["user_id"]) != (fields["org_id"], fields["user_id"]):
                owner = f"user {run['user_id']!r} of organization {run['org_id']!r}"
                refusals.append(Refusal(line, f"run {run_id} belongs to {owner}"))
                continue
            earlier[entry_id] = fields
            accepted.append((line, fields))
            moment: datetime = fields["_timestamp"]
            failed = fields["outcome"] == "error"
            risk = RISK_BIT[fields["risk_level"]]
            if run is None:
                new_runs[run_id] = {
                    "org_id": fields["org_id"], "id": uuid.UUID(run_id), "user_id": fields["user_id"],
                    "agent_id": fields["agent_id"], "started_at": moment, "ended_at": moment,
                    "status": "failed" if failed else "completed", "multi_day": False, "risks": risk,
                }
                continue
            if (moment < run["started_at"] or moment > run["ended_at"] or (failed and run["status"] != "failed")
                    or not run["risks"] & risk):
                run["started_at"] = min(run["started_at"], moment)
                run["ended_at"] = max(run["ended_at"], moment)
                run["multi_day"] = _utc_day(run["started_at"]) != _utc_day(run["ended_at"])
                run["risks"] |= risk
                if failed:
                    run["status"] = "failed"
                if run_id in known:
                    changed.add(run_id)
        if new_runs:  # in id order, like every writer: concurrent writers wait, never deadlock
            conn.execute(insert(runs), sorted(new_runs.values(), key=lambda run: run["id"]))
        self._count_run_days(conn, new_runs.values(), [(*before[run_id], known[run_id]) for run_id in changed])
        for run_id in sorted(changed):
            run = known[run_id]
            conn.execute(
                update(runs)
                .where(runs.c.org_id == run["org_id"], runs.c.id == run["id"])
                .values(started_at=run["started_at"], ended_at=run["ended_at"], status=run["status"],
                        multi_day=run["multi_day"], risks=run["risks"])
            )
        return refusals, accepted, duplicates

    @staticmethod
    def _count_run_days(conn: Connection, created: Iterable[dict[str, Any]],
                        widened: list[tuple[date, int, dict[str, Any]]]) -> None:
        """Keep `run_days` and `run_risk_days`: a run counts on the UTC day it starts, and
        there under the mask of its risk levels. `widened`: (the day it started on and its
        mask before this batch, the run) for stored runs this batch changed; one whose start
        moved to an earlier day moves there, one with a new risk level to its new mask."""
        masks: Counter[tuple[str, str, str, int]] = Counter()
        for run in created:
            masks[run["org_id"], run["user_id"], _utc_day(run["started_at"]).isoformat(), run["risks"]] += 1
        for day_before, mask_before, run in widened:
            owner = run["org_id"], run["user_id"]
            if (now := _utc_day(run["started_at"])) != day_before or run["risks"] != mask_before:
                masks[(*owner, day_before.isoformat(), mask_before)] -= 1
                masks[(*owner, now.isoformat(), run["risks"])] += 1
        days: Counter[tuple[str, str, str]] = Counter()
        for (org_id, user_id, day, _), n in masks.items():
            days[org_id, user_id, day] += n
        bulk_upsert(conn, run_days, ("org_id", "user_id", "day", "n"),
                    [(*key, n) for key, n in sorted(days.items()) if n],
                    keys=("org_id", "user_id", "day"), updates={"n": "run_days.n + excluded.n"})
        bulk_upsert(conn, run_risk_days, ("org_id", "user_id", "day", "risks", "n"),
                    [(*key, n) for key, n in sorted(masks.items()) if n],
                    keys=("org_id", "user_id", "day", "risks"), updates={"n": "run_risk_days.n + excluded.n"})

    def _lock_heads(self, conn: Connection, org_ids: set[str]) -> dict[str, dict[str, Any]]:
        """Lock the chain heads of `org_ids` (in name order, as every writer does) before
        anything is read: writers to one organization then take turns, and each sees what
        the one before stored, so its duplicate check cannot go stale."""
        heads: dict[str, dict[str, Any]] = {}
        for org_id in sorted(org_ids):
            statement = select(chain_heads.c.last_hash, chain_heads.c.count).where(chain_heads.c.org_id == org_id)
            row = conn.execute(locked_for_update(statement, conn)).first()
            heads[org_id] = {"last_hash": row.last_hash, "count": row.count, "new": False} if row else {
                "last_hash": GENESIS_HASH, "count": 0, "new": True}
        return heads

    def _chain(self, conn: Connection, heads: dict[str, dict[str, Any]],
               batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Hash-chain the batch per organization, in ingest order, and move the chain heads
        (`heads`, locked by `_lock_heads`). The rows hold the values as the columns store
        them (`store.db.stored_forms`)."""
        present = {fields["org_id"] for fields in batch}
        heads = {org_id: head for org_id, head in heads.items() if org_id in present}
        ingested_at = now_utc()
        uuid_form, instant_form, cost_form = stored_forms(conn)
        stored_at = instant_form(format_timestamp(ingested_at))
        rows = []
        for fields in batch:
            head = heads[fields["org_id"]]
            prev = head["last_hash"]
            digest = chain_hash(fields["_canonical"], prev)
            head["last_hash"] = digest
            head["count"] += 1
            rows.append({
                "org_id": fields["org_id"], "id": uuid_form(fields["id"]), "seq": head["count"],
                "run_id": uuid_form(fields["run_id"]), "timestamp": instant_form(fields["timestamp"]),
                "action_name": fields["action_name"], "agent_id": fields["agent_id"],
                "outcome": fields["outcome"], "cost_usd": cost_form(fields["_cost"]),
                "duration_ms": fields["duration_ms"], "risk_level": fields["risk_level"],
                "user_id": fields["user_id"], **fields["_json"],
                "error_message": fields["error_message"], "blocked_reason": fields["blocked_reason"],
                "entry_hash": digest, "prev_hash": prev, "ingested_at": stored_at,
            })
        for org_id, head in heads.items():
            values = {"last_hash": head["last_hash"], "count": head["count"], "updated_at": ingested_at}
            if head["new"]:
                conn.execute(chain_heads.insert().values(org_id=org_id, **values))
            else:
                conn.execute(update(chain_heads).where(chain_heads.c.org_id == org_id).values(**values))
        return rows

    def _record_names(self, conn: Connection, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
        """Add the names not yet in `ledger_names`; returns them (for the cache, once committed)."""
        new = set()
        for row in rows:
            for kind in ("action_name", "agent_id"):
                key = (kind, row[kind])
                if key not in self.names:
                    new.add(key)
        if new:
            statement = insert_for(conn, ledger_names).on_conflict_do_nothing()
            conn.execute(statement, [{"kind": kind, "value": value} for kind, value in sorted(new)])
        return new


# The fields compared to tell a harmless duplicate from a conflicting one: every field
# of the record but the hashes (the ledger computes those), as wire texts.
_COMPARED: tuple[str, ...] = (
    "id", "run_id", "timestamp", "action_name", "agent_id", "outcome", "cost_usd", "duration_ms",
    "risk_level", "user_id", "org_id", "input", "output", "error_message", "blocked_reason", "metadata",
    "compliance",
)
_WIRE_KINDS = {"id": "uuid", "run_id": "uuid", "timestamp": "timestamp", "cost_usd": "cost",
               **{name: "json" for name in _JSON_COLUMNS}}


def _utc_day(moment: datetime) -> date:
    return (moment if moment.tzinfo is None else moment.astimezone(timezone.utc)).date()


def _content(fields: dict[str, Any]) -> dict[str, Any]:
    """A validated record's compared fields, in the form `_stored_contents` reads them."""
    content = {name: fields[name] for name in _COMPARED if name not in _JSON_COLUMNS}
    content.update({name: None if text in (None, "null") else text for name, text in fields["_json"].items()})
    content["duration_ms"] = int(content["duration_ms"])
    return content


_ID_TEXT = type_coerce(ledger_entries.c.id, Uuid(as_uuid=False))  # read as canonical text


def _stored_hashes(conn: Connection, ids: list[str]) -> dict[str, tuple[str, str]]:
    """(entry_hash, prev_hash) of the stored entries among `ids`, by id (canonical text)."""
    found: dict[str, tuple[str, str]] = {}
    for chunk in _chunked(ids, MAX_SQLITE_PARAMETERS):
        statement = select(_ID_TEXT.label("id"), ledger_entries.c.entry_hash, ledger_entries.c.prev_hash).where(
            id_in(conn, ledger_entries.c.id, chunk))
        found.update((row.id, (row.entry_hash, row.prev_hash)) for row in conn.execute(statement))
    return found


def _same_hash(fields: dict[str, Any], stored: tuple[str, str]) -> bool:
    """Whether a validated record hashes, after the stored entry's predecessor, to the stored
    entry's hash: then its content is the same (a cheap test for the common re-send)."""
    return chain_hash(fields["_canonical"], stored[1]) == stored[0]


def _stored_contents(conn: Connection, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The compared fields of the stored entries among `ids`, by id (the database renders
    ids, timestamps, costs and JSON as the wire texts ingest produces)."""
    columns = [wire_text(conn, ledger_entries.c[name], _WIRE_KINDS.get(name, "plain")).label(name)
               for name in _COMPARED]
    found: dict[Any, dict[str, Any]] = {}
    for chunk in _chunked(ids, MAX_SQLITE_PARAMETERS):
        statement = select(_ID_TEXT.label("key"), *columns).where(id_in(conn, ledger_entries.c.id, chunk))
        for row in conn.execute(statement).mappings():
            content = {name: row[name] for name in _COMPARED}
            for name in _JSON_COLUMNS:
                if content[name] == "null":
                    content[name] = None
            content["duration_ms"] = int(content["duration_ms"])
            found[row["key"]] = content
    return found


_RAW_COLUMNS = _JSON_COLUMNS | {"id", "run_id", "timestamp", "cost_usd", "ingested_at"}


def _insert_entries(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Rows carry the JSON columns as their canonical text (what was hashed), ids,
    instants and costs as stored (`store.db.stored_forms`)."""
    bulk_insert(conn, ledger_entries, _ENTRY_COLUMNS, [[row[name] for name in _ENTRY_COLUMNS] for row in rows],
                raw=_RAW_COLUMNS)


# Indexes that only serve queries, of the entries and of the rollups. A bulk load into an
# empty ledger drops them and builds them once at the end, several times faster than
# maintaining them row by row (the rollups' indexes hold their counts and sums, so each
# upsert moved the row in every one of them). The primary keys (which the upserts use),
# the id index (duplicate check) and the chain order stay in place.
_KEPT_DURING_BULK = {"ix_le_id", "ix_le_org_seq"}
_INDEXED = (ledger_entries, *ROLLUP_TABLES)


def ensure_indexes(engine: Engine, *, analyze: bool = True) -> None:
    """Create any index of the entries or the rollups that is missing (after a bulk load,
    or one that was interrupted), then refresh the planner's statistics of the entries, the
    runs and the rollups (`store.db.refresh_statistics`).

    PostgreSQL builds them two at a time, in two sessions (CREATE INDEX takes a lock that
    another CREATE INDEX shares): the 17 query indexes of the entries of 1M actions took
    20 s instead of 28 s. SQLite has one writer: one at a time."""
    with engine.connect() as conn:
        present = {index["name"] for table in _INDEXED for index in inspect(conn).get_indexes(table.name)}
    missing = sorted((index for table in _INDEXED for index in table.indexes if index.name not in present),
                     key=lambda index: index.name or "")

    def build(index: Index) -> None:
        with engine.begin() as conn:
            index.create(conn, checkfirst=True)

    if is_postgresql(engine) and len(missing) > 1:
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(build, missing))
    else:
        for index in missing:
            build(index)
    if analyze:
        refresh_statistics(engine, [ledger_entries, runs, *ROLLUP_TABLES])


def _drop_query_indexes(engine: Engine) -> bool:
    """Drop the query-only indexes if the ledger is empty; True when they were dropped."""
    with write_transaction(engine) as conn:
        if conn.execute(select(ledger_entries.c.id).limit(1)).first() is not None:
            return False
        for table in _INDEXED:
            for index in table.indexes:
                if index.name not in _KEPT_DURING_BULK:
                    index.drop(conn, checkfirst=True)
    return True


def ingest(
    engine: Engine,
    records: Iterable[Any],
    *,
    owner: Principal | None = None,
    progress: ProgressCallback | None = None,
    numbered: bool = False,
    bulk: bool = False,
) -> IngestReport:
    """Append `records` (dicts in LedgerEntry form, or `(line, dict)` pairs when `numbered`).

    With `owner`, every record must name the owner's user and organization. With `bulk`
    and an empty ledger, query indexes are built once at the end instead of row by row
    (for a large first load; queries are slow until it finishes). At the end, the chain
    head of each organization written to is signed when a signing key is configured.
    """
    pairs = records if numbered else enumerate(records, start=1)
    deferred = bulk and _drop_query_indexes(engine)
    try:
        report = _Ingestor(engine, owner).run(pairs, progress, batch_size=BULK_BATCH_SIZE if bulk else BATCH_SIZE,
                                              parallel=bulk and may_fork())
    except Exception:
        if deferred:
            ensure_indexes(engine)
        raise
    # An interrupt (Ctrl-C) stops at once, without the minutes of index builds: `Ledger.
    # init`, which every command runs first, builds any index that is missing.
    if deferred:
        if progress:
            progress(BUILDING_INDEXES, report)
        ensure_indexes(engine)
    sign_chain_heads(engine)  # signed checkpoints of the chain heads (integrity.checkpoints)
    return report


BULK_FILE_BYTES = 50 * 1024 * 1024


def ingest_file(engine: Engine, path: str | Path, *, owner: Principal | None = None,
                progress: ProgressCallback | None = None) -> IngestReport:
    """Ingest a JSONL file; a file over 50 MB into an empty ledger loads in bulk mode."""
    try:
        bulk = Path(path).stat().st_size > BULK_FILE_BYTES
        return ingest(engine, read_jsonl(path), owner=owner, progress=progress, numbered=True, bulk=bulk)
    except OSError as exc:
        raise FileUnreadable(f"cannot read {path}: {exc.strerror or exc}") from None
