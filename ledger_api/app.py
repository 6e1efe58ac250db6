"""The FastAPI application: `uvicorn ledger_api.app:app`.

`create_app(ledger, settings)` builds it (tests pass their own ledger and settings).
The module attribute `app` is built on first access from the environment: the ledger
at `LEDGER_DATABASE_URL` and the signing key `LEDGER_JWT_KEY` (or `ledger_jwt_key` in
.streamlit/secrets.toml). Without the key, `uvicorn ledger_api.app:app` stops at once
with a message naming the setting.

Errors: every error is answered as `{"error": {"code", "message", "field"}}` (SPEC
section 9) with the status of `STATUS_BY_CODE`, the one table of codes; a 401 carries
`WWW-Authenticate`, a 429 `Retry-After`. Messages are cut (a 1 MB parameter is never
echoed back) and nothing unexpected shows a stack trace.
"""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledger_core import EntryIn, Ledger, LedgerError, RateLimitExceeded

from .deps import REALM
from .errors import ApiError, shorten, shorten_field
from .middleware import BodyLimit, BodyTooLarge, RateLimitHeaders
from .routers import auth, ingest, integrity, ledger as ledger_routes, runs
from .settings import ApiSettings, MissingSetting, jwt_key_from_settings

log = logging.getLogger("ledger_api")

API_PREFIX = "/api/v1"

# The one table of error codes (LedgerError.code and the API's own) -> HTTP status.
STATUS_BY_CODE: dict[str, int] = {
    "invalid_json": 400,             # the body is not JSON
    "unauthenticated": 401,          # no credentials, or invalid ones (never 403)
    "unknown_user": 401,             # a username or password that does not match
    "forbidden": 403,                # authenticated, but not allowed
    "not_found": 404,                # no such run or path, or one outside the caller's scope
    "method_not_allowed": 405,
    "payload_too_large": 413,        # a body over the route's limit
    "unsupported_media_type": 415,   # a body that is neither JSON nor a form
    "invalid_parameter": 422,        # a parameter or field that breaks its rule (field named)
    "export_limit_exceeded": 422,    # export limit above 100,000
    "ledger_error": 422,             # the request cannot be served as asked (the message says why)
    "rate_limited": 429,             # over the per-user limit (Retry-After)
    "login_locked": 429,             # too many failed logins for this username (Retry-After)
    "file_unreadable": 422,          # a file named in a request cannot be read (not used over HTTP today)
    "busy": 503,                     # every database connection is in use; try again (Retry-After)
    "internal_error": 500,
    "configuration": 500,            # the server's own settings are wrong (the log says which)
}
DEFAULT_ERROR_STATUS = 400

DESCRIPTION = """\
The Agent Activity Ledger: one flat, chronological stream of every action your AI agents
took, scoped to who is asking. Query it (`/ledger`), aggregate it (`/ledger/stats`),
export it (`/ledger/export`), append to it (`/ingest`), or look at one run at a time (`/runs`).

**Authentication**: `X-API-Key: <key>` (from `python -m ledger_core apikey create USERNAME`;
recommended for programs) or `Authorization: Bearer <token>` with a token from
`POST /api/v1/auth/token` (valid 30 minutes). Missing or invalid credentials: 401.

**Scope**: a `user` sees the actions of their own runs, an `org_admin` their organization's,
a `superuser` everything.

**Rate limits** per user: query (ledger and runs) 1000, stats 600, export 100 calls an hour;
every answer carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`
(seconds until the window ends); over the limit: 429 with `Retry-After`.

**Errors**: `{"error": {"code": ..., "message": ..., "field": ...}}`: 400 body not JSON,
401 unauthenticated, 404 not found, 413 body too large, 415 body type, 422 invalid parameter
(`field` names it), 429 rate limited or login locked.
"""


def error_response(code: str, message: str, field: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    status = STATUS_BY_CODE.get(code, DEFAULT_ERROR_STATUS)
    body = {"error": {"code": code, "message": shorten(message), "field": shorten_field(field)}}
    return JSONResponse(body, status_code=status, headers=headers)


def _ledger_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LedgerError)
    headers = {}
    if isinstance(exc, RateLimitExceeded):
        headers["Retry-After"] = str(exc.retry_after)
    if STATUS_BY_CODE.get(exc.code) == 401:
        headers["WWW-Authenticate"] = f'Bearer realm="{REALM}"'
    return error_response(exc.code, exc.message, exc.field, headers)


def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.code, exc.message, exc.field, exc.headers)


def body_too_large(exc: BodyTooLarge) -> JSONResponse:
    return error_response("payload_too_large", f"{exc}; send smaller batches", "body")


def _body_too_large(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BodyTooLarge)
    return body_too_large(exc)


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's own checks of declared parameters, in SPEC section 9's form."""
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {}
    loc = [str(part) for part in first.get("loc", ())]
    if first.get("type") == "json_invalid":
        return error_response("invalid_json", f"body: not valid JSON ({first.get('msg', 'invalid')})", "body")
    field = loc[-1] if len(loc) > 1 else (loc[0] if loc else None)
    message = str(first.get("msg", "invalid value"))
    message = message[:1].lower() + message[1:]
    if "input" in first and first.get("type") != "missing":
        message += f" (got {first['input']!r})"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return error_response("invalid_parameter", f"{field}: {message}{more}", field)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
             413: "payload_too_large", 415: "unsupported_media_type"}
    code = codes.get(exc.status_code, "bad_request")
    message = str(exc.detail) if exc.status_code != 404 else f"no such path: {request.url.path}"
    response = error_response(code, message)
    response.status_code = exc.status_code
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


def _busy(request: Request, exc: Exception) -> JSONResponse:
    log.warning("no database connection free for %s %s: %s", request.method, request.url.path, exc)
    return error_response("busy", "the server is busy: every database connection is in use; try again shortly",
                          headers={"Retry-After": "1"})


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response("internal_error", "the server failed to answer this request; it has been logged")


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document plus the ingest body's schema (the route reads its body itself,
    to refuse an oversized one before reading it)."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description,
                         routes=app.routes, tags=app.openapi_tags)
    extra = TypeAdapter(list[EntryIn]).json_schema(ref_template="#/components/schemas/{model}")["$defs"]
    # The owner defaults to the caller (see routers/ingest.py).
    extra["EntryIn"]["required"] = [name for name in extra["EntryIn"]["required"] if name not in ("user_id", "org_id")]
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in extra.items():
        components.setdefault(name, definition)
    app.openapi_schema = schema
    return schema


def create_app(ledger: Ledger | None = None, settings: ApiSettings | None = None) -> FastAPI:
    """The API over `ledger` (default: `Ledger.from_env()`, its schema brought up to date);
    `settings` default to the environment (`MissingSetting` when LEDGER_JWT_KEY is missing)."""
    settings = settings or ApiSettings(jwt_key=jwt_key_from_settings())
    if ledger is None:
        ledger = Ledger.from_env()
        ledger.ensure_schema()
    app = FastAPI(
        title="Agent Activity Ledger API",
        version="1.0",
        description=DESCRIPTION,
        openapi_tags=[
            {"name": "ledger", "description": "The flat stream of actions: query, stats, export (SPEC 3-5)."},
            {"name": "runs", "description": "The hierarchical view: runs and their actions."},
            {"name": "ingest", "description": "Append actions (an SDK's batch)."},
            {"name": "auth", "description": "Access tokens."},
        ],
    )
    app.state.ledger = ledger
    app.state.settings = settings
    ingest_path = f"{API_PREFIX}/ingest"

    def limit_for(path: str) -> int:
        return settings.max_ingest_bytes if path == ingest_path else settings.max_other_body_bytes

    app.add_middleware(RateLimitHeaders, ledger=ledger)
    app.add_middleware(BodyLimit, limit_for=limit_for, refuse=body_too_large)
    app.add_exception_handler(LedgerError, _ledger_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(BodyTooLarge, _body_too_large)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(PoolTimeout, _busy)
    app.add_exception_handler(Exception, _unexpected)
    for router in (auth.router, ledger_routes.router, integrity.router, runs.router, ingest.router):
        app.include_router(router, prefix=API_PREFIX)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def __getattr__(name: str) -> Any:
    # `app` is built on first use, so that `create_app` can be imported (by tests, say)
    # without the signing key; `uvicorn ledger_api.app:app` asks for it at startup.
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        application = create_app()
    except MissingSetting as exc:
        raise SystemExit(f"ledger_api cannot start: {exc}") from None
    globals()["app"] = application
    return application
