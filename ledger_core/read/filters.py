"""Entry filters: each parameter of SPEC section 3 as a WHERE clause on `ledger_entries`.

One filter set serves the query, the stats and the export. Column names come from
this module, never from input; every value is a bound parameter.
"""
from __future__ import annotations

from sqlalchemy import Connection, and_, false, func, or_, select
from sqlalchemy.sql.expression import ColumnElement

from ..contract.common import OUTCOMES
from ..contract.query import EntryFilters
from ..store.schema import ledger_entries as le
from ..store.schema import ledger_names

SEARCH_COLUMNS = {"action_name": le.c.action_name, "agent_id": le.c.agent_id}
_MAX_IN_LIST = 5000


def filter_clauses(conn: Connection, filters: EntryFilters) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if filters.outcome is not None:
        clauses.append(le.c.outcome == filters.outcome)
    if filters.action_name is not None:
        clauses.append(le.c.action_name == filters.action_name)
    if filters.agent_id is not None:
        clauses.append(le.c.agent_id == filters.agent_id)
    if filters.run_id is not None:
        clauses.append(le.c.run_id == filters.run_id)
    if filters.min_cost is not None:
        clauses.append(le.c.cost_usd >= filters.min_cost)
    if filters.max_cost is not None:
        clauses.append(le.c.cost_usd <= filters.max_cost)
    if filters.start_date is not None:
        clauses.append(le.c.timestamp >= filters.start_date)
    if filters.end_date is not None:
        clauses.append(le.c.timestamp <= filters.end_date)
    if filters.search is not None:
        clauses.append(search_clause(conn, filters.search))
    return clauses


def search_clause(conn: Connection, term: str) -> ColumnElement[bool]:
    """Case-insensitive substring over action_name, agent_id and outcome.

    These columns hold few distinct values, kept in `ledger_names` at ingest: the
    term is matched against those values in Python (so `%` and `_` are literal and
    case folding is the same on every backend), then the big table is filtered with
    `IN (...)` on indexed columns.
    """
    needle = term.lower()
    matches: dict[str, list[str]] = {kind: [] for kind in SEARCH_COLUMNS}
    for kind, value in conn.execute(select(ledger_names.c.kind, ledger_names.c.value)):
        if kind in matches and needle in value.lower():
            matches[kind].append(value)
    alternatives: list[ColumnElement[bool]] = []
    for kind, values in matches.items():
        if len(values) > _MAX_IN_LIST:
            column = SEARCH_COLUMNS[kind]
            alternatives.append(func.lower(column).contains(needle, autoescape=True))
        elif values:
            alternatives.append(SEARCH_COLUMNS[kind].in_(sorted(values)))
    outcomes = [outcome for outcome in OUTCOMES if needle in outcome]
    if outcomes:
        alternatives.append(le.c.outcome.in_(outcomes))
    return or_(*alternatives) if alternatives else false()


def where(conn: Connection, scope: ColumnElement[bool], filters: EntryFilters) -> ColumnElement[bool]:
    return and_(scope, *filter_clauses(conn, filters))
