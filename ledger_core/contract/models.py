"""Request and response models: the contract of SPEC sections 2 and 3.

Every request is validated here, once; invalid input raises `LedgerValidationError`
whose `field` names the parameter. Downstream code trusts these models.
"""
from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import Annotated, Any, Literal, TypeVar

import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    field_validator,
    model_validator,
)

from ..errors import LedgerValidationError
from ..store.types import COST_SCALE, MAX_COST, format_decimal

Outcome = Literal["success", "error", "blocked"]
RiskLevel = Literal["low", "medium", "high", "critical"]
Role = Literal["user", "org_admin", "superuser"]
SortBy = Literal["timestamp", "cost", "duration", "name"]
SortOrder = Literal["asc", "desc"]

OUTCOMES: tuple[str, ...] = ("success", "error", "blocked")
RISK_LEVELS: tuple[str, ...] = ("low", "medium", "high", "critical")
ROLES: tuple[str, ...] = ("user", "org_admin", "superuser")
SORT_KEYS: tuple[str, ...] = ("timestamp", "cost", "duration", "name")

# An exact amount; in JSON mode plain decimal text (`0.0000000001`, never `1E-10`).
Money = Annotated[Decimal, PlainSerializer(format_decimal, return_type=str, when_used="json")]

MAX_PAGE_SIZE = 1000
MAX_NAME_LENGTH = 200
_COST_QUANTUM = Decimal(1).scaleb(-COST_SCALE)


@dataclass(frozen=True)
class Principal:
    """Who is asking: every query is scoped to this."""

    user_id: str
    org_id: str
    role: Role
    display_name: str = ""


# --- parsing helpers shared by the request models -------------------------------------

def _reject_nul(value: Any) -> Any:
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


def parse_instant(value: Any, *, end_of_day: bool = False) -> datetime:
    """ISO 8601 (or a date/datetime) -> aware UTC datetime.

    A date without time means 00:00:00 UTC, or with `end_of_day` the last
    microsecond of that day (so an end date includes the whole day). A time
    without a zone is UTC.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time.min)
        if end_of_day:
            moment += timedelta(days=1) - timedelta(microseconds=1)
    elif isinstance(value, str):
        text = value.strip()
        _reject_nul(text)
        if not text:
            raise ValueError("is empty")
        day = _date_only(text)
        if day is not None:
            return parse_instant(day, end_of_day=end_of_day)
        try:
            moment = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise ValueError(
                f"{value!r} is not an ISO 8601 date or date-time "
                "(e.g. 2024-12-31 or 2024-12-31T23:59:59Z)"
            ) from None
    else:
        raise ValueError("must be an ISO 8601 date or date-time string")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+02:00 is before year 1 in UTC
        raise ValueError(f"{value!r} is out of range") from None


def _date_only(text: str) -> date | None:
    """The date if `text` is an ISO 8601 date without a time (`2024-12-31`, `20241231`)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_cost(value: Any) -> Decimal:
    """A non-negative, finite USD amount as an exact Decimal."""
    if isinstance(value, bool):
        raise ValueError("must be a number")
    if isinstance(value, str):
        _reject_nul(value)
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"{value!r} is not a number") from None
    if not amount.is_finite():
        raise ValueError("must be a finite number")
    if amount < 0:
        raise ValueError("must be >= 0")
    if amount >= MAX_COST:
        raise ValueError(f"must be less than {MAX_COST}")
    return amount


def whole_number(value: Any) -> Any:
    """Refuse what pydantic would coerce but a person did not mean as a whole number
    (`True`, `2.5`, `"1e3"`); pydantic then checks the type and bounds."""
    if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
        raise ValueError("must be a whole number")
    if isinstance(value, str):
        _reject_nul(value)
        if not re.fullmatch(r"\s*[+-]?\d+\s*", value):
            raise ValueError(f"{value!r} is not a whole number")
    return value


def _optional_text(value: Any) -> Any:
    _reject_nul(value)
    if isinstance(value, str) and value == "":
        return None
    return value


def validate(model: type[_M], data: dict[str, Any]) -> _M:
    """Build `model` from `data`, turning pydantic's errors into `LedgerValidationError`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _to_ledger_error(exc) from None


def _to_ledger_error(exc: ValidationError) -> LedgerValidationError:
    first = exc.errors(include_url=False)[0]
    loc = [str(part) for part in first.get("loc", ())]
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


_M = TypeVar("_M", bound=BaseModel)


# --- requests -----------------------------------------------------------------------

class EntryFilters(BaseModel):
    """Filters shared by the query, stats and export (SPEC sections 3 to 5)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    outcome: Outcome | None = None
    action_name: str | None = Field(default=None, max_length=MAX_NAME_LENGTH)
    agent_id: str | None = Field(default=None, max_length=MAX_NAME_LENGTH)
    run_id: uuid.UUID | None = None
    min_cost: Decimal | None = None
    max_cost: Decimal | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    search: str | None = Field(default=None, max_length=MAX_NAME_LENGTH)

    @field_validator("outcome", "action_name", "agent_id", "search", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return _optional_text(value)

    @field_validator("run_id", mode="before")
    @classmethod
    def _run_id(cls, value: Any) -> Any:
        value = _optional_text(value)
        if value is None or isinstance(value, uuid.UUID):
            return value
        try:
            return uuid.UUID(str(value).strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a valid UUID") from None

    @field_validator("min_cost", mode="before")
    @classmethod
    def _min_cost(cls, value: Any) -> Any:
        value = _optional_text(value)
        # Stored costs have COST_SCALE places, so rounding a bound towards the
        # inside of the range changes nothing that matches.
        return None if value is None else parse_cost(value).quantize(_COST_QUANTUM, ROUND_CEILING)

    @field_validator("max_cost", mode="before")
    @classmethod
    def _max_cost(cls, value: Any) -> Any:
        value = _optional_text(value)
        return None if value is None else parse_cost(value).quantize(_COST_QUANTUM, ROUND_FLOOR)

    @field_validator("start_date", mode="before")
    @classmethod
    def _start(cls, value: Any) -> Any:
        value = _optional_text(value)
        return None if value is None else parse_instant(value)

    @field_validator("end_date", mode="before")
    @classmethod
    def _end(cls, value: Any) -> Any:
        value = _optional_text(value)
        return None if value is None else parse_instant(value, end_of_day=True)

    @model_validator(mode="after")
    def _ranges(self) -> "EntryFilters":
        if self.min_cost is not None and self.max_cost is not None and self.min_cost > self.max_cost:
            raise ValueError("min_cost: must not be greater than max_cost")
        if self.start_date and self.end_date and self.start_date > self.end_date:
            raise ValueError("start_date: must not be after end_date")
        return self

    @classmethod
    def parse(cls, **params: Any) -> "EntryFilters":
        return validate(cls, params)


class LedgerQuery(EntryFilters):
    """GET /api/v1/ledger parameters (SPEC section 3)."""

    page: int = Field(default=0, ge=0, le=10_000_000)
    page_size: int = Field(default=100, ge=1, le=MAX_PAGE_SIZE)
    sort_by: SortBy = "timestamp"
    sort_order: SortOrder = "desc"

    @field_validator("page", "page_size", mode="before")
    @classmethod
    def _integer(cls, value: Any) -> Any:
        return whole_number(value)

    @field_validator("sort_by", "sort_order", mode="before")
    @classmethod
    def _enum_text(cls, value: Any) -> Any:
        _reject_nul(value)
        return value

    def filters(self) -> EntryFilters:
        return EntryFilters.model_validate(
            self.model_dump(include=set(EntryFilters.model_fields)), context=None
        )

    @classmethod
    def parse(cls, **params: Any) -> "LedgerQuery":
        return validate(cls, params)


# --- records ------------------------------------------------------------------------

class ComplianceMetadata(BaseModel):
    """Enterprise tier compliance metadata (SPEC section 2)."""

    model_config = ConfigDict(extra="forbid")

    policy_id: str
    policy_version: str
    decision: Literal["allow", "deny", "review"]
    data_classification: Literal["public", "internal", "confidential", "restricted"]
    pii_detected: bool
    regulatory_frameworks: list[str] = Field(default_factory=list)
    retention_until: date
    reviewed_by: str | None = None


class EntryIn(BaseModel):
    """One action as ingested: the LedgerEntry form, validated.

    `entry_hash` and `prev_hash` are accepted and ignored: the ledger computes its own.
    """

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    run_id: uuid.UUID
    timestamp: datetime
    action_name: str = Field(min_length=1, max_length=MAX_NAME_LENGTH)
    agent_id: str = Field(min_length=1, max_length=MAX_NAME_LENGTH)
    outcome: Outcome
    cost_usd: Decimal
    duration_ms: int = Field(ge=0, le=2**62)
    risk_level: RiskLevel
    user_id: str = Field(min_length=1, max_length=64)
    org_id: str = Field(min_length=1, max_length=64)
    input: Any = None
    output: Any = None
    error_message: str | None = None
    blocked_reason: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    compliance: ComplianceMetadata | None = None
    entry_hash: Any = None
    prev_hash: Any = None

    @field_validator("id", "run_id", mode="before")
    @classmethod
    def _uuid(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return uuid.UUID(value)
            except ValueError:
                raise ValueError(f"{value!r} is not a valid UUID") from None
        return value

    @field_validator("timestamp", mode="before")
    @classmethod
    def _timestamp(cls, value: Any) -> Any:
        is_date = isinstance(value, date) and not isinstance(value, datetime)
        if is_date or isinstance(value, str) and _date_only(value.strip()) is not None:
            raise ValueError("must be a date-time, not a date")
        return parse_instant(value)

    @field_validator("cost_usd", mode="before")
    @classmethod
    def _cost(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("is required")
        amount = parse_cost(value)
        if amount != amount.quantize(_COST_QUANTUM, ROUND_FLOOR):
            raise ValueError(f"has more than {COST_SCALE} decimal places")
        return amount

    @field_validator("duration_ms", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be a whole number")
        if isinstance(value, (float, Decimal)):
            if not math.isfinite(value) or value != int(value):
                raise ValueError("must be a whole number")
            return int(value)
        return value

    @field_validator(
        "action_name", "agent_id", "user_id", "org_id", "error_message", "blocked_reason",
        mode="before",
    )
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _reject_nul(value)


class LedgerEntry(BaseModel):
    """One action as returned by every interface (SPEC section 2)."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    run_id: uuid.UUID
    timestamp: datetime
    action_name: str
    agent_id: str
    outcome: Outcome
    cost_usd: Money
    duration_ms: int
    risk_level: RiskLevel
    user_id: str
    org_id: str
    input: Any = None
    output: Any = None
    error_message: str | None = None
    blocked_reason: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    compliance: dict[str, Any] | None = None
    entry_hash: str
    prev_hash: str


ENTRY_FIELDS: tuple[str, ...] = tuple(LedgerEntry.model_fields)


class LedgerPage(BaseModel):
    """One page of query results (SPEC section 3 response)."""

    items: list[LedgerEntry]
    total: int
    page: int
    page_size: int
    total_pages: int
    has_more: bool

    @classmethod
    def build(cls, items: list[LedgerEntry], total: int, page: int, page_size: int) -> "LedgerPage":
        return cls(
            items=items,
            total=total,
            page=page,
            page_size=page_size,
            total_pages=math.ceil(total / page_size) if total else 0,
            has_more=(page + 1) * page_size < total,
        )

    def to_json(self) -> str:
        """The SPEC section 3 response body; items in the export's LedgerEntry wire form
        (`serialize.to_json`: exact costs as JSON numbers, ISO 8601 UTC timestamps)."""
        from ..formats.wire import entries_json_array

        return (f'{{"items":{entries_json_array(self.items)},"total":{self.total},"page":{self.page},'
                f'"page_size":{self.page_size},"total_pages":{self.total_pages},'
                f'"has_more":{"true" if self.has_more else "false"}}}')

    def to_dataframe(self) -> pd.DataFrame:
        rows = [item.model_dump() for item in self.items]
        frame = pd.DataFrame(rows, columns=list(ENTRY_FIELDS))
        frame["id"] = frame["id"].astype(str)
        frame["run_id"] = frame["run_id"].astype(str)
        return frame
