"""The ledger query (SPEC section 3): filters, search, sort, pages, totals."""
from __future__ import annotations

from sqlalchemy import Connection, func, select
from sqlalchemy.sql.expression import ColumnElement

from ..contract.common import Principal
from ..contract.entry import ENTRY_FIELDS
from ..contract.query import LedgerPage, LedgerQuery
from ..formats.wire import entry_from_row
from ..store.schema import ledger_entries as le
from ..rollups import read as rollups
from .filters import where
from .scope import scope_clause

SORT_COLUMNS = {
    "timestamp": le.c.timestamp,
    "cost": le.c.cost_usd,
    "duration": le.c.duration_ms,
    "name": le.c.action_name,
}
ENTRY_COLUMNS = [le.c[name] for name in ENTRY_FIELDS]


def order_by(sort_by: str, sort_order: str) -> list[ColumnElement]:
    """Sort key from the allowlist, ties broken by id in the same direction."""
    column = SORT_COLUMNS[sort_by]
    if sort_order == "asc":
        return [column.asc(), le.c.id.asc()]
    return [column.desc(), le.c.id.desc()]


def run_query(conn: Connection, principal: Principal, request: LedgerQuery) -> LedgerPage:
    """One page and its totals, read in one transaction so they agree."""
    condition = where(conn, scope_clause(principal, le), request)
    total = rollups.count(conn, principal, request)
    if total is None:
        total = conn.execute(select(func.count()).select_from(le).where(condition)).scalar_one()
    offset = request.page * request.page_size
    rows = []
    if offset < total:
        statement = (
            select(*ENTRY_COLUMNS)
            .where(condition)
            .order_by(*order_by(request.sort_by, request.sort_order))
            .limit(request.page_size)
            .offset(offset)
        )
        rows = conn.execute(statement).mappings().all()
    items = [entry_from_row(row) for row in rows]
    return LedgerPage.build(items, total, request.page, request.page_size)
