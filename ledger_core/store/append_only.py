"""Append-only storage: database triggers refuse UPDATE and DELETE on ledger entries and
checkpoints (SPEC section 7), so even a script with the database's credentials cannot
change history through SQL without first disabling them, which leaves a trace in the
database's own logs and is what `integrity.verify` then catches.

- PostgreSQL: one trigger function, `ledger_refuse_change()`, raising
  `<table> is append-only: <UPDATE|DELETE|TRUNCATE> refused`, fired BEFORE UPDATE OR
  DELETE (per statement, so even a statement touching no row is refused) and BEFORE
  TRUNCATE on each protected table.
- SQLite: `BEFORE UPDATE` and `BEFORE DELETE` triggers per table that `RAISE(ABORT, ...)`
  with the same message (SQLite has no TRUNCATE; its DELETE without WHERE fires them too).

Migrations 0004 (ledger_entries) and 0005 (checkpoints) create them; `TRIGGER_SQL` below is
the exact SQLite text they use, which `suspended` re-creates. Inserting is unaffected.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import Connection, inspect

from .db import is_postgresql

PROTECTED_TABLES: tuple[str, ...] = ("ledger_entries", "checkpoints")


def refusal_message(table: str, operation: str) -> str:
    return f"{table} is append-only: {operation} refused"


def sqlite_trigger_sql(table: str, operation: str) -> str:
    """The SQLite trigger that refuses `operation` (UPDATE or DELETE) on `table`."""
    name = f"{table}_no_{operation.lower()}"
    return (f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{refusal_message(table, operation)}'); END")


def postgresql_trigger_names(table: str) -> tuple[str, str]:
    """(the UPDATE/DELETE trigger, the TRUNCATE trigger) of `table` on PostgreSQL."""
    return f"{table}_append_only", f"{table}_no_truncate"


def _tables_present(conn: Connection) -> list[str]:
    present = set(inspect(conn).get_table_names())
    return [table for table in PROTECTED_TABLES if table in present]


def _superuser(conn: Connection) -> bool:
    return conn.exec_driver_sql("SHOW is_superuser").scalar() == "on"


@contextmanager
def suspended(conn: Connection) -> Iterator[Connection]:
    """Turn the append-only triggers off for the rest of `conn`'s transaction, and on
    again when the block ends without an error (an error leaves the transaction to be
    rolled back, which restores them as well).

    FOR TESTS AND DELIBERATE REPAIRS ONLY: the test helpers use it to empty a ledger
    between tests and to tamper with entries "behind the triggers' back" so that
    `verify` can be shown to catch it. No code path of the ledger calls it. Must run
    inside a transaction (`engine.begin()`). PostgreSQL: as a superuser, the
    transaction runs with `session_replication_role = replica` (user triggers and
    foreign-key checks off, no lock); otherwise `ALTER TABLE ... DISABLE TRIGGER USER`,
    which needs the table owner and locks the tables until the transaction ends.
    """
    if not conn.in_transaction():
        raise RuntimeError("append_only.suspended() must run inside a transaction")
    tables = _tables_present(conn)
    if is_postgresql(conn) and _superuser(conn):
        # No table lock (ALTER TABLE would wait for every open reader of the tables);
        # also suspends foreign-key checks until the block ends.
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        yield conn
        conn.exec_driver_sql("SET LOCAL session_replication_role = origin")
        return
    if is_postgresql(conn):
        for table in tables:
            conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        yield conn
        for table in tables:
            conn.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        return
    for table in tables:
        for operation in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_{operation.lower()}")
    yield conn
    for table in tables:
        for operation in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(sqlite_trigger_sql(table, operation))
