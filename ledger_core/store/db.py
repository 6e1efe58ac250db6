"""Engine factory: one place that knows the dialects apart."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.types import String


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and real transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    # No server-side prepared statements: psycopg prepares a query after 5 runs, and a
    # generic plan made while a table was small (a sequential scan) stayed in use as it
    # grew to millions of rows. Each statement is planned with its actual values.
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10,
                         connect_args={"prepare_threshold": None})


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling defers BEGIN until a write, so a reader
    # would see no stable snapshot. Disable it and emit BEGIN ourselves
    # (the recipe in SQLAlchemy's SQLite dialect documentation).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA cache_size=-16384")  # 16 MB a connection; the OS caches the rest
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that reads then writes without losing a race.

    SQLite takes the write lock up front (BEGIN IMMEDIATE), so a concurrent writer
    waits instead of invalidating this transaction's snapshot.
    """
    with engine.connect() as conn:
        conn = conn.execution_options(sqlite_immediate=True)
        with conn.begin():
            yield conn


def is_sqlite(engine_or_conn) -> bool:  # type: ignore[no-untyped-def]
    return engine_or_conn.dialect.name == "sqlite"


class utc_day(FunctionElement):
    """The UTC calendar day (`YYYY-MM-DD` text) of a timestamp column."""

    type = String()
    inherit_cache = True


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element, compiler, **kw):  # type: ignore[no-untyped-def]
    # Timestamps are stored as naive UTC text `YYYY-MM-DD HH:MM:SS.ffffff`.
    return "substr(%s, 1, 10)" % compiler.process(element.clauses, **kw)


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element, compiler, **kw):  # type: ignore[no-untyped-def]
    return "to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD')" % compiler.process(
        element.clauses, **kw
    )


def day_of(column: ColumnElement) -> utc_day:
    return utc_day(column)
