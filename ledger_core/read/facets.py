"""The values present in a caller's scope, for pickers: action names and agent ids.

A superuser's values come from `ledger_names` (kept at ingest, a few hundred rows); an
org admin's and a user's from the entries they may see (`scope.scope_clause`). Names are in code-point order.
"""
from __future__ import annotations

from sqlalchemy import Connection, select

from ..contract.common import Principal
from ..contract.facets import Facets
from ..store.schema import ledger_names
from ..rollups import read as rollups


def read_facets(conn: Connection, principal: Principal) -> Facets:
    if principal.role == "superuser":
        rows = conn.execute(select(ledger_names.c.kind, ledger_names.c.value)).all()
        return Facets(
            action_names=sorted(value for kind, value in rows if kind == "action_name"),
            agent_ids=sorted(value for kind, value in rows if kind == "agent_id"),
        )
    actions, agents = rollups.names(conn, principal)
    return Facets(action_names=actions, agent_ids=agents)
