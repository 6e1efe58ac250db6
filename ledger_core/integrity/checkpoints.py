"""Signed checkpoints: each organization's chain head, signed with Ed25519 at the end of
every ingest, so that someone who can write to the database but has not the private key
cannot rewrite history and recompute the chain unnoticed (like CloudTrail's signed digest
files).

A checkpoint records (organization, seq = the chain's count, the entry at seq, its hash,
signed_at) and the signature of `contract.integrity.checkpoint_message` over them, with
the fingerprint of the key. `sign_chain_heads` signs every chain head that has grown past
its latest checkpoint (the organizations an ingest touched, and any left unsigned by an
earlier ingest that failed before signing or ran without a key), never one whose
newest entry disagrees with it (that chain is damaged: `verify` reports it). Two ingests
that finish together sign the same head once (the primary key is organization and seq).
"""
from __future__ import annotations

import logging
from typing import Any, Iterator

from sqlalchemy import Connection, Engine, func, select

from ..clock import now_utc
from ..contract.common import Principal
from ..contract.integrity import Checkpoint, checkpoint_message
from ..errors import Forbidden
from ..store.db import insert_for, write_transaction
from ..store.schema import chain_heads, checkpoints, ledger_entries
from .keys import SigningKey, configured_signing_key

log = logging.getLogger(__name__)
CHUNK = 10_000


def sign_chain_heads(engine: Engine, key: SigningKey | None = None) -> int:
    """Sign every chain head past its latest checkpoint with `key` (default: the configured
    `LEDGER_SIGNING_KEY`; none configured: nothing happens). Returns checkpoints written."""
    key = key or configured_signing_key()
    if key is None:
        return 0
    # Per organization through the primary key (org_id, seq): cheap however many checkpoints exist.
    latest = (select(func.coalesce(func.max(checkpoints.c.seq), 0))
              .where(checkpoints.c.org_id == chain_heads.c.org_id).scalar_subquery())
    statement = (
        select(chain_heads.c.org_id, chain_heads.c.count, chain_heads.c.last_hash, ledger_entries.c.id,
               ledger_entries.c.entry_hash)
        .outerjoin(ledger_entries, (ledger_entries.c.org_id == chain_heads.c.org_id)
                   & (ledger_entries.c.seq == chain_heads.c.count))
        .where(chain_heads.c.count > latest)
        .order_by(chain_heads.c.org_id)
    )
    written = 0
    with write_transaction(engine) as conn:
        rows = []
        for org_id, count, last_hash, entry_id, stored_hash in conn.execute(statement):
            if entry_id is None or stored_hash != last_hash:
                log.warning("chain head of %r (count %s) does not match its newest entry: not signed; "
                            "run `python -m ledger_core verify`", org_id, count)
                continue
            signed_at = now_utc()
            message = checkpoint_message(org_id, count, str(entry_id), last_hash, signed_at)
            rows.append({"org_id": org_id, "seq": count, "entry_id": entry_id, "last_hash": last_hash,
                         "signed_at": signed_at, "signature": key.sign(message),
                         "key_fingerprint": key.fingerprint})
        if rows:
            conn.execute(insert_for(conn, checkpoints).on_conflict_do_nothing(), rows)
            written = len(rows)
    return written


def _checkpoint(row: Any) -> Checkpoint:
    return Checkpoint(org_id=row.org_id, seq=int(row.seq), entry_id=str(row.entry_id), last_hash=row.last_hash,
                      signed_at=row.signed_at, signature=row.signature, key_fingerprint=row.key_fingerprint)


def org_checkpoints(conn: Connection, org_id: str) -> Iterator[Checkpoint]:
    """The organization's checkpoints in seq order, read `CHUNK` at a time."""
    last = 0
    while True:
        rows = conn.execute(
            select(checkpoints).where(checkpoints.c.org_id == org_id, checkpoints.c.seq > last)
            .order_by(checkpoints.c.seq).limit(CHUNK)).all()
        for row in rows:
            yield _checkpoint(row)
        if len(rows) < CHUNK:
            return
        last = rows[-1].seq


def latest_checkpoints(conn: Connection, org_ids: list[str] | None) -> list[Checkpoint]:
    """The newest checkpoint of each organization (of `org_ids`; None: all), by organization."""
    if org_ids is None:
        org_ids = sorted(conn.execute(select(chain_heads.c.org_id)).scalars())
    found = []
    for org_id in sorted(org_ids):
        row = conn.execute(select(checkpoints).where(checkpoints.c.org_id == org_id)
                           .order_by(checkpoints.c.seq.desc()).limit(1)).first()
        if row is not None:
            found.append(_checkpoint(row))
    return found


def orgs_in_scope(principal: Principal) -> list[str] | None:
    """The organizations whose chains and checkpoints `principal` may see (None: all);
    `Forbidden` for a plain user (a chain spans the whole organization)."""
    if principal.role == "superuser":
        return None
    if principal.role == "org_admin":
        return [principal.org_id]
    raise Forbidden("verifying the ledger and reading its checkpoints is for org admins and superusers")
