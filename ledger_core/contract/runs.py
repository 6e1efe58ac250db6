"""Runs, the hierarchical view (SPEC section 1): the list request, one run's request, and
their responses. Computed by `read.runs`."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .common import Money, optional_text, parse_uuid
from .entry import LedgerEntry
from .fields import EndDate, OptionalText, Request, StartDate, WholeNumber

RUN_STATUSES: tuple[str, ...] = ("completed", "failed")
DEFAULT_RUNS_PAGE_SIZE = 50
MAX_RUNS_PAGE_SIZE = 500
DEFAULT_RUN_ACTIONS = 1000
MAX_RUN_ACTIONS = 10_000


def _required_run_id(value: Any) -> uuid.UUID:
    value = optional_text(value)
    if value is None:
        raise ValueError("is required")
    return parse_uuid(value)


def _action_limit(value: Any) -> Any:
    value = optional_text(value)
    return DEFAULT_RUN_ACTIONS if value is None else value


class RunsQuery(Request):
    """`GET /api/v1/runs` parameters: runs that started within the dates (the query's date
    rules), optionally of one agent or status, newest first."""

    operation = "runs"

    page: Annotated[int, WholeNumber, Field(ge=0, le=10_000_000)] = 0
    page_size: Annotated[int, WholeNumber, Field(ge=1, le=MAX_RUNS_PAGE_SIZE)] = DEFAULT_RUNS_PAGE_SIZE
    agent_id: OptionalText = None
    start_date: StartDate = None
    end_date: EndDate = None
    status: Annotated[Literal["completed", "failed"] | None, BeforeValidator(optional_text)] = None


class RunRequest(Request):
    """`GET /api/v1/runs/{run_id}`: one run and up to `limit` of its actions."""

    operation = "a run"

    run_id: Annotated[uuid.UUID, BeforeValidator(_required_run_id)]
    limit: Annotated[int, WholeNumber, BeforeValidator(_action_limit),
                     Field(ge=1, le=MAX_RUN_ACTIONS)] = DEFAULT_RUN_ACTIONS


class RunSummary(BaseModel):
    """One run: its owner, agent, start, end, status, and totals over its actions."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    org_id: str
    user_id: str
    agent_id: str
    started_at: datetime
    ended_at: datetime | None
    status: str
    actions: int
    errors: int
    blocked: int
    total_cost_usd: Money
    total_duration_ms: int


class RunPage(BaseModel):
    items: list[RunSummary]
    total: int
    page: int
    page_size: int
    total_pages: int
    has_more: bool


class RunDetail(BaseModel):
    """One run and its actions in order (timestamp ascending, then id)."""

    run: RunSummary
    actions: list[LedgerEntry]
    truncated: bool

    def to_json(self) -> str:
        """JSON body: the run (costs as exact decimal strings) and its actions in the
        LedgerEntry wire form, like `LedgerPage.to_json`."""
        from ..formats.wire import entries_json_array

        run = self.run.model_dump_json()
        return (f'{{"run":{run},"actions":{entries_json_array(self.actions)},'
                f'"truncated":{"true" if self.truncated else "false"}}}')
