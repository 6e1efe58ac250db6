"""The ledger query (SPEC section 3): its filters, its request and its page of results."""
from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BaseModel, Field

from .common import SortBy, SortOrder
from .entry import ENTRY_FIELDS, LedgerEntry
from .fields import (
    Classifications,
    DecisionFilter,
    EndDate,
    Flag,
    Framework,
    MaxCost,
    MinCost,
    MinRisk,
    OptionalText,
    OutcomeFilter,
    Request,
    RiskLevels,
    RunId,
    StartDate,
    WholeNumber,
)

MAX_PAGE_SIZE = 1000
MAX_PAGE = 10_000_000


class EntryFilters(Request):
    """Every filter of the ledger (SPEC section 3); each operation accepts some of them
    (`read.filters.FILTERS` turns each into its WHERE clause and caption)."""

    operation = "filters"

    outcome: OutcomeFilter = None
    action_name: OptionalText = None
    agent_id: OptionalText = None
    run_id: RunId = None
    min_cost: MinCost = None
    max_cost: MaxCost = None
    start_date: StartDate = None
    end_date: EndDate = None
    search: OptionalText = None
    risk_level: RiskLevels = None
    min_risk: MinRisk = None
    data_classification: Classifications = None
    decision: DecisionFilter = None
    regulatory_framework: Framework = None
    pii_detected: Flag = None


class LedgerQuery(EntryFilters):
    """GET /api/v1/ledger parameters (SPEC section 3)."""

    operation = "the ledger query"

    page: Annotated[int, WholeNumber, Field(ge=0, le=MAX_PAGE)] = 0
    page_size: Annotated[int, WholeNumber, Field(ge=1, le=MAX_PAGE_SIZE)] = 100
    sort_by: SortBy = "timestamp"
    sort_order: SortOrder = "desc"

    def filters(self) -> EntryFilters:
        return EntryFilters.model_validate(self.model_dump(include=set(EntryFilters.model_fields)))


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
        (`formats.wire`: exact costs as JSON numbers, ISO 8601 UTC timestamps)."""
        from ..formats.wire import entries_json_array

        return (f'{{"items":{entries_json_array(self.items)},"total":{self.total},"page":{self.page},'
                f'"page_size":{self.page_size},"total_pages":{self.total_pages},'
                f'"has_more":{"true" if self.has_more else "false"}}}')

    def to_dataframe(self) -> Any:
        """The items as a pandas DataFrame (one column per LedgerEntry field)."""
        import pandas as pd

        rows = [item.model_dump() for item in self.items]
        frame = pd.DataFrame(rows, columns=list(ENTRY_FIELDS))
        frame["id"] = frame["id"].astype(str)
        frame["run_id"] = frame["run_id"].astype(str)
        return frame

