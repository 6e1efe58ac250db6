"""The risk levels of a run's actions as one small integer (`runs.risks`, a key of
`run_risk_days`): bit i is set when one of its actions is of `RISK_LEVELS[i]`. The runs
of a risk filter are then the runs whose mask holds one of its levels (`masks_holding`)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..contract.common import RISK_LEVELS, risk_at_least

BIT: dict[str, int] = {level: 1 << i for i, level in enumerate(RISK_LEVELS)}


def masks_holding(levels: Iterable[str]) -> list[int]:
    """Every mask with at least one of `levels`."""
    wanted = sum(BIT[level] for level in set(levels))
    return [mask for mask in range(1, 1 << len(RISK_LEVELS)) if mask & wanted]


def admitted(filters: dict[str, Any]) -> set[str]:
    """The risk levels that pass the `risk_level` and `min_risk` of `filters` (active
    filters by name; every level when neither is there)."""
    levels = set(filters.get("risk_level") or RISK_LEVELS)
    if (least := filters.get("min_risk")) is not None:
        levels &= set(risk_at_least(least))
    return levels
