"""Helpers the tests share (imported, never through conftest)."""
from __future__ import annotations

from ledger_core import Ledger
from ledger_core.store import append_only
from ledger_core.store.schema import metadata


def empty_ledger(ledger: Ledger) -> None:
    """Delete every row of every table (the schema stays). Entries and checkpoints are
    append-only: their triggers are suspended for this transaction only (tests only)."""
    with ledger.engine.begin() as conn, append_only.suspended(conn):
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


def walk_ids(ledger: Ledger, principal, **params) -> list[str]:  # type: ignore[no-untyped-def]
    """Every matching id, in order, walking pages of 1000; checks they add up to `total`."""
    ids: list[str] = []
    page = 0
    while True:
        result = ledger.query(principal, page=page, page_size=1000, **params)
        ids += [str(item.id) for item in result.items]
        if not result.has_more:
            break
        page += 1
    assert len(ids) == result.total
    return ids


EXPORT_USERS = [  # (username, org, role): the people of the export and export-log tests
    ("alice", "acme", "user"),
    ("bob", "acme", "user"),
    ("carol", "acme", "org_admin"),
    ("dave", "globex", "user"),
    ("erin", "globex", "org_admin"),
    ("root", "ops", "superuser"),
]


def add_export_users(ledger: Ledger) -> None:
    for name, org, role in EXPORT_USERS:
        ledger.add_user(name, org_id=org, role=role)
