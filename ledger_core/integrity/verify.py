"""Verify the stored hash chains (`python -m ledger_core verify`, `Ledger.verify`).

Every organization's entries are read in `seq` order from one read snapshot, in keyset
chunks of `CHUNK` rows (memory stays flat), with each field rendered by the database as
its wire text (`formats.wire.wire_columns`, as an export renders it), and checked by
`chain.ChainChecker`: contiguity of seq, each link, each hash recomputed from the stored
fields, every checkpoint, and the chain head. The first damage per organization is
reported. Measured: see docs/integrity.md (bench/bench_verify.py).
"""
from __future__ import annotations

import time
from typing import Callable

from sqlalchemy import Connection, Engine, func, select, union

from ..contract.integrity import LedgerVerification, OrgVerification
from ..errors import LedgerValidationError
from ..contract.entry import NESTED_FIELDS
from ..formats.canonical import SCALAR_FIELDS
from ..formats.wire import FIELDS
from ..store.db import open_snapshot, wire_text
from ..store.schema import chain_heads, checkpoints, ledger_entries, organizations
from .chain import ChainChecker
from .checkpoints import org_checkpoints
from .keys import configured_verify_keys, load_verify_keys

CHUNK = 20_000
Progress = Callable[[str, int, int], None]
"""progress(org_id, entries checked so far in that organization, its chain head's count)."""

_KINDS = {name: kind for name, kind, _ in FIELDS}


def _columns(conn: Connection) -> list:
    le = ledger_entries
    rendered = [wire_text(conn, le.c[name], _KINDS[name]) for name in (*SCALAR_FIELDS, *NESTED_FIELDS)]
    return [le.c.seq, *rendered, le.c.entry_hash, le.c.prev_hash]


def all_org_ids(conn: Connection) -> list[str]:
    """Every organization with entries, a chain head, a checkpoint or a record."""
    statement = union(select(organizations.c.id), select(chain_heads.c.org_id), select(checkpoints.c.org_id),
                      select(ledger_entries.c.org_id).distinct())
    return sorted(conn.execute(statement).scalars())


def verify_org(conn: Connection, org_id: str, verify_keys: dict, progress: Progress | None = None,
               every: int = 100_000) -> OrgVerification:
    """Check one organization's chain (see `chain.ChainChecker`)."""
    head_row = conn.execute(select(chain_heads.c.count, chain_heads.c.last_hash)
                            .where(chain_heads.c.org_id == org_id)).first()
    head = (int(head_row.count), head_row.last_hash) if head_row else None
    total, latest = conn.execute(select(func.count(), func.max(checkpoints.c.seq))
                                 .where(checkpoints.c.org_id == org_id)).one()
    checker = ChainChecker(org_id, org_checkpoints(conn, org_id), verify_keys)
    columns = _columns(conn)
    scalars = len(SCALAR_FIELDS)
    nested_end = scalars + len(NESTED_FIELDS)
    last_seq = 0
    reported = 0
    going = True
    while going:
        rows = conn.execute(select(*columns)
                            .where(ledger_entries.c.org_id == org_id, ledger_entries.c.seq > last_seq)
                            .order_by(ledger_entries.c.seq).limit(CHUNK)).all()
        for row in rows:
            values = row[1:]
            if not checker.entry(row[0], values[0], values[:scalars], values[scalars:nested_end],
                                 values[nested_end], values[nested_end + 1]):
                going = False
                break
        if len(rows) < CHUNK:
            break
        last_seq = rows[-1][0]
        if progress and checker.entries - reported >= every:
            reported = checker.entries
            progress(org_id, checker.entries, head[0] if head else 0)
    if progress:
        progress(org_id, checker.entries, head[0] if head else 0)
    return checker.finish(head, latest_checkpoint_seq=int(latest) if latest is not None else None,
                          checkpoints_total=int(total))


def verify_ledger(engine: Engine, org_ids: list[str] | None = None, *, verify_key: str | None = None,
                  progress: Progress | None = None) -> LedgerVerification:
    """Verify the chains of `org_ids` (None: every organization) from one snapshot.

    `verify_key`: public key text(s) to check checkpoints with, instead of the configured
    `LEDGER_VERIFY_KEY` (and the signing key's public half)."""
    keys = dict(load_verify_keys(verify_key, "verify_key")) if verify_key else configured_verify_keys()
    started = time.perf_counter()
    conn = open_snapshot(engine)
    try:
        known = all_org_ids(conn)
        unknown = [org_id for org_id in org_ids or () if org_id not in known]
        if unknown:
            raise LedgerValidationError(f"org_id: unknown organization {unknown[0]!r}", field="org_id")
        orgs = known if org_ids is None else org_ids
        results = [verify_org(conn, org_id, keys, progress) for org_id in orgs]
    finally:
        conn.rollback()
        conn.close()
    return LedgerVerification(results, verify_keys=sorted(keys), seconds=time.perf_counter() - started)
