"""POST /api/v1/auth/token: an access token for a username and password (SPEC sections 6, 8).

The body is JSON (`{"username": ..., "password": ...}`) or a form
(`application/x-www-form-urlencoded` or `multipart/form-data`, as OAuth2 password clients
send it). Failures are counted per username in the database, like the browser login's:
after 10 failures in 15 minutes the username is refused for 15 minutes (429, Retry-After).
"""
from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ledger_core import UnknownPrincipal

from .. import tokens
from ..deps import check_query_params, ledger_of, unauthenticated
from ..errors import ApiError
from ..schemas import TokenOut, TokenRequest
from .common import errors

router = APIRouter(tags=["auth"])

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_BODY_SCHEMA = TokenRequest.model_json_schema()


async def _credentials(request: Request) -> tuple[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    data: Any
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            data = json.loads(await request.body())
        except (ValueError, RecursionError) as exc:
            raise ApiError("invalid_json", f"body: not valid JSON ({exc})", field="body") from None
    elif content_type in _FORM_TYPES:
        form = await request.form()
        data = {name: form.get(name) for name in ("username", "password")}
    else:
        raise ApiError("unsupported_media_type",
                       "send the credentials as JSON or as a form (application/x-www-form-urlencoded)",
                       field="body")
    if not isinstance(data, dict):
        raise ApiError("invalid_parameter", "body: must be an object with username and password", field="body")
    values = []
    for name in ("username", "password"):
        value = data.get(name)
        if not isinstance(value, str) or not value:
            raise ApiError("invalid_parameter", f"{name}: is required (a non-empty string)", field=name)
        if len(value) > _BODY_SCHEMA["properties"][name]["maxLength"]:
            raise ApiError("invalid_parameter", f"{name}: is too long", field=name)
        values.append(value)
    return values[0], values[1]


@router.post(
    "/auth/token",
    summary="Get an access token",
    description="Exchange a username and password for a bearer token (a JWT, valid 30 minutes). Send it as "
                "`Authorization: Bearer <token>`. Programs should prefer an API key (`X-API-Key`).",
    responses={200: {"model": TokenOut, "description": "The access token."},
               **errors(400, 401, 413, 415, 422, 429)},
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": _BODY_SCHEMA},
        "application/x-www-form-urlencoded": {"schema": _BODY_SCHEMA},
    }}},
)
async def issue_token(request: Request) -> JSONResponse:
    check_query_params(request)
    username, password = await _credentials(request)
    ledger = ledger_of(request)
    try:
        principal = await run_in_threadpool(ledger.authenticate, username, password)
    except UnknownPrincipal:
        raise unauthenticated("invalid username or password") from None
    settings = request.app.state.settings
    token = tokens.issue(settings.jwt_key, principal.user_id, settings.token_minutes)
    return JSONResponse({"access_token": token, "token_type": "bearer", "expires_in": settings.token_minutes * 60},
                        headers={"Cache-Control": "no-store"})
