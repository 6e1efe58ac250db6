"""The ledger query (SPEC section 3): filters, search, sort, pages, totals."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Select, and_, func, select
from sqlalchemy.sql.expression import ColumnElement

from ..contract.common import Principal
from ..contract.query import EntryFilters, LedgerPage, LedgerQuery
from ..store.db import is_postgresql, supports_materialized_cte
from ..store.schema import chain_heads
from ..store.schema import ledger_entries as le
from ..rollups import profiles
from ..rollups import read as rollups
from .entries import entry_columns, read_entries
from .filters import active, where
from .scope import scope_clause

ORDER_COLUMNS: dict[str, tuple[str, ...]] = {
    "timestamp": ("timestamp",),
    "cost": ("cost_usd",),
    "duration": ("duration_ms",),
    "name": ("action_name", "timestamp"),
}
"""The allowlisted sort keys: the columns of each order, before the id that breaks ties.
Sorted by name, an action's entries come in time order, the order of its index
`ix_le_action` (action_name, timestamp, id): a page walks that index like any other
order instead of sorting each action's every entry by id (which PostgreSQL did for
every entry in scope with a compliance filter: 2.7-8.0 s at 10M actions, 57-155 ms
walking)."""


def order_by(sort_by: str, sort_order: str, columns: Any = le.c) -> list[ColumnElement]:
    """The ORDER BY of `sort_by` (`ORDER_COLUMNS`), ties broken by id, every column in the
    same direction; `columns`: where to find them (the entries, or a CTE of theirs)."""
    keys = [columns[name] for name in (*ORDER_COLUMNS[sort_by], "id")]
    return [key.asc() if sort_order == "asc" else key.desc() for key in keys]


INDEXED_FILTERS = frozenset({"outcome", "action_name", "agent_id", "run_id", "min_cost", "max_cost",
                             "start_date", "end_date", "search"})
"""Filters an index of `ledger_entries` can answer (a search is a list of action names and
agent ids, `read.filters.Search`; the risk and compliance filters read every entry in
scope)."""


def _gathers_matches_first(conn: Connection, principal: Principal, request: LedgerQuery, offset: int,
                           total: int) -> bool:
    """Whether the page should come from the matches gathered by the filters' indexes
    first, rather than from a walk of the sort order's index that checks each row: for a
    cost range, or for filters sorted by cost, duration or name (the indexes that lead
    with a filter are in time order; those in cost, duration or name order lead with the
    sort key, so such a walk checks the filters row by row).

    Costs are skewed (most actions cost fractions of a cent): PostgreSQL's planner expected
    3,034 rows of a range that held 44 and walked the whole timestamp index, 0.8 s at 1M
    actions against 6 ms gathered; the superuser's outcome, agent and 90 days sorted by
    cost took 3.5 s at 10M. A walk reads about (offset + page size) x scope / total rows
    to fill the page, gathering about `total`: the matches are gathered when that is
    fewer (for a user whose range holds 8% of her actions the walk stays faster)."""
    used = {f.name for f, _ in active(request)}
    if not used or not used <= INDEXED_FILTERS:
        return False
    if not used & {"min_cost", "max_cost"} and request.sort_by == "timestamp":
        return False
    scope = rollups.count(conn, principal, EntryFilters())
    return scope is not None and total * total < (offset + request.page_size) * scope


def _every_organization(conn: Connection, principal: Principal) -> list[ColumnElement[bool]]:
    """For a superuser on PostgreSQL: `org_id IN (every organization with entries)`, which
    changes no result but lets the indexes that lead with the organization find the
    matches (one descent per organization). PostgreSQL has no skip scan: a superuser's
    outcome, agent and 90 days were gathered through a whole index instead (0.8-1.3 s at
    10M actions; with a search as well, the walk of the cost index took 30 s). Every
    organization with entries has a chain head (`chain_heads`, kept by ingest). SQLite
    skips through a leading column by itself."""
    if principal.role != "superuser" or not is_postgresql(conn):
        return []
    organizations = conn.execute(select(chain_heads.c.org_id).order_by(chain_heads.c.org_id)).scalars().all()
    return [le.c.org_id.in_(organizations)]


NARROW_COST_RANGE = 10_000
"""A cost range holding fewer of the scope's actions than this is read alone first (SQLite)."""


def _narrow_cost_range(conn: Connection, principal: Principal, request: LedgerQuery) -> Select | None:
    """On SQLite: the keys of the scope's actions in the request's cost range, when the
    range alone holds fewer than `NARROW_COST_RANGE` of them (a probe reads at most that
    many index entries); else None. The total and the page are then read from those keys.

    SQLite keeps no histogram of the costs, so it judged a cost range no narrower than a
    date range: a quarter's "cost of at least 0.5" was counted and gathered through the
    time index, every action of the quarter read for 17 matches (0.6 s at 1M actions).
    Read alone, the cost range can only go through a cost index, and at most 10,000 keys
    are looked up. PostgreSQL's planner has the histogram and picks the cost index itself."""
    if is_postgresql(conn) or (request.min_cost is None and request.max_cost is None):
        return None
    in_range = where(conn, scope_clause(principal, le),
                     SimpleNamespace(min_cost=request.min_cost, max_cost=request.max_cost))
    probe = select(func.count()).select_from(select(le.c.id).where(in_range).limit(NARROW_COST_RANGE).subquery())
    if conn.execute(probe).scalar_one() >= NARROW_COST_RANGE:
        return None
    return select(le.c.org_id, le.c.id).where(in_range)


def _within(conn: Connection, narrow: Select, condition: ColumnElement[bool], *columns: ColumnElement) -> Select:
    """`columns` of the entries among `narrow`'s keys that meet `condition`."""
    keys = narrow.cte("in_range")
    if supports_materialized_cte(conn):
        keys = keys.prefix_with("MATERIALIZED")
    return (select(*columns).join_from(keys, le, and_(le.c.org_id == keys.c.org_id, le.c.id == keys.c.id))
            .where(condition))


def _page(conn: Connection, principal: Principal, condition: ColumnElement[bool], request: LedgerQuery,
          offset: int, total: int, narrow: Select | None = None, walk: bool = False) -> Select:
    """The page's rows.

    - A narrow cost range on SQLite (`_narrow_cost_range`): among its keys, those that meet
      every filter are sorted; only the page's rows are read whole.
    - Few matches for the scope, of a cost range or sorted by other than time
      (`_gathers_matches_first`): their keys and sort values are gathered first (a
      materialized CTE, by the filters' indexes) and sorted; only the page's rows are read
      whole.
    - Past the first page: the page's ids are found first (off an index, without reading
      the table where the index holds the filters), then only those rows are read. A plain
      OFFSET reads every skipped row from the table: a user's page 500 on PostgreSQL at 1M
      actions took 626 ms, not 24. Not when the page walks its sort order
      (`_walks_sort_order`): the join's final sort of the page's ids would be ruled out
      with the rest (21.5 s for page 3 at 10M actions).

    The keys are ids alone (unique, `ix_le_id`): the time, cost, duration and name indexes
    that serve a superuser do not hold the organization, so keys with it read the table.
    """
    order = order_by(request.sort_by, request.sort_order)
    limit = request.page_size
    if narrow is not None:
        keys = (_within(conn, narrow, condition, le.c.id)
                .order_by(*order).limit(limit).offset(offset).subquery())
    elif _gathers_matches_first(conn, principal, request, offset, total):
        gathered = select(le.c.id, *[le.c[name] for name in ORDER_COLUMNS[request.sort_by]]).where(
            condition, *_every_organization(conn, principal)).cte("matches")
        if supports_materialized_cte(conn):
            gathered = gathered.prefix_with("MATERIALIZED")
        keys = (select(gathered.c.id)
                .order_by(*order_by(request.sort_by, request.sort_order, gathered.c))
                .limit(limit).offset(offset).subquery())
    elif offset == 0 or walk:
        return select(*entry_columns(conn)).where(condition).order_by(*order).limit(limit).offset(offset)
    else:
        keys = select(le.c.id).where(condition).order_by(*order).limit(limit).offset(offset).subquery()
    return select(*entry_columns(conn)).join_from(le, keys, le.c.id == keys.c.id).order_by(*order)


WALKED_SORTS = ("timestamp", "cost", "duration", "name")
"""Sort keys whose indexes a page can walk in order."""


def _walks_sort_order(conn: Connection, request: LedgerQuery) -> bool:
    """Whether PostgreSQL must be kept from sorting the matches to fill a page: with a
    filter on the compliance metadata, which no index holds, it misjudges how many
    entries match two such members (decision "review" and framework "GDPR": a few hundred
    expected, 138,412 at 10M actions) and sorts every entry in scope instead of walking an
    index in the sort order until the page is full. At 10M actions, in time order 2.5-3.9 s
    sorted, 53-69 ms walking; by duration 3.3-5.9 s, 40-230 ms. A walk reads no more rows
    than the sort does, as no index narrows these filters."""
    return (is_postgresql(conn) and request.sort_by in WALKED_SORTS
            and any(f.name in profiles.FILTERS for f, _ in active(request)))


def run_query(conn: Connection, principal: Principal, request: LedgerQuery) -> LedgerPage:
    """One page and its totals, read in one transaction so they agree."""
    condition = where(conn, scope_clause(principal, le), request)
    total = rollups.count(conn, principal, request)
    narrow = None
    if total is None:
        narrow = _narrow_cost_range(conn, principal, request)
        counted = (select(func.count()).select_from(le).where(condition) if narrow is None
                   else _within(conn, narrow, condition, func.count()))
        total = conn.execute(counted).scalar_one()
    offset = request.page * request.page_size
    items = []
    if offset < total:
        walk = narrow is None and _walks_sort_order(conn, request)
        if walk:
            conn.exec_driver_sql("SET LOCAL enable_sort = off")
        items = read_entries(conn, _page(conn, principal, condition, request, offset, total, narrow, walk))
        if walk:
            conn.exec_driver_sql("SET LOCAL enable_sort = on")
    return LedgerPage.build(items, total, request.page, request.page_size)
