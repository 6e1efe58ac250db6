"""GET /api/v1/runs and /api/v1/runs/{run_id}: the hierarchical view (Run -> Actions)."""
from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from ledger_core import Principal, RunPage

from ..deps import caller, ledger_of
from ..schemas import RunDetailOut
from .common import AGENT_HELP, MAX_NAME, RATE_HEADERS, errors

router = APIRouter(tags=["runs"])

RUN_DATE_HELP = (" ISO 8601 date or date-time (a time without a zone is UTC); it applies to when the run "
                 "started.")


@router.get(
    "/runs",
    summary="List runs",
    description="Runs in the caller's scope, newest first, with totals over their actions. "
                "Counts against the query rate limit.",
    responses={200: {"model": RunPage, "headers": RATE_HEADERS, "description": "One page of runs."},
               **errors(401, 422, 429, rate_limited=True)},
)
def list_runs(
    request: Request,
    principal: Annotated[Principal, Depends(caller("query"))],
    page: Annotated[int, Query(ge=0, le=10_000_000, description="Page number, 0-indexed.")] = 0,
    page_size: Annotated[int, Query(ge=1, le=500, description="Runs per page, 1 to 500.")] = 50,
    agent_id: Annotated[str | None, Query(max_length=MAX_NAME, description=AGENT_HELP)] = None,
    start_date: Annotated[str | None, Query(max_length=64, description=(
        "Runs started at or after this instant; a date alone means 00:00:00 UTC." + RUN_DATE_HELP))] = None,
    end_date: Annotated[str | None, Query(max_length=64, description=(
        "Runs started at or before this instant; a date alone means the whole day." + RUN_DATE_HELP))] = None,
    status: Annotated[Literal["completed", "failed"] | None, Query(description="Only runs with this status.")] = None,
) -> Response:
    result = ledger_of(request).runs(principal, page=page, page_size=page_size, agent_id=agent_id,
                                     start_date=start_date, end_date=end_date, status=status)
    return Response(content=result.model_dump_json(), media_type="application/json")


@router.get(
    "/runs/{run_id}",
    summary="One run and its actions",
    description="The run and its actions in order (timestamp ascending, then id). A run outside the caller's "
                "scope answers 404, exactly like one that does not exist. Counts against the query rate limit.",
    responses={200: {"model": RunDetailOut, "headers": RATE_HEADERS, "description": "The run and its actions."},
               **errors(401, 404, 422, 429, rate_limited=True)},
)
def get_run(
    request: Request,
    principal: Annotated[Principal, Depends(caller("query"))],
    run_id: Annotated[uuid.UUID, Path(description="The run's id (a UUID).")],
    limit: Annotated[int, Query(ge=1, le=10_000, description="At most this many actions, 1 to 10,000.")] = 1000,
) -> Response:
    detail = ledger_of(request).run(principal, run_id, limit=limit)
    return Response(content=detail.to_json(), media_type="application/json")
