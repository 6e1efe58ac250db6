"""The hierarchical view (SPEC section 1): runs, one at a time, with their actions.

`Ledger.runs(principal, ...)` lists runs (newest first), `Ledger.run(principal, run_id)`
gives one run and its actions in order. Both are scoped by `scope.scope_clause` on the
`runs` table (which carries the owner's user and organization): a run outside the
caller's scope is `NotFound`, exactly like a run that does not exist.
"""
from __future__ import annotations

import math
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Connection, and_, case, func, select

from ..contract.models import EntryFilters, LedgerEntry, Money, Principal, validate, whole_number
from ..errors import LedgerValidationError, NotFound
from ..formats.wire import entry_from_row
from ..store.schema import ledger_entries as le
from ..store.schema import runs
from ..store.types import normalize_decimal
from .query import ENTRY_COLUMNS
from .scope import scope_clause

RUN_STATUSES: tuple[str, ...] = ("completed", "failed")
RUNS_PARAMS: tuple[str, ...] = ("page", "page_size", "agent_id", "start_date", "end_date", "status")
DEFAULT_RUNS_PAGE_SIZE = 50
MAX_RUNS_PAGE_SIZE = 500
DEFAULT_RUN_ACTIONS = 1000
MAX_RUN_ACTIONS = 10_000


class RunsQuery(BaseModel):
    """`GET /api/v1/runs` parameters: runs that started within the dates, newest first."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    page: int = Field(default=0, ge=0, le=10_000_000)
    page_size: int = Field(default=DEFAULT_RUNS_PAGE_SIZE, ge=1, le=MAX_RUNS_PAGE_SIZE)
    agent_id: str | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    status: Literal["completed", "failed"] | None = None

    @field_validator("page", "page_size", mode="before")
    @classmethod
    def _integer(cls, value: Any) -> Any:
        return whole_number(value)

    @classmethod
    def parse(cls, **params: Any) -> "RunsQuery":
        unknown = [name for name in params if name not in RUNS_PARAMS]
        if unknown:
            raise LedgerValidationError(
                f"{unknown[0]}: is not a known parameter for runs (accepted: {', '.join(RUNS_PARAMS)})",
                field=unknown[0])
        # Dates and the agent follow the ledger query's rules exactly.
        filters = EntryFilters.parse(**{k: params[k] for k in ("agent_id", "start_date", "end_date") if k in params})
        paging = {k: params[k] for k in ("page", "page_size", "status") if k in params and params[k] not in (None, "")}
        return validate(cls, {**paging, "agent_id": filters.agent_id, "start_date": filters.start_date,
                              "end_date": filters.end_date})


class RunSummary(BaseModel):
    """One run: its owner, agent, start, end, status, and totals over its actions."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    org_id: str
    user_id: str
    agent_id: str
    started_at: datetime
    ended_at: datetime | None
    status: str
    actions: int
    errors: int
    blocked: int
    total_cost_usd: Money
    total_duration_ms: int


class RunPage(BaseModel):
    items: list[RunSummary]
    total: int
    page: int
    page_size: int
    total_pages: int
    has_more: bool


class RunDetail(BaseModel):
    """One run and its actions in order (timestamp ascending, then id)."""

    run: RunSummary
    actions: list[LedgerEntry]
    truncated: bool

    def to_json(self) -> str:
        """JSON body: the run (costs as exact decimal strings) and its actions in the
        LedgerEntry wire form, like `LedgerPage.to_json`."""
        from ..formats.wire import entries_json_array

        run = self.run.model_dump_json()
        return (f'{{"run":{run},"actions":{entries_json_array(self.actions)},'
                f'"truncated":{"true" if self.truncated else "false"}}}')


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
               func.sum(le.c.cost_usd).label("cost"), func.sum(le.c.duration_ms).label("duration"))
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


def parse_run_id(value: Any) -> uuid.UUID:
    return EntryFilters.parse(run_id=value).run_id or _missing_run_id()


def _missing_run_id() -> uuid.UUID:
    raise LedgerValidationError("run_id: is required", field="run_id")


def parse_action_limit(value: Any) -> int:
    if value is None or value == "":
        return DEFAULT_RUN_ACTIONS
    try:
        limit = int(whole_number(value))
    except (TypeError, ValueError) as exc:
        raise LedgerValidationError(f"limit: {exc}", field="limit") from None
    if not 1 <= limit <= MAX_RUN_ACTIONS:
        raise LedgerValidationError(f"limit: must be between 1 and {MAX_RUN_ACTIONS:,}", field="limit")
    return limit


def get_run(conn: Connection, principal: Principal, run_id: uuid.UUID, limit: int) -> RunDetail:
    run = conn.execute(
        select(runs).where(runs.c.id == run_id, scope_clause(principal, runs))
    ).first()
    if run is None:
        raise NotFound(f"no run {run_id} (or it is not visible to you)", field="run_id")
    rows = conn.execute(
        select(*ENTRY_COLUMNS)
        .where(le.c.run_id == run_id, le.c.org_id == run.org_id, scope_clause(principal, le))
        .order_by(le.c.timestamp.asc(), le.c.id.asc())
        .limit(limit + 1)
    ).mappings().all()
    totals = _totals(conn, [(run.org_id, run.id)])
    return RunDetail(
        run=_summary(run, totals.get((run.org_id, run.id))),
        actions=[entry_from_row(row) for row in rows[:limit]],
        truncated=len(rows) > limit,
    )
