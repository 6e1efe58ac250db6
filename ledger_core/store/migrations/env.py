"""Alembic environment: runs on the connection handed over by `ledger_core.store.migrate`."""
from __future__ import annotations

from alembic import context

from ledger_core.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through `alembic` CLI with a URL
    from ledger_core.store.db import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    connection = engine.connect()

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
