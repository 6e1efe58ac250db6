"""Alembic migrations build exactly the schema of schema.py, on both backends."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ledger_core.store import migrate
from ledger_core.store.schema import metadata


def test_migrations_match_schema_and_upgrade_is_repeatable(ledger):  # type: ignore[no-untyped-def]
    ledger.init()  # a second upgrade changes nothing
    assert migrate.current_revision(ledger.engine) == migrate.head_revision()
    with ledger.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        differences = compare_metadata(context, metadata)
    assert differences == []
