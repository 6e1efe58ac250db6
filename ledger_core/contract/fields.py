"""Request fields, each declared once: the request models (`query.py`, `stats.py`,
`export.py`, `runs.py`) list the ones their operation accepts, so a parameter has the same
rules wherever it appears (the Python API, the command line, the REST API, the pages).

`Request.parse(**params)` validates once: an unknown parameter, a bad value or a range the
wrong way round raises `LedgerValidationError` naming the parameter. An empty string means
"not given" for every optional filter (an empty form field, `?outcome=`).
"""
from __future__ import annotations

import uuid
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from ..errors import LedgerValidationError
from .common import (
    COST_QUANTUM,
    DATA_CLASSIFICATIONS,
    MAX_NAME_LENGTH,
    RISK_LEVELS,
    Classification,
    Decision,
    Outcome,
    RiskLevel,
    optional_text,
    parse_cost,
    parse_instant,
    parse_uuid,
    shorten,
    validate,
    whole_number,
)


def _start(value: Any) -> Any:
    value = optional_text(value)
    return None if value is None else parse_instant(value)


def _end(value: Any) -> Any:
    value = optional_text(value)
    return None if value is None else parse_instant(value, end_of_day=True)


def _min_cost(value: Any) -> Any:
    # Stored costs have COST_SCALE places, so rounding a bound towards the inside of
    # the range changes nothing that matches.
    value = optional_text(value)
    return None if value is None else parse_cost(value).quantize(COST_QUANTUM, ROUND_CEILING)


def _max_cost(value: Any) -> Any:
    value = optional_text(value)
    return None if value is None else parse_cost(value).quantize(COST_QUANTUM, ROUND_FLOOR)


def _run_id(value: Any) -> Any:
    value = optional_text(value)
    return None if value is None else parse_uuid(value)


def _one_or_several(allowed: tuple[str, ...]) -> Any:
    """A parser for "one value, or several joined by commas" (`high,critical`), or a list of
    them: a tuple of known values in their canonical order, None when empty."""
    def parse(value: Any) -> Any:
        value = optional_text(value)
        if value is None:
            return None
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",")]
        elif isinstance(value, (list, tuple, set, frozenset)):
            parts = [optional_text(part) for part in value]
        else:
            raise ValueError(f"must be one of {', '.join(allowed)}, or several joined by commas")
        for part in parts:
            if part not in allowed:
                raise ValueError(f"{shorten(part)} is not one of {', '.join(allowed)}")
        return tuple(choice for choice in allowed if choice in parts) or None
    return parse


def _flag(value: Any) -> Any:
    """true or false (also `1`/`0`, any case); the empty string means "not given"."""
    value = optional_text(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "1"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "0"):
        return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ValueError(f"{shorten(value)} is not true or false")


OptionalText = Annotated[Annotated[str, Field(max_length=MAX_NAME_LENGTH)] | None, BeforeValidator(optional_text)]
OutcomeFilter = Annotated[Outcome | None, BeforeValidator(optional_text)]
RunId = Annotated[uuid.UUID | None, BeforeValidator(_run_id)]
MinCost = Annotated[Decimal | None, BeforeValidator(_min_cost)]
MaxCost = Annotated[Decimal | None, BeforeValidator(_max_cost)]
StartDate = Annotated[datetime | None, BeforeValidator(_start)]
"""Inclusive; a date alone means 00:00:00 UTC; a time without a zone is UTC."""
EndDate = Annotated[datetime | None, BeforeValidator(_end)]
"""Inclusive; a date alone means the whole day (to 23:59:59.999999 UTC)."""
WholeNumber = BeforeValidator(whole_number)

# The compliance filters (SPEC section 3b). An entry without compliance metadata never
# matches a filter on decision, data classification, framework or PII.
RiskLevels = Annotated[tuple[RiskLevel, ...] | None, BeforeValidator(_one_or_several(RISK_LEVELS))]
MinRisk = Annotated[RiskLevel | None, BeforeValidator(optional_text)]
Classifications = Annotated[tuple[Classification, ...] | None,
                            BeforeValidator(_one_or_several(DATA_CLASSIFICATIONS))]
DecisionFilter = Annotated[Decision | None, BeforeValidator(optional_text)]
Framework = Annotated[Annotated[str, Field(max_length=64)] | None, BeforeValidator(optional_text)]
Flag = Annotated[bool | None, BeforeValidator(_flag)]


class Request(BaseModel):
    """Base of the request models: frozen, unknown parameters refused, ranges checked."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    operation: ClassVar[str] = "this request"
    """Named in the message for an unknown parameter ("... for stats")."""

    @model_validator(mode="after")
    def _ranges(self) -> Self:
        low, high = getattr(self, "min_cost", None), getattr(self, "max_cost", None)
        if low is not None and high is not None and low > high:
            raise ValueError("min_cost: must not be greater than max_cost")
        start, end = getattr(self, "start_date", None), getattr(self, "end_date", None)
        if start is not None and end is not None and start > end:
            raise ValueError("start_date: must not be after end_date")
        return self

    def captions(self) -> list[str]:
        """One phrase per active filter ("outcome = error", "agent = prod-agent-3"), for a
        page's "filtered by" line or an empty result's advice."""
        from ..read.filters import captions

        return captions(self)

    @classmethod
    def parse(cls, **params: Any) -> Self:
        for name in params:
            if name not in cls.model_fields:
                shown = name if len(name) <= 60 else f"{name[:60]}…"
                raise LedgerValidationError(
                    f"{shown}: is not a known parameter for {cls.operation} "
                    f"(accepted: {', '.join(cls.model_fields)})",
                    field=name,
                )
        return validate(cls, params)
