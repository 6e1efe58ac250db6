"""The one place access is decided: Principal -> WHERE clause (SPEC section 6)."""
from __future__ import annotations

from sqlalchemy import Table, true
from sqlalchemy.sql.expression import ColumnElement

from ..contract.common import Principal


def scope_clause(principal: Principal, table: Table) -> ColumnElement[bool]:
    """Rows of `table` (which carries `user_id` and `org_id`) that `principal` may see.

    A `user` sees their own runs' actions, an `org_admin` their organization's,
    a `superuser` everything. Every query, count, stat, export and run view uses this.
    """
    if principal.role == "superuser":
        return true()
    if principal.role == "org_admin":
        return table.c.org_id == principal.org_id
    if principal.role == "user":
        return (table.c.org_id == principal.org_id) & (table.c.user_id == principal.user_id)
    raise PermissionError(f"unknown role {principal.role!r}")
