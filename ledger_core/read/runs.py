"""The hierarchical view (SPEC section 1): runs, one at a time, with their actions.

`Ledger.runs(principal, ...)` lists runs (newest first), `Ledger.run(principal, run_id)`
gives one run and its actions in order. Both are scoped by `scope.scope_clause` on the
`runs` table (which carries the owner's user and organization): a run outside the
caller's scope is `NotFound`, exactly like a run that does not exist.
"""
from __future__ import annotations

import math
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, case, func, select

from ..contract.common import Principal
from ..contract.runs import RunDetail, RunPage, RunRequest, RunsQuery, RunSummary
from ..errors import NotFound
from ..store.db import exact_sum
from ..store.schema import ledger_entries as le
from ..store.schema import runs
from ..store.types import normalize_decimal
from .entries import entry_columns, read_entries
from .scope import scope_clause


def _run_conditions(principal: Principal, request: RunsQuery) -> Any:
    clauses = [scope_clause(principal, runs)]
    if request.agent_id is not None:
        clauses.append(runs.c.agent_id == request.agent_id)
    if request.start_date is not None:
        clauses.append(runs.c.started_at >= request.start_date)
    if request.end_date is not None:
        clauses.append(runs.c.started_at <= request.end_date)
    if request.status is not None:
        clauses.append(runs.c.status == request.status)
    return and_(*clauses)


def _totals(conn: Connection, keys: list[tuple[str, uuid.UUID]]) -> dict[tuple[str, uuid.UUID], Any]:
    """Per run (org, id): count, errors, blocked, cost and duration sums of its actions."""
    if not keys:
        return {}
    statement = (
        select(le.c.org_id, le.c.run_id, func.count().label("n"),
               func.count(case((le.c.outcome == "error", 1))).label("errors"),
               func.count(case((le.c.outcome == "blocked", 1))).label("blocked"),
               exact_sum(le.c.cost_usd).label("cost"), func.sum(le.c.duration_ms).label("duration"))
        .where(le.c.run_id.in_(sorted({run_id for _, run_id in keys})))
        .group_by(le.c.org_id, le.c.run_id)
    )
    return {(row.org_id, row.run_id): row for row in conn.execute(statement)}


def _summary(run: Any, totals: Any) -> RunSummary:
    return RunSummary(
        id=run.id, org_id=run.org_id, user_id=run.user_id, agent_id=run.agent_id,
        started_at=run.started_at, ended_at=run.ended_at, status=run.status,
        actions=int(totals.n) if totals else 0,
        errors=int(totals.errors) if totals else 0,
        blocked=int(totals.blocked) if totals else 0,
        total_cost_usd=normalize_decimal(Decimal(totals.cost)) if totals and totals.cost is not None else Decimal(0),
        total_duration_ms=int(totals.duration) if totals and totals.duration is not None else 0,
    )


def list_runs(conn: Connection, principal: Principal, request: RunsQuery) -> RunPage:
    condition = _run_conditions(principal, request)
    total = conn.execute(select(func.count()).select_from(runs).where(condition)).scalar_one()
    offset = request.page * request.page_size
    rows = []
    if offset < total:
        rows = conn.execute(
            select(runs).where(condition)
            .order_by(runs.c.started_at.desc(), runs.c.id.desc())
            .limit(request.page_size).offset(offset)
        ).all()
    totals = _totals(conn, [(row.org_id, row.id) for row in rows])
    return RunPage(
        items=[_summary(row, totals.get((row.org_id, row.id))) for row in rows],
        total=total, page=request.page, page_size=request.page_size,
        total_pages=math.ceil(total / request.page_size) if total else 0,
        has_more=(request.page + 1) * request.page_size < total,
    )


def get_run(conn: Connection, principal: Principal, request: RunRequest) -> RunDetail:
    run_id, limit = request.run_id, request.limit
    run = conn.execute(
        select(runs).where(runs.c.id == run_id, scope_clause(principal, runs))
    ).first()
    if run is None:
        raise NotFound(f"no run {run_id} (or it is not visible to you)", field="run_id")
    actions = read_entries(conn, select(*entry_columns(conn))
                           .where(le.c.run_id == run_id, le.c.org_id == run.org_id, scope_clause(principal, le))
                           .order_by(le.c.timestamp.asc(), le.c.id.asc())
                           .limit(limit + 1))
    totals = _totals(conn, [(run.org_id, run.id)])
    return RunDetail(
        run=_summary(run, totals.get((run.org_id, run.id))),
        actions=actions[:limit],
        truncated=len(actions) > limit,
    )
