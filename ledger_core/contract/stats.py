"""Stats (SPEC section 4): the request and the response, `Ledger.stats`'s contract.

Computed by `read.stats`; every figure's definition is in `LedgerStats`'s docstring.
"""
from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .common import Money
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
    StartDate
)
from .query import EntryFilters

TOP_ACTIONS = 10
"""Length of `top_actions_by_count` and `top_actions_by_cost`."""

MAX_AGENTS = 50
"""`cost_by_agent` lists at most this many agents (the most expensive ones);
`unique_agents` always counts them all, so a shorter list is detectable."""


# --- request ------------------------------------------------------------------------

class StatsRequest(Request):
    """Parameters of `GET /api/v1/ledger/stats` (SPEC section 4), with the query's rules:
    a date without time starts at 00:00:00 UTC as `start_date` and covers the whole day
    as `end_date`; any other parameter is refused naming it. Build it with `parse`."""

    operation = "stats"

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


# --- response -----------------------------------------------------------------------

class ActionStat(BaseModel):
    """One action name: how many actions and their total cost."""

    model_config = ConfigDict(frozen=True)

    action_name: str
    count: int
    cost_usd: Money


class AgentCost(BaseModel):
    """One agent: total cost and number of actions."""

    model_config = ConfigDict(frozen=True)

    agent_id: str
    cost_usd: Money
    count: int


class DailyStat(BaseModel):
    """One UTC calendar day."""

    model_config = ConfigDict(frozen=True)

    day: str  # YYYY-MM-DD (UTC)
    actions: int
    errors: int
    blocked: int
    cost_usd: Money


class StatsPeriod(BaseModel):
    """The period the figures cover.

    `start` / `end`: the requested bounds after parsing, as ISO 8601 UTC instants with
    `Z` (`start_date=2024-10-01` -> `2024-10-01T00:00:00.000000Z`, `end_date=2024-12-31`
    -> `2024-12-31T23:59:59.999999Z`, both inclusive), or None when unbounded.
    `first_action_at` / `last_action_at`: the earliest and latest timestamps actually
    counted (None when nothing matched).
    """

    model_config = ConfigDict(frozen=True)

    start: str | None
    end: str | None
    first_action_at: str | None
    last_action_at: str | None


class LedgerStats(BaseModel):
    """Aggregate statistics of the actions in the caller's scope (SPEC section 4).

    - `outcomes` always has the keys success, error, blocked; `by_risk_level` always
      low, medium, high, critical (0 when none).
    - `success_rate`, `error_rate`, `block_rate`: outcome count / total_actions, in 0..1;
      0.0 when there are no actions (never a division error, never None).
    - `total_cost_usd`: exact sum (`Decimal`, normalised, `0` when no actions).
    - `avg_cost_usd`: exact sum / count, rounded half-even to 10 places, normalised;
      None when there are no actions.
    - `avg_duration_ms`: sum of durations / count as a float; None when no actions.
    - `p50_duration_ms`, `p95_duration_ms`: nearest-rank percentiles, the smallest
      duration such that at least p% of the durations are <= it, i.e. the value at 1-based
      rank ceil(p * n) in ascending order (always an observed value; 1..20 -> p50 10,
      p95 19; one row -> that value for both); None when no actions.
    - `top_actions_by_count`: up to 10 action names by count desc, ties by name asc;
      `top_actions_by_cost`: up to 10 by total cost desc, ties by name asc.
    - `cost_by_agent`: agents by cost desc, ties by agent_id asc, at most `MAX_AGENTS` (50);
      `unique_agents` counts all of them.
    - `daily`: one entry per UTC day ascending, from the first to the last day with an
      action, days without actions included with zeros (a gap-free series for charts).
      It never reaches outside the dates asked nor the range of timestamps ingest accepts
      (2000-01-01 to one day ahead of the clock): an action stored before that range was
      enforced counts in the totals but not in the series.
    - Names are ordered by Unicode code point (Python string order) on every backend.

    `to_json_dict()` gives the JSON form (the same as `model_dump(mode="json")`): costs
    as exact decimal strings (`"12.3456"`), counts as integers, rates as numbers.
    """

    model_config = ConfigDict(frozen=True)

    total_actions: int
    unique_agents: int
    unique_runs: int
    outcomes: dict[str, int]
    success_rate: float
    error_rate: float
    block_rate: float
    total_cost_usd: Money
    avg_cost_usd: Money | None
    avg_duration_ms: float | None
    p50_duration_ms: int | None
    p95_duration_ms: int | None
    by_risk_level: dict[str, int]
    top_actions_by_count: list[ActionStat] = Field(default_factory=list)
    top_actions_by_cost: list[ActionStat] = Field(default_factory=list)
    cost_by_agent: list[AgentCost] = Field(default_factory=list)
    daily: list[DailyStat] = Field(default_factory=list)
    period: StatsPeriod

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready dict: decimals as exact strings, everything else plain JSON types."""
        return self.model_dump(mode="json")

    def to_json(self) -> str:
        return json.dumps(self.to_json_dict(), ensure_ascii=False, separators=(",", ":"))


DURATION_EDGES_MS: tuple[int, ...] = (  # log-spaced: agent actions take milliseconds to minutes
    10, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000)


class DurationBucket(BaseModel):
    """Actions with `low_ms <= duration_ms < high_ms` (`high_ms` None: no upper bound)."""

    model_config = ConfigDict(frozen=True)

    low_ms: int
    high_ms: int | None
    count: int

    @property
    def label(self) -> str:
        """`< 10 ms`, `10-50 ms`, `500 ms-1 s`, `1-2.5 s`, `>= 60 s`."""
        def text(ms: int) -> tuple[str, str]:
            return (f"{ms / 1000:g}", "s") if ms >= 1000 else (str(ms), "ms")

        if self.high_ms is None:
            return "≥ " + " ".join(text(self.low_ms))
        if self.low_ms == 0:
            return "< " + " ".join(text(self.high_ms))
        (low, low_unit), (high, high_unit) = text(self.low_ms), text(self.high_ms)
        return f"{low}–{high} {high_unit}" if low_unit == high_unit else f"{low} {low_unit}–{high} {high_unit}"


class StatsView(BaseModel):
    """What the Stats page shows of one request: the stats and the duration histogram,
    read in one snapshot (`Ledger.stats_view`)."""

    model_config = ConfigDict(frozen=True)

    stats: LedgerStats
    durations: list[DurationBucket]
