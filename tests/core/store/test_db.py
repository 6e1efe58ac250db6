"""store.db helpers that a bulk load relies on: values bound as the columns store them."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Table, bindparam, select

from ledger_core import Ledger
from ledger_core.formats.wire import format_timestamp
from ledger_core.store.db import (
    SQLITE_MMAP_SIZE,
    _bound,
    id_in,
    is_postgresql,
    make_engine,
    stored_forms,
    stream_batches,
    uuid_hex,
    wire_text,
)
from ledger_core.store.schema import ledger_entries
from ledger_core.store.types import COST_SCALE

_instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                         timezones=st.just(timezone.utc))
_costs = st.decimals(min_value=0, max_value=Decimal("999999999999"), places=COST_SCALE, allow_nan=False,
                     allow_infinity=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=st.lists(st.uuids(), min_size=1, max_size=5), instant=_instants, cost=_costs)
def test_stored_forms_are_what_the_columns_store(ledger: Ledger, ids: list[uuid.UUID], instant: datetime,
                                                 cost: Decimal) -> None:
    """The text forms bound by a bulk load equal the column types' own binding: on SQLite
    the very values SQLAlchemy's bind processors give, on PostgreSQL the same uuid,
    timestamptz and numeric once the server has read them."""
    uuid_form, instant_form, cost_form = stored_forms(ledger.engine)
    table: Table = ledger_entries
    with ledger.engine.connect() as conn:
        if is_postgresql(conn):
            row = conn.execute(select(
                bindparam("u", uuid_form(str(ids[0]))).cast(table.c.id.type),
                bindparam("t", instant_form(format_timestamp(instant))).cast(table.c.timestamp.type),
                bindparam("c", cost_form(cost)).cast(table.c.cost_usd.type),
            )).one()
            assert tuple(row) == (ids[0], instant, cost)
        else:
            processed = _bound(conn, table, ["id", "timestamp", "cost_usd"], [[ids[0], instant, cost]])[0]
            assert (uuid_form(str(ids[0])), instant_form(format_timestamp(instant)), cost_form(cost)) == processed


def _stored_entries(ledger: Ledger, count: int) -> list[uuid.UUID]:
    ledger.add_user("alice", org_id="acme", role="user")
    ids = sorted(uuid.uuid4() for _ in range(count))
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    report = ledger.ingest([{
        "id": str(entry_id), "run_id": str(uuid.uuid4()), "timestamp": (start + timedelta(seconds=n)).isoformat(),
        "action_name": "a", "agent_id": "g", "outcome": "success", "cost_usd": "0", "duration_ms": n,
        "risk_level": "low", "user_id": "alice", "org_id": "acme"} for n, entry_id in enumerate(ids)])
    assert report.added == count
    return ids


def test_id_in_takes_ids_as_text(ledger: Ledger) -> None:
    """Ingest looks ids up by their canonical text; the lookup finds the stored entries only."""
    ids = _stored_entries(ledger, 3)
    wanted = [str(ids[0]), str(ids[2]), str(uuid.uuid4())]
    with ledger.engine.connect() as conn:
        found = set(conn.execute(select(ledger_entries.c.id).where(id_in(conn, ledger_entries.c.id, wanted)))
                    .scalars())
    assert found == {ids[0], ids[2]}


def test_stream_batches_hands_over_every_row_once_in_order_in_lists_of_the_size(ledger: Ledger) -> None:
    """An export reads its rows through `stream_batches`: all of them, in the statement's
    order, at most `size` at a time, as plain tuples on either backend."""
    _stored_entries(ledger, 23)
    e = ledger_entries.c
    with ledger.engine.connect() as conn:
        result, batches = stream_batches(conn, select(e.duration_ms, wire_text(conn, e.id, "uuid"))
                                         .order_by(e.duration_ms.desc()), 5)
        lists = list(batches)
        result.close()
        expected = [tuple(row) for row in conn.execute(select(e.duration_ms, wire_text(conn, e.id, "uuid"))
                                                       .order_by(e.duration_ms.desc()))]
    assert [len(rows) for rows in lists] == [5, 5, 5, 5, 3]
    assert [tuple(row) for rows in lists for row in rows] == expected
    assert [row[0] for rows in lists for row in rows] == list(range(22, -1, -1))


def test_uuid_hex_is_the_canonical_text_without_dashes_where_python_dashes_it(ledger: Ledger) -> None:
    """SQLite: the 32 hex digits of each id, which an export dashes into its wire text;
    PostgreSQL renders the wire text itself (None)."""
    ids = _stored_entries(ledger, 3)
    with ledger.engine.connect() as conn:
        digits = uuid_hex(conn, ledger_entries.c.id)
        if is_postgresql(conn):
            assert digits is None
            return
        found = conn.execute(select(digits).order_by(ledger_entries.c.id)).scalars().all()
    assert found == [entry_id.hex for entry_id in ids]


def test_sqlite_reads_the_database_through_a_memory_map(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Every SQLite connection maps the file (`SQLITE_MMAP_SIZE`): pages that read many
    entries' rows spend half their time copying pages without it."""
    engine = make_engine(f"sqlite:///{tmp_path / 'mapped.db'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA mmap_size").scalar() == SQLITE_MMAP_SIZE > 0
    finally:
        engine.dispose()
