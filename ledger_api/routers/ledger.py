"""GET /api/v1/ledger, /ledger/stats and /ledger/export (SPEC sections 3 to 5)."""
from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any, AsyncGenerator, Literal

import anyio
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask
from pydantic import WithJsonSchema
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from ledger_core import ComplianceSummary, Export, LedgerStats, Principal

from ..deps import caller, ledger_of
from ..schemas import LedgerPageOut
from .common import (
    ACTION_HELP, AGENT_HELP, END_HELP, MAX_NAME, OUTCOME_HELP, RATE_HEADERS, START_HELP, compliance_filters,
    errors,
)

router = APIRouter(tags=["ledger"])

Outcome = Literal["success", "error", "blocked"]
# Read as an exact decimal (no binary float on the way to the ledger), documented as a number.
Cost = Annotated[Decimal | None, WithJsonSchema({"type": "number", "minimum": 0})]
JSON = "application/json"


def _json(body: str) -> Response:
    return Response(content=body, media_type=JSON)


@router.get(
    "/ledger",
    summary="Query the ledger",
    description="One page of actions in the caller's scope, filtered, searched and sorted (SPEC section 3). "
                "Ties are broken by id, so walking the pages visits every action exactly once.",
    responses={200: {"model": LedgerPageOut, "headers": RATE_HEADERS, "description": "One page of actions."},
               **errors(401, 422, 429, rate_limited=True)},
)
def query_ledger(
    request: Request,
    principal: Annotated[Principal, Depends(caller("query"))],
    compliance: Annotated[dict[str, str], Depends(compliance_filters)],
    page: Annotated[int, Query(ge=0, le=10_000_000, description="Page number, 0-indexed.")] = 0,
    page_size: Annotated[int, Query(ge=1, le=1000, description="Actions per page, 1 to 1000.")] = 100,
    outcome: Annotated[Outcome | None, Query(description=OUTCOME_HELP)] = None,
    action_name: Annotated[str | None, Query(max_length=MAX_NAME, description=ACTION_HELP)] = None,
    agent_id: Annotated[str | None, Query(max_length=MAX_NAME, description=AGENT_HELP)] = None,
    run_id: Annotated[uuid.UUID | None, Query(description="Only actions of this run (a UUID).")] = None,
    min_cost: Annotated[Cost, Query(ge=0, description="Minimum cost in USD, inclusive.")] = None,
    max_cost: Annotated[Cost, Query(ge=0, description="Maximum cost in USD, inclusive; not below min_cost.")] = None,
    start_date: Annotated[str | None, Query(max_length=64, description=START_HELP)] = None,
    end_date: Annotated[str | None, Query(max_length=64, description=END_HELP + " Not before start_date.")] = None,
    search: Annotated[str | None, Query(max_length=MAX_NAME, description=(
        "Case-insensitive substring of the action name, agent id or outcome; `%` and `_` are literal."))] = None,
    sort_by: Annotated[Literal["timestamp", "cost", "duration", "name"], Query(
        description="Sort key (`name` is the action name).")] = "timestamp",
    sort_order: Annotated[Literal["asc", "desc"], Query(description="Sort direction.")] = "desc",
) -> Response:
    page_result = ledger_of(request).query(
        principal, page=page, page_size=page_size, outcome=outcome, action_name=action_name, agent_id=agent_id,
        run_id=run_id, min_cost=min_cost, max_cost=max_cost, start_date=start_date, end_date=end_date,
        search=search, sort_by=sort_by, sort_order=sort_order, **compliance,
    )
    return _json(page_result.to_json())


@router.get(
    "/ledger/stats",
    summary="Aggregate statistics",
    description="Counts, rates, exact costs, duration percentiles, top actions, cost per agent and a daily "
                "series of the actions in the caller's scope (SPEC section 4). Costs are exact decimal strings.",
    responses={200: {"model": LedgerStats, "headers": RATE_HEADERS, "description": "The statistics."},
               **errors(401, 422, 429, rate_limited=True)},
)
def ledger_stats(
    request: Request,
    principal: Annotated[Principal, Depends(caller("stats"))],
    compliance: Annotated[dict[str, str], Depends(compliance_filters)],
    start_date: Annotated[str | None, Query(max_length=64, description=START_HELP)] = None,
    end_date: Annotated[str | None, Query(max_length=64, description=END_HELP + " Not before start_date.")] = None,
    agent_id: Annotated[str | None, Query(max_length=MAX_NAME, description=AGENT_HELP)] = None,
) -> Response:
    stats = ledger_of(request).stats(principal, start_date=start_date, end_date=end_date, agent_id=agent_id,
                                     **compliance)
    return _json(stats.to_json())


@router.get(
    "/ledger/compliance",
    summary="Compliance summary",
    description="For the actions in the caller's scope in a period: counts by risk level, decision, data "
                "classification, PII and regulatory framework, the actions that need a review (decision `review`, "
                "no reviewer yet; the newest 20 and their total), and the riskiest agents and actions. Org admins "
                "and superusers; a plain user only in an Enterprise organization (403 otherwise). Counts against "
                "the stats rate limit.",
    responses={200: {"model": ComplianceSummary, "headers": RATE_HEADERS, "description": "The summary."},
               **errors(401, 403, 422, 429, rate_limited=True)},
)
def compliance_summary(
    request: Request,
    principal: Annotated[Principal, Depends(caller("stats"))],
    compliance: Annotated[dict[str, str], Depends(compliance_filters)],
    start_date: Annotated[str | None, Query(max_length=64, description=START_HELP)] = None,
    end_date: Annotated[str | None, Query(max_length=64, description=END_HELP + " Not before start_date.")] = None,
    agent_id: Annotated[str | None, Query(max_length=MAX_NAME, description=AGENT_HELP)] = None,
) -> Response:
    summary = ledger_of(request).compliance(principal, start_date=start_date, end_date=end_date, agent_id=agent_id,
                                            **compliance)
    return _json(summary.to_json())


EXPORT_HEADERS: dict[str, Any] = {
    **RATE_HEADERS,
    "Content-Disposition": {"description": 'attachment; filename="ledger-export-<UTC time>.<format>"',
                            "schema": {"type": "string"}},
    "X-Total-Count": {"description": "Actions matching the filters (may exceed the rows in the file).",
                      "schema": {"type": "integer"}},
    "X-Export-Truncated": {"description": "`true` when more actions match than `limit`: the file is not "
                                          "complete.", "schema": {"type": "string", "enum": ["true", "false"]}},
    "X-Export-Rows": {"description": "Rows in the file: min(X-Total-Count, limit).", "schema": {"type": "integer"}},
}


def export_selection(
    compliance: Annotated[dict[str, str], Depends(compliance_filters)],
    outcome: Annotated[Outcome | None, Query(description=OUTCOME_HELP)] = None,
    action_name: Annotated[str | None, Query(max_length=MAX_NAME, description=ACTION_HELP)] = None,
    agent_id: Annotated[str | None, Query(max_length=MAX_NAME, description=AGENT_HELP)] = None,
    start_date: Annotated[str | None, Query(max_length=64, description=START_HELP)] = None,
    end_date: Annotated[str | None, Query(max_length=64, description=END_HELP + " Not before start_date.")] = None,
    limit: Annotated[int, Query(ge=1, json_schema_extra={"maximum": 100_000}, description=(
        "Maximum rows, 1 to 100,000. Above 100,000 the answer is 422 `export_limit_exceeded` "
        "(narrow the dates, add filters or export in batches)."))] = 10_000,
) -> dict[str, Any]:
    """The rows a file holds (`ExportSelection`): shared by the export and the audit pack."""
    return {"limit": limit, "outcome": outcome, "action_name": action_name, "agent_id": agent_id,
            "start_date": start_date, "end_date": end_date, **compliance}


async def _stream(export: Export) -> AsyncGenerator[bytes, None]:
    """The export's chunks, read in a worker thread; the export is closed (its database
    connection freed, the export log told) however the stream ends, a client that
    disconnects included."""
    chunks = iter(export)
    try:
        while True:
            chunk = await run_in_threadpool(next, chunks, None)
            if chunk is None:
                return
            yield chunk
    finally:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(export.close)


class ExportResponse(StreamingResponse):
    """A StreamingResponse that always closes its stream: when the client disconnects the
    server's `send` raises, and the generator would otherwise wait for the garbage collector."""

    body_iterator: AsyncGenerator[bytes, None]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):
                await self.body_iterator.aclose()


@router.get(
    "/ledger/export",
    summary="Export the ledger",
    description="A file of the actions in the caller's scope, streamed, newest first (SPEC section 5): "
                "`jsonl` (one LedgerEntry a line, what ingest reads back), `json` (an array) or `csv` (a header "
                "row, nested fields as JSON text, formula-like cells prefixed with `'`). At most `limit` rows; "
                "`X-Total-Count` and `X-Export-Truncated` say whether the file holds everything that matched. "
                "Every export is recorded in the export log.",
    response_class=ExportResponse,
    responses={
        200: {"description": "The file.", "headers": EXPORT_HEADERS, "content": {
            "application/x-ndjson": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/LedgerEntryOut"}}},
            "text/csv; charset=utf-8": {"schema": {"type": "string"}},
        }},
        **errors(401, 422, 429, rate_limited=True),
    },
)
def export_ledger(
    request: Request,
    principal: Annotated[Principal, Depends(caller("export"))],
    selection: Annotated[dict[str, Any], Depends(export_selection)],
    format: Annotated[Literal["jsonl", "json", "csv"], Query(description="File format.")] = "jsonl",
) -> ExportResponse:
    export = ledger_of(request).export(principal, format=format, **selection)
    headers = dict(export.headers)
    media_type = headers.pop("Content-Type")
    return ExportResponse(_stream(export), media_type=media_type, headers=headers)


@router.get(
    "/ledger/audit-pack",
    summary="Download a compliance audit pack",
    description="One zip for an auditor: the actions in the caller's scope that match the filters, newest first, "
                "as `entries.csv` and `entries.jsonl` (the bytes of the export in those formats), `manifest.json` "
                "(who asked and when, the filters, the row count, whether the pack was cut at `limit`, each "
                "file's SHA-256, the chain position and hash of every entry, each organization's chain head and "
                "latest signed checkpoint) and `README.txt` (how to check it: `python -m ledger_core verify "
                "--file PACK.zip`). Counts against the export rate limit and is recorded in the export log.",
    response_class=StreamingResponse,
    responses={
        200: {"description": "The zip.", "headers": EXPORT_HEADERS,
              "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}},
        **errors(401, 422, 429, rate_limited=True),
    },
)
def audit_pack(
    request: Request,
    principal: Annotated[Principal, Depends(caller("export"))],
    selection: Annotated[dict[str, Any], Depends(export_selection)],
) -> StreamingResponse:
    pack = ledger_of(request).audit_pack(principal, **selection)
    headers = dict(pack.headers)
    media_type = headers.pop("Content-Type")
    return StreamingResponse(iter(pack), media_type=media_type, headers=headers,
                             background=BackgroundTask(pack.close))
