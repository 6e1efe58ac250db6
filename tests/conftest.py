"""Shared fixtures: every ledger test runs on SQLite and on PostgreSQL.

PostgreSQL comes from `LEDGER_TEST_POSTGRES_URL` (default: the local server, database
`test`); each test session creates its own databases there and drops them after.
When `LEDGER_REQUIRE_POSTGRES=1` (set by `make test` and CI) an unreachable server
fails the run instead of skipping the PostgreSQL half.
"""
from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ledger_core import Ledger
from tests.helpers import empty_ledger

# Cheap password hashes in tests (0.25 s each at the production cost of 12 dominated the suite).
os.environ.setdefault("LEDGER_BCRYPT_ROUNDS", "4")

BACKENDS = ["sqlite", "postgresql"]
PG_ADMIN_URL = os.environ.get(
    "LEDGER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_available() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"{type(exc).__name__}: {exc}".splitlines()[0]


class DatabaseFactory:
    """Creates migrated databases for one backend, named per purpose, dropped at the end."""

    def __init__(self, backend: str, tmp_dir) -> None:  # type: ignore[no-untyped-def]
        self.backend = backend
        self.tmp_dir = tmp_dir
        self.created: list[str] = []
        self.suffix = uuid.uuid4().hex[:8]

    def url(self, name: str) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.tmp_dir / (name + '.db')}"
        database = f"ledger_test_{name}_{self.suffix}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        admin.dispose()
        self.created.append(database)
        return make_url(PG_ADMIN_URL).set(database=database).render_as_string(hide_password=False)

    def ledger(self, name: str, **kwargs) -> Ledger:  # type: ignore[no-untyped-def]
        kwargs.setdefault("rate_limits", None)
        ledger = Ledger(self.url(name), **kwargs)
        ledger.init()
        return ledger

    def drop_all(self) -> None:
        if not self.created:
            return
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for database in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:  # type: ignore[no-untyped-def]
    name = request.param
    if name == "postgresql":
        problem = _postgres_available()
        if problem:
            message = f"PostgreSQL at {PG_ADMIN_URL} is not reachable: {problem}"
            if os.environ.get("LEDGER_REQUIRE_POSTGRES") == "1":
                pytest.fail(message, pytrace=False)
            pytest.skip(message)
    return name


@pytest.fixture(scope="session")
def databases(backend, tmp_path_factory) -> Iterator[DatabaseFactory]:  # type: ignore[no-untyped-def]
    factory = DatabaseFactory(backend, tmp_path_factory.mktemp(f"db-{backend}"))
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def _scratch(databases) -> Iterator[Ledger]:  # type: ignore[no-untyped-def]
    ledger = databases.ledger("scratch")
    yield ledger
    ledger.dispose()


@pytest.fixture
def ledger(_scratch: Ledger) -> Ledger:
    """An empty, migrated ledger (no rate limits, the wall clock) on the current backend."""
    empty_ledger(_scratch)
    _scratch.clock = time.time  # a test may have swapped it
    return _scratch


@pytest.fixture(scope="session")
def make_ledger(databases) -> Callable[..., Ledger]:  # type: ignore[no-untyped-def]
    """`make_ledger(name, **kwargs)`: a new migrated ledger in its own database (session-lived)."""
    made: list[Ledger] = []

    def make(name: str, **kwargs) -> Ledger:  # type: ignore[no-untyped-def]
        made.append(databases.ledger(name, **kwargs))
        return made[-1]

    yield make
    for item in made:
        item.dispose()
