"""What every request and response shares: who is asking, the enumerations, exact money,
and the parsers behind the request fields (`fields.py`).

Parsers raise `ValueError` with a reason; `validate` turns pydantic's errors into one
`LedgerValidationError` whose `field` names the parameter (or re-raises a `LedgerError`
a parser raised itself, such as `ExportLimitExceeded`).
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, PlainSerializer, ValidationError

from ..errors import LedgerError, LedgerValidationError
from ..store.types import COST_SCALE, MAX_COST, format_decimal

Outcome = Literal["success", "error", "blocked"]
RiskLevel = Literal["low", "medium", "high", "critical"]
Role = Literal["user", "org_admin", "superuser"]
SortBy = Literal["timestamp", "cost", "duration", "name"]
Decision = Literal["allow", "deny", "review"]
Classification = Literal["public", "internal", "confidential", "restricted"]
SortOrder = Literal["asc", "desc"]

OUTCOMES: tuple[str, ...] = ("success", "error", "blocked")
RISK_LEVELS: tuple[str, ...] = ("low", "medium", "high", "critical")
ROLES: tuple[str, ...] = ("user", "org_admin", "superuser")
SORT_KEYS: tuple[str, ...] = ("timestamp", "cost", "duration", "name")
DECISIONS: tuple[str, ...] = ("allow", "deny", "review")
DATA_CLASSIFICATIONS: tuple[str, ...] = ("public", "internal", "confidential", "restricted")

MAX_NAME_LENGTH = 200
COST_QUANTUM = Decimal(1).scaleb(-COST_SCALE)
"""The smallest amount a cost can hold (10^-10 USD)."""

Money = Annotated[Decimal, PlainSerializer(format_decimal, return_type=str, when_used="json")]
"""An exact USD amount: a `Decimal` in Python, plain decimal text in JSON
(`"12.3456"`, `"0"`, `"0.0000000001"`; never an exponent)."""


def risk_at_least(level: str) -> tuple[str, ...]:
    """The risk levels a `min_risk` of `level` admits: `level` and every one above it."""
    return RISK_LEVELS[RISK_LEVELS.index(level):]


@dataclass(frozen=True)
class Principal:
    """Who is asking: every query is scoped to this."""

    user_id: str
    org_id: str
    role: Role
    display_name: str = ""


# --- parsers -------------------------------------------------------------------------

def reject_nul(value: Any) -> Any:
    """Text no backend can store is refused: a NUL, or a lone surrogate (`"\\ud800"` in JSON)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("must not contain a NUL character")
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("must be valid Unicode text (it contains a lone surrogate)") from None
    return value


def optional_text(value: Any) -> Any:
    """An optional parameter: NUL refused, the empty string means "not given"."""
    reject_nul(value)
    if isinstance(value, str) and value == "":
        return None
    return value


def date_only(text: str) -> date | None:
    """The date if `text` is an ISO 8601 date without a time (`2024-12-31`, `20241231`)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_instant(value: Any, *, end_of_day: bool = False) -> datetime:
    """ISO 8601 (or a date/datetime) -> aware UTC datetime.

    A date without time means 00:00:00 UTC, or with `end_of_day` the last microsecond of
    that day (so an end date includes the whole day). A time without a zone is UTC.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time.min)
        if end_of_day:
            moment += timedelta(days=1) - timedelta(microseconds=1)
    elif isinstance(value, str):
        text = value.strip()
        reject_nul(text)
        if not text:
            raise ValueError("is empty")
        day = date_only(text)
        if day is not None:
            return parse_instant(day, end_of_day=end_of_day)
        try:
            moment = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise ValueError(
                f"{shorten(value)} is not an ISO 8601 date or date-time "
                "(e.g. 2024-12-31 or 2024-12-31T23:59:59Z)"
            ) from None
    else:
        raise ValueError("must be an ISO 8601 date or date-time string")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+02:00 is before year 1 in UTC
        raise ValueError(f"{shorten(value)} is out of range") from None


def parse_cost(value: Any) -> Decimal:
    """A non-negative, finite USD amount as an exact Decimal."""
    if isinstance(value, bool):
        raise ValueError("must be a number")
    if isinstance(value, str):
        reject_nul(value)
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"{shorten(value)} is not a number") from None
    if not amount.is_finite():
        raise ValueError("must be a finite number")
    if amount < 0:
        raise ValueError("must be >= 0")
    if amount >= MAX_COST:
        raise ValueError(f"must be less than {MAX_COST}")
    return amount


def parse_uuid(value: Any) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        raise ValueError(f"{shorten(value)} is not a valid UUID") from None


_WHOLE = re.compile(r"\s*[+-]?\d+\s*")


def whole_number(value: Any) -> Any:
    """Refuse what pydantic would coerce but a person did not mean as a whole number
    (`True`, `2.5`, `"1e3"`); pydantic then checks the type and the bounds."""
    if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
        raise ValueError("must be a whole number")
    if isinstance(value, str):
        reject_nul(value)
        if not _WHOLE.fullmatch(value):
            raise ValueError(f"{shorten(value)} is not a whole number")
    return value


def shorten(value: Any, limit: int = 60) -> str:
    """`repr(value)`, cut to about `limit` characters: error messages never echo a huge input."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


# --- validation ----------------------------------------------------------------------

_M = TypeVar("_M", bound=BaseModel)


def validate(model: type[_M], data: dict[str, Any]) -> _M:
    """Build `model` from `data`, turning pydantic's errors into `LedgerValidationError`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise to_ledger_error(exc) from None


def _short_name(name: str, limit: int = 60) -> str:
    """A parameter or key name fit for a message (a JSON key may be a megabyte long)."""
    return name if len(name) <= limit else f"{name[:limit]}…"


def to_ledger_error(exc: ValidationError) -> LedgerError:
    """The first error of `exc`, with the parameter it concerns as `field`."""
    first = exc.errors(include_url=False)[0]
    original = (first.get("ctx") or {}).get("error")
    if isinstance(original, LedgerError):
        return original
    loc = [_short_name(str(part)) for part in first.get("loc", ())]
    field = loc[0] if loc else None
    message = first.get("msg", "invalid value")
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix):]
    if first.get("type") == "extra_forbidden":
        message = "is not a known parameter"
    if first.get("type") == "missing":
        message = "is required"
    if not loc:
        named = re.match(r"^(\w+): (.*)$", message)
        if named:
            return LedgerValidationError(message, field=named.group(1))
    where = ".".join(loc) if loc else "input"
    return LedgerValidationError(f"{where}: {message}", field=field)
