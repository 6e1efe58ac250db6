"""The compliance summary (`Ledger.compliance`): counts by risk level, decision, data
classification, PII and regulatory framework, the actions that need a review, and the
riskiest agents and actions, for the actions in the caller's scope that match the request.

Every figure is added up here from the matching entries' counts per agent, action, risk
level and compliance profile (`rollups.read.compliance_groups`: from `rollup_compliance`
where it can answer, else from the entries, grouped by the database); frameworks are
counted over the items of each profile's list. The latest actions awaiting a review are
read from the entries (scope and filters as in the query, `read.filters`).
"""
from __future__ import annotations

from sqlalchemy import Connection, Select, select
from sqlalchemy.sql.expression import ColumnElement

from ..contract.common import DATA_CLASSIFICATIONS, DECISIONS, RISK_LEVELS, Principal
from ..contract.compliance import NEEDS_REVIEW_SHOWN, TOP_RISKY, ComplianceRequest, ComplianceSummary, RiskyName
from ..errors import Forbidden
from ..rollups.read import compliance_groups
from ..store.schema import awaiting_review
from ..store.schema import ledger_entries as le
from ..store.schema import organizations
from .filters import where
from .entries import entry_columns, read_entries
from .scope import scope_clause


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
    risks = dict.fromkeys(RISK_LEVELS, 0)
    decisions = dict.fromkeys(DECISIONS, 0)
    classes = dict.fromkeys(DATA_CLASSIFICATIONS, 0)
    pii = {"detected": 0, "not_detected": 0}
    frameworks: dict[str, int] = {}
    agents: dict[str, list[int]] = {}
    actions: dict[str, list[int]] = {}
    total = with_compliance = review_total = 0
    for agent, action, risk, profile, n in compliance_groups(conn, principal, request, condition):
        total += n
        risks[risk] += n
        for name, figures in ((agent, agents), (action, actions)):
            counts = figures.setdefault(name, [0, 0, 0])
            counts[0] += n
            if risk in ("high", "critical"):
                counts[1 if risk == "high" else 2] += n
        if profile is None:
            continue
        decision, classification, detected, listed, unreviewed = profile
        with_compliance += n
        decisions[decision] += n
        classes[classification] += n
        pii["detected" if detected else "not_detected"] += n
        for framework in listed:
            frameworks[framework] = frameworks.get(framework, 0) + n
        review_total += n if unreviewed else 0

    review = read_entries(conn, latest_awaiting_review(conn, condition)) if review_total else []

    return ComplianceSummary(
        total_actions=total,
        with_compliance=with_compliance,
        by_risk_level=risks,
        by_decision=decisions,
        by_classification=classes,
        pii=pii,
        by_framework=dict(sorted(frameworks.items(), key=lambda kv: (-kv[1], kv[0]))),
        needs_review_total=review_total,
        needs_review=review,
        riskiest_agents=_riskiest(agents),
        riskiest_actions=_riskiest(actions),
    )


def latest_awaiting_review(conn: Connection, condition: ColumnElement[bool]) -> Select:
    """The newest matching actions awaiting a review, through `ix_le_unreviewed`."""
    return (select(*entry_columns(conn)).where(condition, awaiting_review(conn))
            .order_by(le.c.timestamp.desc(), le.c.id.desc()).limit(NEEDS_REVIEW_SHOWN))


def _riskiest(counts: dict[str, list[int]]) -> list[RiskyName]:
    """The names with high or critical actions, most of those first, then most critical."""
    ranked = sorted(((name, total, high, critical) for name, (total, high, critical) in counts.items()
                     if high or critical), key=lambda row: (-(row[2] + row[3]), -row[3], row[0]))
    return [RiskyName(name=name, high=high, critical=critical, total=total)
            for name, total, high, critical in ranked[:TOP_RISKY]]
