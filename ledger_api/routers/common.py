"""What the routers share: the documented error answers and headers, parameter texts."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from ..schemas import ErrorOut

RATE_HEADERS: dict[str, Any] = {
    "X-RateLimit-Limit": {"description": "Calls of this kind allowed per user per window.",
                          "schema": {"type": "integer"}},
    "X-RateLimit-Remaining": {"description": "Calls left in the current window.", "schema": {"type": "integer"}},
    "X-RateLimit-Reset": {"description": "Seconds until the current window ends.", "schema": {"type": "integer"}},
}

_ERRORS: dict[int, dict[str, Any]] = {
    400: {"description": "The body is not valid JSON (`invalid_json`)."},
    401: {"description": "No credentials, or invalid ones (`unauthenticated`).",
          "headers": {"WWW-Authenticate": {"description": 'Bearer realm="agent-activity-ledger"',
                                           "schema": {"type": "string"}}}},
    403: {"description": "Signed in, but not allowed (`forbidden`)."},
    404: {"description": "No such run, or one outside the caller's scope (`not_found`)."},
    413: {"description": "The body is over the route's size limit (`payload_too_large`)."},
    415: {"description": "The body is neither JSON nor a form (`unsupported_media_type`)."},
    422: {"description": "A parameter breaks its rule (`invalid_parameter`, `export_limit_exceeded`); "
                         "`field` names it."},
    429: {"description": "Over the rate limit (`rate_limited`), or too many failed logins (`login_locked`).",
          "headers": {"Retry-After": {"description": "Seconds to wait before trying again.",
                                      "schema": {"type": "integer"}}}},
}


def errors(*statuses: int, rate_limited: bool = False) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for these error statuses (SPEC section 9's body)."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry = {"model": ErrorOut, **_ERRORS[status]}
        if rate_limited:
            entry["headers"] = {**entry.get("headers", {}), **RATE_HEADERS}
        out[status] = entry
    return out


DATE_HELP = (" ISO 8601: a date (`2024-10-01`) or a date-time (`2024-10-01T08:00:00Z`); a time without a "
             "zone is UTC.")
START_HELP = "Actions at or after this instant; a date alone means 00:00:00 UTC." + DATE_HELP
END_HELP = "Actions at or before this instant; a date alone means the whole day." + DATE_HELP
OUTCOME_HELP = "Only actions with this outcome."
ACTION_HELP = "Exact action name, e.g. `database_query`."
AGENT_HELP = "Exact agent id, e.g. `prod-agent-3`."
MAX_NAME = 200


def compliance_filters(
    risk_level: Annotated[str | None, Query(max_length=64, description=(
        "Risk level: `low`, `medium`, `high` or `critical`, or several joined by commas (`high,critical`)."))] = None,
    min_risk: Annotated[str | None, Query(max_length=16, description=(
        "That risk level and above, in the order low < medium < high < critical."))] = None,
    data_classification: Annotated[str | None, Query(max_length=64, description=(
        "Compliance data classification: `public`, `internal`, `confidential` or `restricted`, or several "
        "joined by commas. Actions without compliance metadata never match."))] = None,
    decision: Annotated[str | None, Query(max_length=16, description=(
        "Compliance decision: `allow`, `deny` or `review`. Actions without compliance metadata never match."))] = None,
    regulatory_framework: Annotated[str | None, Query(max_length=64, description=(
        "Actions whose compliance metadata lists this framework (exact, e.g. `GDPR`)."))] = None,
    pii_detected: Annotated[str | None, Query(max_length=8, description=(
        "`true` or `false`: whether the compliance metadata says PII was detected."))] = None,
) -> dict[str, str]:
    """The compliance filters (SPEC section 3b), as given; the ledger checks them and names
    a bad one. All default to none, so the seed's contract is unchanged."""
    given = {"risk_level": risk_level, "min_risk": min_risk, "data_classification": data_classification,
             "decision": decision, "regulatory_framework": regulatory_framework, "pii_detected": pii_detected}
    return {name: value for name, value in given.items() if value is not None}
