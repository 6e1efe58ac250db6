"""GET /api/v1/ledger/verify: verify the hash chains (SPEC section 7, docs/integrity.md)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from ledger_core import Principal

from ..deps import caller, ledger_of
from ..schemas import VerificationOut
from .common import RATE_HEADERS, errors

router = APIRouter(tags=["integrity"])


@router.get(
    "/ledger/verify",
    summary="Verify the hash chains",
    description="Recompute every entry's hash and check every link, the chain heads and the signed checkpoints of "
                "the organizations in the caller's scope (an org admin: their own; a superuser: all, or `org_id`). "
                "Answers 200 either way: `ok` says whether every chain is intact, and each organization's `damage` "
                "names its first broken link. Plain users are refused (403). Reads every entry (about half a minute "
                "per million): counts against the export rate limit.",
    responses={200: {"model": VerificationOut, "headers": RATE_HEADERS, "description": "The verification."},
               **errors(401, 403, 422, 429, rate_limited=True)},
)
def verify_ledger(
    request: Request,
    principal: Annotated[Principal, Depends(caller("export"))],
    org_id: Annotated[str | None, Query(min_length=1, max_length=64, description=(
        "Only this organization (an org admin may name only their own).")
    )] = None,
) -> Response:
    result = ledger_of(request).verify(principal, org_id=org_id)
    return Response(content=result.to_json(), media_type="application/json")
