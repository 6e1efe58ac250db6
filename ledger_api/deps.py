"""Authentication (SPEC section 6): who is asking, from a bearer token or an API key.

`Authorization: Bearer <JWT>` (from POST /api/v1/auth/token) or `X-API-Key: <key>` (from
`python -m ledger_core apikey create`). The principal (user, organization, role) is read
from the database at every request, so a role change or a revoked key applies at once.
Missing or invalid credentials answer 401 with `WWW-Authenticate`, never 403.

`caller(kind)` is the dependency of every protected route: it authenticates, records the
principal and the route's rate-limit kind for the X-RateLimit-* headers, and refuses query
parameters the route does not have (a misspelt filter must not silently match everything).
"""
from __future__ import annotations

from typing import Any, Callable

from fastapi import Request, Security
from fastapi.security import APIKeyHeader, HTTPBearer

from ledger_core import Ledger, Principal, UnknownPrincipal

from . import tokens
from .errors import ApiError, shorten_field

REALM = "agent-activity-ledger"

bearer_scheme = HTTPBearer(
    bearerFormat="JWT", auto_error=False, scheme_name="BearerToken",
    description="An access token from POST /api/v1/auth/token, sent as `Authorization: Bearer <token>`.",
)
api_key_scheme = APIKeyHeader(
    name="X-API-Key", auto_error=False, scheme_name="ApiKey",
    description="A key from `python -m ledger_core apikey create USERNAME` (recommended for programs).",
)


def unauthenticated(message: str, *, token_error: bool = False) -> ApiError:
    challenge = f'Bearer realm="{REALM}"'
    if token_error:
        challenge += ', error="invalid_token"'
    return ApiError("unauthenticated", message, headers={"WWW-Authenticate": challenge})


def ledger_of(request: Request) -> Ledger:
    return request.app.state.ledger  # type: ignore[no-any-return]


def authenticate(request: Request) -> Principal:
    """The principal for the request's credentials, or `ApiError("unauthenticated")`."""
    ledger = ledger_of(request)
    authorization = request.headers.get("authorization")
    api_key = request.headers.get("x-api-key")
    if authorization is not None and api_key is not None:
        raise unauthenticated("send one credential, either Authorization: Bearer <token> or X-API-Key, not both")
    if api_key is not None:
        try:
            return ledger.principal_for_api_key(api_key.strip())
        except UnknownPrincipal:
            raise unauthenticated("the API key is not valid or has been revoked") from None
    if authorization is not None:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthenticated("use Authorization: Bearer <token> (or X-API-Key: <key>)", token_error=True)
        try:
            username = tokens.username_of(request.app.state.settings.jwt_key, token.strip())
        except tokens.InvalidToken as exc:
            raise unauthenticated(str(exc), token_error=True) from None
        try:
            return ledger.principal(username)
        except UnknownPrincipal:
            raise unauthenticated("the access token's user no longer exists", token_error=True) from None
    raise unauthenticated(
        "authentication required: send Authorization: Bearer <token> (POST /api/v1/auth/token) or X-API-Key: <key>"
    )


def _query_param_names(dependant: Any) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_param_names(sub)
    return names


def declared_query_params(request: Request) -> set[str]:
    """The query parameters the matched route declares (itself and its dependencies)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    return _query_param_names(dependant) if dependant is not None else set()


def check_query_params(request: Request) -> None:
    """Refuse a parameter the route does not have, or one given twice."""
    allowed = declared_query_params(request)
    seen: set[str] = set()
    for name, _ in request.query_params.multi_items():
        if name not in allowed:
            accepted = ", ".join(sorted(allowed)) or "none"
            raise ApiError("invalid_parameter", f"{shorten_field(name)}: is not a parameter of this endpoint "
                           f"(accepted: {accepted})", field=shorten_field(name))
        if name in seen:
            raise ApiError("invalid_parameter", f"{name}: is given more than once; give it once", field=name)
        seen.add(name)


def caller(kind: str | None) -> Callable[..., Principal]:
    """The dependency of a protected route; `kind` is its rate-limit kind (query, stats,
    export) or None for a route without a rate limit."""

    def dependency(
        request: Request,
        _bearer: Any = Security(bearer_scheme),
        _api_key: Any = Security(api_key_scheme),
    ) -> Principal:
        principal = authenticate(request)
        request.state.principal = principal
        request.state.rate_kind = kind
        check_query_params(request)
        return principal

    return dependency
