"""POST /api/v1/ingest: append a batch of the caller's own actions (an SDK's batch).

The body is a JSON array of actions in the LedgerEntry form (as the JSONL export writes
them), at most 10 MB (`settings.MAX_INGEST_BYTES`; larger bodies answer 413 before they
are read). The owner is the caller: `user_id` and `org_id` may be left out (they default
to the caller's), and an action naming another user or organization is refused. Ingest
is idempotent on `id`: an action already in the ledger with the same content counts as a
duplicate; the same id with other content is refused as a conflict (the stored action is
unchanged). The answer says how many were added, skipped as duplicates, refused and, among
those, conflicting, with the reason for each refused action by its 0-based position in the
array.
"""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ledger_core import Principal
from ledger_core.contract.ingest import Refusal

from ..deps import caller, ledger_of
from ..errors import ApiError
from ..schemas import IngestResult
from .common import errors

router = APIRouter(tags=["ingest"])

_BODY = {"type": "array", "items": {"$ref": "#/components/schemas/EntryIn"},
         "description": "Actions in the LedgerEntry form; `user_id` and `org_id` default to the caller's; "
                        "`entry_hash` and `prev_hash` are ignored (the ledger computes its own)."}


def _parse(body: bytes) -> list[Any]:
    content = body.strip()
    if not content:
        raise ApiError("invalid_json", "body: is empty; send a JSON array of actions", field="body")
    try:
        records = json.loads(content, parse_float=Decimal)  # exact costs, as the JSONL ingest reads them
    except (ValueError, RecursionError) as exc:
        raise ApiError("invalid_json", f"body: not valid JSON ({exc})", field="body") from None
    if not isinstance(records, list):
        raise ApiError("invalid_parameter", "body: must be a JSON array of actions", field="body")
    return records


@router.post(
    "/ingest",
    summary="Append actions",
    description=__doc__.split("\n\n", 1)[1].replace("\n", " ") if __doc__ else None,
    responses={200: {"model": IngestResult, "description": "What happened to each action."},
               **errors(400, 401, 413, 415, 422)},
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": _BODY}}}},
)
async def ingest_actions(request: Request, principal: Annotated[Principal, Depends(caller(None))]) -> JSONResponse:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        raise ApiError("unsupported_media_type", "send the actions as a JSON array (Content-Type: application/json)",
                       field="body")
    records = _parse(await request.body())
    for record in records:
        if isinstance(record, dict):
            record.setdefault("user_id", principal.user_id)
            record.setdefault("org_id", principal.org_id)
    report = await run_in_threadpool(ledger_of(request).ingest, records, owner=principal)
    return JSONResponse({
        "added": report.added,
        "duplicates": report.duplicates,
        "refused": report.refused,
        "conflicts": report.conflicts,
        # the ledger numbers records from 1, like the lines of a JSONL file
        "refusals": [_refusal(refusal) for refusal in report.refusals],
    })


def _refusal(refusal: Refusal) -> dict[str, Any]:
    """One refused action. A conflict with the caller's own stored action names the fields
    that differ; one with an action outside the caller's scope says only that the id is
    taken (the ledger's reason tells nothing more either)."""
    return {"index": refusal.line - 1, "reason": refusal.reason, "conflict": refusal.conflict,
            "fields": list(refusal.conflict_fields)}
