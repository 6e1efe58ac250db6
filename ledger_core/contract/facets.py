"""Picker values: what is present in a caller's scope (computed by `read.facets`)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Facets(BaseModel):
    """The action names and agent ids present in the caller's scope, in code-point order."""

    model_config = ConfigDict(frozen=True)

    action_names: list[str]
    agent_ids: list[str]
