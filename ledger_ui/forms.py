"""The filter fields of each page (URL keys = request parameter names, SPEC sections 3-5)."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from .params import Field, UrlForm, choice, cost, day, query_whole, several, text, whole

OUTCOMES = ("success", "error", "blocked")
RISK_LEVELS = ("low", "medium", "high", "critical")
DECISIONS = ("allow", "deny", "review")
CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")
PII_CHOICES = ("true", "false")
# The compliance filters of SPEC section 3b, in the order the pages show them.
COMPLIANCE_FILTERS = ("risk_level", "min_risk", "data_classification", "decision", "regulatory_framework",
                      "pii_detected")
SORT_KEYS = ("timestamp", "cost", "duration", "name")
SORT_ORDERS = ("desc", "asc")
EXPORT_FILTERS = ("outcome", "action_name", "agent_id", "start_date", "end_date", *COMPLIANCE_FILTERS)
# The requests of the Stats and Compliance pages: a period, an agent and the compliance filters.
SUMMARY_FILTERS = ("start_date", "end_date", "agent_id", *COMPLIANCE_FILTERS)
DEFAULT_PAGE_SIZE = 100
DEFAULT_EXPORT_LIMIT = 10_000
MAX_EXPORT_LIMIT = 100_000

# Labels for captions ("Filtered by outcome = error · agent = prod-agent-3").
FILTER_LABELS = {
    "search": "search", "outcome": "outcome", "action_name": "action", "agent_id": "agent",
    "run_id": "run", "start_date": "from", "end_date": "to", "min_cost": "cost ≥", "max_cost": "cost ≤",
    "risk_level": "risk", "min_risk": "min risk", "data_classification": "classification",
    "decision": "decision", "regulatory_framework": "framework", "pii_detected": "PII detected",
}


def compliance_fields() -> list[Field]:
    """SPEC section 3b: several risk levels, a minimum risk, several classifications, a
    decision, a framework (exact) and PII detected (true / false)."""
    return [several("risk_level", RISK_LEVELS), choice("min_risk", RISK_LEVELS),
            several("data_classification", CLASSIFICATIONS), choice("decision", DECISIONS),
            text("regulatory_framework"), choice("pii_detected", PII_CHOICES)]


def conflicts(request: dict[str, Any]) -> list[str]:
    """Filters that exclude each other, as field-named messages (the ledger accepts them and
    matches nothing; the pages say why instead of showing an empty table)."""
    chosen, floor = request.get("risk_level"), request.get("min_risk")
    if chosen and floor:
        levels = chosen.split(",")
        if all(RISK_LEVELS.index(level) < RISK_LEVELS.index(floor) for level in levels):
            return [f"min_risk: {floor} and above excludes every chosen risk level ({', '.join(levels)}); "
                    "clear one of the two risk filters"]
    return []


def compliance_active(request: dict[str, Any]) -> bool:
    """Whether a filter on the compliance metadata (which standard-tier actions lack) is on."""
    return any(request.get(name) for name in COMPLIANCE_FILTERS if name not in ("risk_level", "min_risk"))

def ledger_form() -> UrlForm:
    """Every parameter of SPEC section 3."""
    return UrlForm("ledger", [
        text("search"), choice("outcome", OUTCOMES), text("action_name"), text("agent_id"),
        day("start_date"), day("end_date"), cost("min_cost"), cost("max_cost"), text("run_id"),
        *compliance_fields(),
        choice("sort_by", SORT_KEYS, "timestamp"), choice("sort_order", SORT_ORDERS, "desc"),
        query_whole("page_size", DEFAULT_PAGE_SIZE), query_whole("page", 0),
    ])


# Stats periods: (label, days back from today, UTC; None: no bound). "custom": the dates.
PERIODS = {
    "7d": ("Last 7 days", 7), "30d": ("Last 30 days", 30), "90d": ("Last 90 days", 90),
    "365d": ("Last 12 months", 365), "all": ("All time", None), "custom": ("Custom dates", None),
}
DEFAULT_PERIOD = "7d"


def stats_form() -> UrlForm:
    """SPEC sections 4 and 3b: dates, agent and the compliance filters; a period ("30d",
    "all"...) or custom dates."""
    return UrlForm("stats", [choice("period", tuple(PERIODS), DEFAULT_PERIOD), day("start_date"), day("end_date"),
                             text("agent_id"), *compliance_fields()])


def period_start(period: str, today: date) -> date | None:
    """The first day of a period that ends today (UTC); None for all time and custom."""
    days = PERIODS[period][1]
    return None if days is None else today - timedelta(days=days - 1)


def export_form() -> UrlForm:
    """SPEC section 5: the export's filters and limit (each format has its own button)."""
    return UrlForm("export", [
        choice("outcome", OUTCOMES), text("action_name"), text("agent_id"), day("start_date"), day("end_date"),
        *compliance_fields(),
        whole("limit", DEFAULT_EXPORT_LIMIT, 1, 10 * MAX_EXPORT_LIMIT),
    ])


def compliance_form() -> UrlForm:
    """The compliance summary's parameters: a period (as on the Stats page), an agent and the
    compliance filters."""
    return UrlForm("compliance", [choice("period", tuple(PERIODS), DEFAULT_PERIOD), day("start_date"),
                                  day("end_date"), text("agent_id"), *compliance_fields()])


def ledger_link(request: dict[str, Any], **clicked: str) -> dict[str, str]:
    """The Ledger page's URL parameters for what a person clicked (a bar, a row) within a
    view's request: the clicked values replace the view's own for the same parameters."""
    return {**{name: str(value) for name, value in request.items()}, **clicked}


def riskiest_link(request: dict[str, Any], **clicked: str) -> dict[str, str]:
    """As `ledger_link`, for an agent or an action of the riskiest lists: its high and
    critical actions (a view already narrower than that keeps its own risk filters)."""
    floor = request.get("min_risk")
    narrower = floor in ("high", "critical") or (request.get("risk_level") and all(
        level in ("high", "critical") for level in request["risk_level"].split(",")))
    return ledger_link(request, **clicked) if narrower else ledger_link(request, min_risk="high", **clicked)


def runs_form() -> UrlForm:
    return UrlForm("runs", [text("run_id"), text("agent_id")])


def live_form() -> UrlForm:
    return UrlForm("live", [choice("outcome", OUTCOMES)])
