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
    MAX_NAME_LENGTH,
    Outcome,
    optional_text,
    parse_cost,
    parse_instant,
    parse_uuid,
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
                raise LedgerValidationError(
                    f"{name}: is not a known parameter for {cls.operation} "
                    f"(accepted: {', '.join(cls.model_fields)})",
                    field=name,
                )
        return validate(cls, params)
