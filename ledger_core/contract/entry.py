"""The action record (SPEC section 2): `EntryIn` as ingested, `LedgerEntry` as returned."""
from __future__ import annotations

import math
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .. import clock
from ..store.types import COST_SCALE
from .common import (
    COST_QUANTUM,
    Classification,
    Decision,
    MAX_NAME_LENGTH,
    Money,
    Outcome,
    RiskLevel,
    date_only,
    parse_cost,
    parse_instant,
    parse_uuid,
    reject_nul,
)

NESTED_FIELDS: tuple[str, ...] = ("input", "output", "metadata", "compliance")
"""The fields holding JSON values (stored, hashed and exported as canonical JSON text)."""

EARLIEST_TIMESTAMP = datetime(2000, 1, 1, tzinfo=timezone.utc)
"""The earliest timestamp an action may carry (inclusive)."""
MAX_AHEAD = timedelta(days=1)
"""How far ahead of the server clock an action's timestamp may be (clock skew, time zones)."""


def accepted_timestamp_range() -> tuple[datetime, datetime]:
    """(earliest, latest) timestamp an ingested action may carry, both inclusive: from
    2000-01-01T00:00:00Z to one day ahead of the server clock (`clock.now_utc`). Outside
    it a record is refused: a year-9999 or year-1 action is a bug in its sender, and it
    would stretch every daily series and date computation above its owner."""
    return EARLIEST_TIMESTAMP, clock.now_utc() + MAX_AHEAD


def check_timestamp_range(moment: datetime) -> datetime:
    earliest, latest = accepted_timestamp_range()
    if not earliest <= moment <= latest:
        from ..formats.wire import format_timestamp

        raise ValueError(
            f"{format_timestamp(moment)} is outside the accepted range, from "
            f"{format_timestamp(earliest)} to one day ahead of the server clock ({format_timestamp(latest)})")
    return moment


class ComplianceMetadata(BaseModel):
    """Enterprise tier compliance metadata (SPEC section 2)."""

    model_config = ConfigDict(extra="forbid")

    policy_id: str
    policy_version: str
    decision: Decision
    data_classification: Classification
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
        return parse_uuid(value) if isinstance(value, str) else value

    @field_validator("timestamp", mode="before")
    @classmethod
    def _timestamp(cls, value: Any) -> Any:
        is_date = isinstance(value, date) and not isinstance(value, datetime)
        if is_date or isinstance(value, str) and date_only(value.strip()) is not None:
            raise ValueError("must be a date-time, not a date")
        return check_timestamp_range(parse_instant(value))

    @field_validator("cost_usd", mode="before")
    @classmethod
    def _cost(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("is required")
        amount = parse_cost(value)
        if amount != amount.quantize(COST_QUANTUM, ROUND_FLOOR):
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
        return reject_nul(value)


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
"""The LedgerEntry fields in their wire order (JSON objects, CSV columns)."""
