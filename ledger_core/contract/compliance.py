"""The compliance audit (SPEC section 3b): the summary request and its answer."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from .entry import LedgerEntry
from .fields import (
    Classifications,
    DecisionFilter,
    EndDate,
    Flag,
    Framework,
    MinRisk,
    OptionalText,
    Request,
    RiskLevels,
    StartDate,
)
from .query import EntryFilters

NEEDS_REVIEW_SHOWN = 20
"""`needs_review` lists at most this many entries (the newest); `needs_review_total` counts all."""
TOP_RISKY = 10


class ComplianceRequest(Request):
    """Parameters of the compliance summary: a period, an agent, and the compliance filters."""

    operation = "the compliance summary"

    start_date: StartDate = None
    end_date: EndDate = None
    agent_id: OptionalText = None
    risk_level: RiskLevels = None
    min_risk: MinRisk = None
    data_classification: Classifications = None
    decision: DecisionFilter = None
    regulatory_framework: Framework = None
    pii_detected: Flag = None

    def filters(self) -> EntryFilters:
        return EntryFilters.model_validate(self.model_dump())


class RiskyName(BaseModel):
    """An agent or an action: its actions at high and critical risk, and all its actions."""

    model_config = ConfigDict(frozen=True)

    name: str
    high: int
    critical: int
    total: int


class ComplianceSummary(BaseModel):
    """The compliance picture of the actions in scope for a period.

    - `total_actions`; `with_compliance`: how many carry compliance metadata (the Enterprise
      tier); every count below except `by_risk_level` and the risky lists is over those.
    - `by_risk_level`, `by_decision`, `by_classification`: `{value: count}`, every value present.
    - `pii`: `{"detected": n, "not_detected": n}`.
    - `by_framework`: `{framework: count}`, most frequent first (an action counts once per
      framework it names).
    - `needs_review_total` and `needs_review` (the newest `NEEDS_REVIEW_SHOWN`): decision
      `review` and no reviewer yet.
    - `riskiest_agents`, `riskiest_actions`: up to 10 by high + critical actions, then by
      critical, then by name.
    """

    model_config = ConfigDict(frozen=True)

    total_actions: int
    with_compliance: int
    by_risk_level: dict[str, int]
    by_decision: dict[str, int]
    by_classification: dict[str, int]
    pii: dict[str, int]
    by_framework: dict[str, int]
    needs_review_total: int
    needs_review: list[LedgerEntry]
    riskiest_agents: list[RiskyName]
    riskiest_actions: list[RiskyName]

    def to_json(self) -> str:
        """JSON body; `needs_review` entries in the LedgerEntry wire form."""
        from ..formats.wire import entries_json_array

        rest = self.model_dump_json(exclude={"needs_review"})
        return f'{rest[:-1]},"needs_review":{entries_json_array(self.needs_review)}}}'

