"""Export (SPEC section 5): the request, and the export log's record."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator

from ..errors import ExportLimitExceeded
from .common import optional_text, shorten, whole_number
from .fields import (
    Classifications,
    DecisionFilter,
    EndDate,
    Flag,
    Framework,
    MinRisk,
    OptionalText,
    OutcomeFilter,
    Request,
    RiskLevels,
    StartDate
)
from .query import EntryFilters

EXPORT_FORMATS: tuple[str, ...] = ("jsonl", "json", "csv")
DEFAULT_EXPORT_LIMIT = 10_000
MAX_EXPORT_LIMIT = 100_000


def limit_exceeded_message(limit: int) -> str:
    return (
        f"Export limit exceeded: at most {MAX_EXPORT_LIMIT:,} rows per export "
        f"(limit={limit:,} was asked). Narrow the dates (start_date, end_date), add filters "
        "(outcome, action_name, agent_id), or export in batches of consecutive date ranges."
    )


def _format(value: Any) -> str:
    value = optional_text(value)
    if value is None:
        return "jsonl"
    if not isinstance(value, str) or value.strip().lower() not in EXPORT_FORMATS:
        raise ValueError(f"{shorten(value)} is not one of {', '.join(EXPORT_FORMATS)}")
    return value.strip().lower()


def _limit(value: Any) -> int:
    value = optional_text(value)
    if value is None:
        return DEFAULT_EXPORT_LIMIT
    whole_number(value)
    if not isinstance(value, (int, float, str)):
        raise ValueError("must be a whole number")
    limit = int(value)
    if limit < 1:
        raise ValueError(f"must be between 1 and {MAX_EXPORT_LIMIT:,}")
    if limit > MAX_EXPORT_LIMIT:
        raise ExportLimitExceeded(limit_exceeded_message(limit), field="limit")
    return limit


class ExportSelection(Request):
    """Which rows a file holds: the row limit (1..100,000; above it `ExportLimitExceeded`
    says how to proceed) and the filters, with the query's rules. Shared by the export
    and the audit pack."""

    operation = "export"

    limit: Annotated[int, BeforeValidator(_limit)] = DEFAULT_EXPORT_LIMIT
    outcome: OutcomeFilter = None
    action_name: OptionalText = None
    agent_id: OptionalText = None
    start_date: StartDate = None
    end_date: EndDate = None
    risk_level: RiskLevels = None
    min_risk: MinRisk = None
    data_classification: Classifications = None
    decision: DecisionFilter = None
    regulatory_framework: Framework = None
    pii_detected: Flag = None

    def filters(self) -> EntryFilters:
        return EntryFilters.model_validate(self.model_dump(include=set(EntryFilters.model_fields)))


class ExportRequest(ExportSelection):
    """Parameters of `GET /api/v1/ledger/export` (SPEC section 5): the format (jsonl,
    json, csv; case-insensitive) and the `ExportSelection`."""

    format: Annotated[str, BeforeValidator(_format)] = "jsonl"


class AuditPackRequest(ExportSelection):
    """Parameters of an audit pack (`GET /api/v1/ledger/audit-pack`): the `ExportSelection`;
    the pack always holds both CSV and JSONL."""

    operation = "an audit pack"


@dataclass(frozen=True)
class ExportLogRecord:
    """One export in the audit trail: who, when, what (format, filters), how many rows."""

    id: int
    user_id: str
    org_id: str
    started_at: datetime
    finished_at: datetime | None
    format: str
    filters: dict[str, str]
    row_limit: int
    total_matched: int
    rows_written: int | None
    truncated: bool
    status: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (timestamps ISO 8601 UTC with `Z`)."""
        from ..formats.wire import format_timestamp

        data = asdict(self)
        data["started_at"] = format_timestamp(self.started_at)
        data["finished_at"] = format_timestamp(self.finished_at) if self.finished_at else None
        return data
