"""The compliance summary (`Ledger.compliance`): counts by risk level, decision, data
classification, PII and regulatory framework, the actions that need a review, and the
riskiest agents and actions, for the actions in the caller's scope that match the request.

Everything is counted by the database over the matching rows (scope and filters as in the
query, `read.filters`), reading the compliance metadata's members in place
(`store.db.json_member`); frameworks are counted over the items of each entry's list.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, case, func, select, true

from ..contract.common import DATA_CLASSIFICATIONS, DECISIONS, RISK_LEVELS, Principal
from ..contract.compliance import NEEDS_REVIEW_SHOWN, TOP_RISKY, ComplianceRequest, ComplianceSummary, RiskyName
from ..errors import Forbidden
from ..formats.wire import entry_from_row
from ..store.db import json_array_items, json_flag_is, json_member
from ..store.schema import ledger_entries as le
from ..store.schema import organizations
from .filters import where
from .query import ENTRY_COLUMNS
from .scope import scope_clause


def _count_if(condition: Any) -> Any:
    return func.count(case((condition, 1)))


def has_access(conn: Connection, principal: Principal) -> bool:
    """Org admins and superusers see the compliance summary of their scope; a plain user only
    in an Enterprise organization (whose actions carry compliance metadata), for their own."""
    if principal.role != "user":
        return True
    tier = conn.execute(select(organizations.c.tier).where(organizations.c.id == principal.org_id)).scalar()
    return tier == "enterprise"


def check_access(conn: Connection, principal: Principal) -> None:
    if not has_access(conn, principal):
        raise Forbidden("the compliance summary is for org admins, superusers and Enterprise organizations")


def compliance_summary(conn: Connection, principal: Principal, request: ComplianceRequest) -> ComplianceSummary:
    check_access(conn, principal)
    condition = where(conn, scope_clause(principal, le), request)
    decision = json_member(conn, le.c.compliance, "decision")
    classification = json_member(conn, le.c.compliance, "data_classification")
    counts = conn.execute(select(
        func.count(),
        _count_if(decision.is_not(None)),
        *[_count_if(le.c.risk_level == level) for level in RISK_LEVELS],
        *[_count_if(decision == value) for value in DECISIONS],
        *[_count_if(classification == value) for value in DATA_CLASSIFICATIONS],
        _count_if(json_flag_is(conn, le.c.compliance, "pii_detected", True)),
        _count_if(json_flag_is(conn, le.c.compliance, "pii_detected", False)),
    ).where(condition)).one()
    total, with_compliance, *rest = (int(value) for value in counts)
    risks, rest = rest[:len(RISK_LEVELS)], rest[len(RISK_LEVELS):]
    decisions, rest = rest[:len(DECISIONS)], rest[len(DECISIONS):]
    classes, (pii_yes, pii_no) = rest[:len(DATA_CLASSIFICATIONS)], rest[len(DATA_CLASSIFICATIONS):]

    items = json_array_items(conn, le.c.compliance, "regulatory_frameworks")
    frameworks = conn.execute(
        select(items.c.value, func.count()).select_from(le).join(items, true()).where(condition)
        .group_by(items.c.value)
    ).all()

    needs_review = and_(condition, decision == "review", json_member(conn, le.c.compliance, "reviewed_by").is_(None))
    review_total = conn.execute(select(func.count()).select_from(le).where(needs_review)).scalar_one()
    review_rows = conn.execute(
        select(*ENTRY_COLUMNS).where(needs_review).order_by(le.c.timestamp.desc(), le.c.id.desc())
        .limit(NEEDS_REVIEW_SHOWN)
    ).mappings().all()

    return ComplianceSummary(
        total_actions=total,
        with_compliance=with_compliance,
        by_risk_level=dict(zip(RISK_LEVELS, risks)),
        by_decision=dict(zip(DECISIONS, decisions)),
        by_classification=dict(zip(DATA_CLASSIFICATIONS, classes)),
        pii={"detected": pii_yes, "not_detected": pii_no},
        by_framework=dict(sorted(((str(name), int(n)) for name, n in frameworks), key=lambda kv: (-kv[1], kv[0]))),
        needs_review_total=int(review_total),
        needs_review=[entry_from_row(row) for row in review_rows],
        riskiest_agents=_riskiest(conn, condition, le.c.agent_id),
        riskiest_actions=_riskiest(conn, condition, le.c.action_name),
    )


def _riskiest(conn: Connection, condition: Any, column: Any) -> list[RiskyName]:
    high, critical = _count_if(le.c.risk_level == "high"), _count_if(le.c.risk_level == "critical")
    rows = conn.execute(
        select(column, high.label("high"), critical.label("critical"), func.count().label("total"))
        .where(condition).group_by(column)
    ).all()
    ranked = sorted((row for row in rows if row.high or row.critical),
                    key=lambda row: (-(row.high + row.critical), -row.critical, row[0]))
    return [RiskyName(name=row[0], high=int(row.high), critical=int(row.critical), total=int(row.total))
            for row in ranked[:TOP_RISKY]]
