"""The filter fields of each page (URL keys = request parameter names, SPEC sections 3-5)."""
from __future__ import annotations

from datetime import date, timedelta

from .params import UrlForm, choice, cost, day, query_whole, text, whole

OUTCOMES = ("success", "error", "blocked")
SORT_KEYS = ("timestamp", "cost", "duration", "name")
SORT_ORDERS = ("desc", "asc")
EXPORT_FILTERS = ("outcome", "action_name", "agent_id", "start_date", "end_date")
DEFAULT_PAGE_SIZE = 100
DEFAULT_EXPORT_LIMIT = 10_000
MAX_EXPORT_LIMIT = 100_000

# Labels for captions ("Filtered by outcome = error · agent = prod-agent-3").
FILTER_LABELS = {
    "search": "search", "outcome": "outcome", "action_name": "action", "agent_id": "agent",
    "run_id": "run", "start_date": "from", "end_date": "to", "min_cost": "cost ≥", "max_cost": "cost ≤",
}


def ledger_form() -> UrlForm:
    """Every parameter of SPEC section 3."""
    return UrlForm("ledger", [
        text("search"), choice("outcome", OUTCOMES), text("action_name"), text("agent_id"),
        day("start_date"), day("end_date"), cost("min_cost"), cost("max_cost"), text("run_id"),
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
    """SPEC section 4: dates and agent; a period ("30d", "all"...) or custom dates."""
    return UrlForm("stats", [choice("period", tuple(PERIODS), DEFAULT_PERIOD), day("start_date"), day("end_date"),
                             text("agent_id")])


def period_start(period: str, today: date) -> date | None:
    """The first day of a period that ends today (UTC); None for all time and custom."""
    days = PERIODS[period][1]
    return None if days is None else today - timedelta(days=days - 1)


def export_form() -> UrlForm:
    """SPEC section 5: the export's filters and limit (each format has its own button)."""
    return UrlForm("export", [
        choice("outcome", OUTCOMES), text("action_name"), text("agent_id"), day("start_date"), day("end_date"),
        whole("limit", DEFAULT_EXPORT_LIMIT, 1, 10 * MAX_EXPORT_LIMIT),
    ])


def runs_form() -> UrlForm:
    return UrlForm("runs", [text("run_id"), text("agent_id")])


def live_form() -> UrlForm:
    return UrlForm("live", [choice("outcome", OUTCOMES)])
